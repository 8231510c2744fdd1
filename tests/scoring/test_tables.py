"""The table layer: interval bands, levels, lookups, loading, and every malformed-table check."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from posture.core.errors import ConfigError
from posture.scoring import load_niosh_tables, load_owas_tables, load_reba_tables, load_rula_tables
from posture.scoring.tables import lookup, parse_bands, parse_interval, parse_levels, parse_table

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "posture" / "data" / "scoring"
LOADERS: dict[str, Callable[..., Any]] = {
    "reba": load_reba_tables,
    "rula": load_rula_tables,
    "owas": load_owas_tables,
    "niosh": load_niosh_tables,
}


# ---------------------------------------------------------------------------------------------
# the pure layer stays pure
# ---------------------------------------------------------------------------------------------
def test_scoring_imports_neither_cv2_mediapipe_nor_streamlit() -> None:
    code = (
        "import sys, posture.scoring\n"
        "assert 'posture.scoring.reba' in sys.modules and 'numpy' in sys.modules\n"
        "print(','.join(m for m in ('cv2', 'mediapipe', 'streamlit') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"posture.scoring imported {out.stdout.strip()}"


# ---------------------------------------------------------------------------------------------
# intervals and bands
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "lo", "hi", "lo_closed", "hi_closed"),
    [
        ("(-inf, -20)", -np.inf, -20.0, False, False),
        ("[-20, -5]", -20.0, -5.0, True, True),
        ("(20, 60]", 20.0, 60.0, False, True),
        ("[5,20)", 5.0, 20.0, True, False),
        ("( 60 , inf )", 60.0, np.inf, False, False),
        ("[0.5, 1.25]", 0.5, 1.25, True, True),
    ],
)
def test_interval_notation_is_read_exactly(
    text: str, lo: float, hi: float, lo_closed: bool, hi_closed: bool
) -> None:
    i = parse_interval(text, "t")
    assert (i.lo, i.hi, i.lo_closed, i.hi_closed) == (lo, hi, lo_closed, hi_closed)


@pytest.mark.parametrize(
    "text", ["20-60", "(20, 60", "[60, 20]", "[5, 5]", "[-inf, 0)", "(0, inf]", 20]
)
def test_malformed_interval_is_a_config_error(text: object) -> None:
    with pytest.raises(ConfigError):
        parse_interval(text, "t")


EXAMPLE_ROWS = [["(-inf, 5)", 0], ["[5, 10]", 1], ["(10, inf)", 2]]


@pytest.mark.parametrize(
    ("value", "score"),
    [(-1e9, 0), (4.999, 0), (5.0, 1), (10.0, 1), (10.001, 2), (np.inf, 2), (-np.inf, 0)],
)
def test_each_value_gets_the_score_of_its_band(value: float, score: int) -> None:
    assert parse_bands("t", EXAMPLE_ROWS, lo=0, hi=2).score([value])[0] == score


def test_nan_has_no_band() -> None:
    assert np.isnan(parse_bands("t", EXAMPLE_ROWS, lo=0, hi=2).score([np.nan])[0])


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["(-inf, 5)", 0], ["[6, 10]", 1], ["(10, inf)", 2]], "gap"),
        ([["(-inf, 5]", 0], ["[5, 10]", 1], ["(10, inf)", 2]], "both bands"),
        ([["(-inf, 5)", 0], ["(5, 10]", 1], ["(10, inf)", 2]], "neither band"),
        ([["(-inf, 5)", 0], ["(10, inf)", 2], ["[5, 10]", 1]], "out of order"),
        ([["[0, 5)", 0], ["[5, 10]", 1], ["(10, inf)", 2]], "-inf to inf"),
        ([["(-inf, 5)", 0], ["[5, 10]", 1]], "-inf to inf"),
        ([["(-inf, 5)", 0], ["[5, 10]", 3], ["(10, inf)", 2]], "outside"),
        ([["(-inf, 5)", 0], ["[5, 10]", 1.5], ["(10, inf)", 2]], "whole number"),
        ([["(-inf, 5)", 0, 1]], r"expected \[interval, score\]"),
        ([], "list"),
    ],
)
def test_malformed_bands_are_a_config_error(rows: list[Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_bands("t", rows, lo=0, hi=2)


# ---------------------------------------------------------------------------------------------
# levels and lookups
# ---------------------------------------------------------------------------------------------
def test_levels_name_each_score_and_unknown() -> None:
    levels = parse_levels("t", {"starts": [[1, "a"], [3, "b"]], "max_score": 4})
    assert levels.of([1, 2, 3, 4, np.nan]).tolist() == ["a", "a", "b", "b", "unknown"]
    with pytest.raises(ValueError, match="outside"):
        levels.of([5])


@pytest.mark.parametrize(
    "table",
    [
        {"starts": [[1, "a"], [1, "b"]], "max_score": 4},
        {"starts": [[1, "a"], [2, "a"]], "max_score": 4},
        {"starts": [[1, "unknown"]], "max_score": 4},
        {"starts": [[5, "a"]], "max_score": 4},
        {"starts": [], "max_score": 4},
        {"starts": [[1, "a"]]},
    ],
)
def test_malformed_levels_are_a_config_error(table: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        parse_levels("t", table)


def test_lookup_is_one_based_nan_aware_and_clips_only_when_asked() -> None:
    table = np.arange(1, 7).reshape(2, 3)
    assert lookup(table, [1, 2, np.nan], [3, 1, 1]).tolist()[:2] == [3.0, 4.0]
    assert np.isnan(lookup(table, [np.nan], [1])[0])
    assert lookup(table, [5], [9], clip=True).tolist() == [6.0]
    with pytest.raises(ValueError, match="out of range"):
        lookup(table, [3], [1])


@pytest.mark.parametrize(
    ("values", "shape", "message"),
    [
        ([[1, 2], [3]], (2, 2), "rectangular"),
        ([[1, 2], [3, 4]], (2, 3), "shape"),
        ([[1, 2], [3, 13]], (2, 2), r"\[1, 12\]"),
        ([[1, 2], [3, 2.5]], (2, 2), "whole number"),
    ],
)
def test_malformed_lookup_tables_are_a_config_error(
    values: list[Any], shape: tuple[int, ...], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_table("t", values, shape, lo=1, hi=12)


def test_loaded_tables_cannot_be_edited_in_place() -> None:
    with pytest.raises(ValueError, match="read-only"):
        load_reba_tables().table_c[0, 0] = 99


# ---------------------------------------------------------------------------------------------
# loading the packaged and the user's files
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("standard", sorted(LOADERS))
def test_packaged_tables_load_and_cite_their_source(standard: str) -> None:
    assert LOADERS[standard]() is not None
    text = (DATA / f"{standard}.toml").read_text(encoding="utf-8")
    assert "Source" in text and "Cross-checked" in text


@pytest.mark.parametrize("standard", sorted(LOADERS))
def test_a_users_copy_of_the_tables_loads_from_a_path(standard: str, tmp_path: Path) -> None:
    copy = tmp_path / f"{standard}.toml"
    copy.write_text((DATA / f"{standard}.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert type(LOADERS[standard](copy)) is type(LOADERS[standard]())


def _load_modified(standard: str, tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    data = tomllib.loads((DATA / f"{standard}.toml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / f"{standard}.toml"
    path.write_text(_to_toml(data), encoding="utf-8")
    LOADERS[standard](path)


def _to_toml(data: dict[str, Any]) -> str:
    """Minimal TOML writer for the shapes used in the table files (tables of scalars/lists)."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v + '"'
        if isinstance(v, float):
            return "inf" if v == np.inf else "-inf" if v == -np.inf else repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v)

    lines = []
    for name, table in data.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _set(path: str, v: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        *keys, last = path.split(".")
        node: Any = data
        for k in keys:
            node = node[int(k)] if isinstance(node, list) else node[k]
        if isinstance(node, list):
            node[int(last)] = v
        elif v is None:
            del node[last]
        else:
            node[last] = v

    return edit


MALFORMED = [
    ("reba", _set("bands.trunk_flexion_deg.1.0", "[-20, -6]"), "gap"),
    ("reba", _set("bands.trunk_flexion_deg.4.0", "[20, 60]"), "both bands"),
    ("reba", _set("bands.trunk_flexion_deg.3.0", "[5, 20)"), "neither band"),
    ("reba", _set("bands.neck_flexion_deg.0.1", 3), "outside"),
    ("reba", _set("bands.load_kg", None), "list"),
    ("reba", _set("table_a.values.4", [[4, 6, 7, 8]]), "shape"),
    ("reba", _set("table_c.values.0.0", 13), r"\[1, 12\]"),
    ("reba", _set("table_b", None), "missing key 'table_b'"),
    ("reba", _set("coupling.terrible", 3), "unknown keys"),
    ("reba", _set("adjust.trunk_twisted_or_side_bent", 2), "trunk score can reach 6"),
    ("reba", _set("levels.starts", [[1, "a"], [1, "b"]]), "increasing"),
    ("rula", _set("table_a.values.5", [[9] * 8, [9] * 8]), "shape"),
    ("rula", _set("bands.wrist_flexion_deg.2.0", "[-5, 5]"), "both bands"),
    ("rula", _set("adjust.arm_across_midline_or_out_to_side", 2), "lower arm score can reach 4"),
    ("owas", _set("codes.values.1", [2, 5]), r"\[1, 4\]"),
    ("owas", _set("bands.trunk_bent.1.0", "(-20, 20]"), "neither band"),
    ("niosh", _set("constants.load_constant_kg", -23.0), "outside"),
    ("niosh", _set("frequency.rows.1.0", 0.2), "increase"),
    ("niosh", _set("frequency.rows.1.1", 1.01), r"\[0, 1\]"),
    ("niosh", _set("frequency.rows.2.1", 0.98), "must not increase"),
    ("niosh", _set("frequency.duration_limits_h", [1.0, 2.0, 1.5]), "increase"),
    ("niosh", _set("coupling.fair", [0.95]), "shape"),
    ("niosh", _set("coupling_aliases.unacceptable", "awful"), "no coupling class"),
]


@pytest.mark.parametrize(("standard", "edit", "message"), MALFORMED)
def test_each_malformation_of_a_packaged_table_is_caught_on_load(
    standard: str, edit: Callable[[dict[str, Any]], None], message: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=message):
        _load_modified(standard, tmp_path, edit)


def test_the_toml_round_trip_used_above_is_faithful(tmp_path: Path) -> None:
    for standard in LOADERS:  # an unmodified round trip must load, or the tests above prove nothing
        _load_modified(standard, tmp_path, lambda data: None)


def test_missing_and_invalid_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_reba_tables(tmp_path / "none.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[bands\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_rula_tables(bad)
