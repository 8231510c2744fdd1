"""Writing results: frames.csv, summary.json (and reading frames.csv back)."""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float | np.floating):
        return "" if not math.isfinite(float(v)) else f"{float(v):g}"
    if isinstance(v, np.integer | np.bool_):
        return str(int(v))
    return str(v)


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that a reader never sees half of it (tmp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_table_csv(path: Path, table: Mapping[str, Sequence[Any] | np.ndarray]) -> None:
    """One row per frame; empty cells where a value is unknown (NaN)."""
    write_table_csv_parts(path, [table])


def write_table_csv_parts(
    path: Path, parts: Iterable[Mapping[str, Sequence[Any] | np.ndarray]]
) -> None:
    """:func:`write_table_csv` of a table given as consecutive parts with the same columns
    (the header from the first), so that a long one is never held whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            names: list[str] | None = None
            for table in parts:
                if names is None:
                    names = list(table)
                    w.writerow(names)
                cols = [table[k] for k in names]
                for i in range(len(cols[0]) if cols else 0):
                    w.writerow([_cell(c[i]) for c in cols])
            if names is None:
                w.writerow([])
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_table_csv(path: Path) -> dict[str, list[str]]:
    """frames.csv / lifts.csv as columns of strings."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        return {}
    return {name: [r[i] for r in rows[1:]] for i, name in enumerate(rows[0])}


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if not math.isfinite(float(o)) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    return str(o)


def _clean_floats(o: Any) -> Any:
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _clean_floats(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_clean_floats(v) for v in o]
    return o


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    atomic_write_text(
        path, json.dumps(_clean_floats(dict(data)), indent=2, default=_json_default) + "\n"
    )
