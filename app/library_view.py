"""The Library tab's data, without Streamlit: recording the dashboard's analyses, the table of
assessments, the trend of each task's figures, the before / after pair to propose."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from app.analyses import Analyzed
from posture.library import Library, entry_from_result
from posture.library.compare import FIGURES
from posture.library.entry import file_sha256

#: Set by ``posture dashboard --no-library``: the dashboard records nothing.
NO_LIBRARY_ENV = "POSTURE_NO_LIBRARY"
TABLE_COLUMNS = {
    "id": "#",
    "assessed_on": "Date",
    "task": "Task",
    "worker": "Worker",
    "site": "Site",
    "recording": "Recording",
    "lifts": "Lifts",
    "risky_lifts": "Risky lifts",
    "time_high_share": "High risk",
    "reba_peak": "REBA peak",
    "worst_lifting_index": "Worst LI",
    "origin": "From",
}
TREND_FIGURES = {f.key: f.label for f in FIGURES}


def recording_enabled() -> bool:
    return os.environ.get(NO_LIBRARY_ENV, "") not in ("1", "true", "yes")


@functools.lru_cache(maxsize=256)
def _sha(path: str, size: int, mtime_ns: int) -> str:
    return file_sha256(path)


def content_sha256(path: Path) -> str:
    st = path.stat()
    return _sha(str(path), st.st_size, st.st_mtime_ns)


def record_analysis(lib: Library, item: Analyzed, session: str) -> int:
    """Record a reviewed analysis: one entry per recording per browser session, updated as
    the settings change (the last settings looked at are the assessment's)."""
    sha = content_sha256(item.source.path)
    entry = entry_from_result(
        item.result,
        origin="dashboard",
        source=item.source.path,
        output_dir=item.out_dir,
        dedupe_key=f"dashboard:{session}:{sha}",
        sha256=sha,
    )
    entry.recording["name"] = item.source.label[:512]
    entry.assessment["source_path"] = item.source.label
    return lib.record(entry)


def record_live(lib: Library, result: Any) -> int:
    return lib.record(entry_from_result(result, origin="live", source=None, output_dir=None))


def table(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The assessments as text cells (empty where there is no value)."""

    def cell(key: str, v: Any) -> Any:
        if v is None:
            return ""
        if key.endswith("_share"):
            return f"{v:.0%}"
        if key == "worst_lifting_index":
            return f"{v:.2f}"
        if isinstance(v, float):
            return f"{v:g}"
        return v if key == "id" else str(v)

    data = [{label: cell(k, r.get(k)) for k, label in TABLE_COLUMNS.items()} for r in rows]
    return pd.DataFrame(data, columns=list(TABLE_COLUMNS.values()))


def trend(rows: Sequence[Mapping[str, Any]], figure: str) -> pd.DataFrame:
    """One point per assessment with a task and a value: date, task, value, id (oldest first)."""
    points = [
        {
            "date": pd.Timestamp(r["assessed_on"]),
            "task": r["task"],
            "value": float(r[figure]) * (100 if figure.endswith("_share") else 1),
            "id": r["id"],
        }
        for r in rows
        if r.get("task") and r.get(figure) is not None
    ]
    frame = pd.DataFrame(points, columns=["date", "task", "value", "id"])
    return frame.sort_values(["date", "id"]).reset_index(drop=True)


def tasks_with_pairs(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Tasks assessed at least twice (a before / after needs two), most assessed first."""
    counts: dict[str, int] = {}
    for r in rows:
        if r.get("task"):
            counts[r["task"]] = counts.get(r["task"], 0) + 1
    return sorted((t for t, n in counts.items() if n >= 2), key=lambda t: (-counts[t], t))


def default_pair(rows: Sequence[Mapping[str, Any]], task: str) -> tuple[int, int]:
    """The first and the latest assessment of the task: before and after."""
    of_task = sorted(
        (r for r in rows if r.get("task") == task), key=lambda r: (r["assessed_on"], r["id"])
    )
    return int(of_task[0]["id"]), int(of_task[-1]["id"])


def label(r: Mapping[str, Any]) -> str:
    day = r["assessed_on"]
    day = day.isoformat() if isinstance(day, dt.date) else str(day)
    who = f", {r['worker']}" if r.get("worker") else ""
    return f"#{r['id']} · {day} · {r.get('recording') or ''}{who}"
