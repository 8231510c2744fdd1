"""The README documents every output column, npz key and settings section."""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass
from pathlib import Path

import pytest

from posture import synthetic
from posture.assess.analysis import analyze
from posture.assess.tables import LIFT_COLUMNS, frames_table
from posture.core.config import DEFAULTS
from posture.core.landmarks import NPZ_KEYS
from posture.run.batch import OVERVIEW_COLUMNS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _documented(name: str) -> bool:
    """A column is documented by name, or as a ``{left,right}`` pair, or by its family."""
    if f"`{name}`" in README:
        return True
    pair = re.sub(r"_(left|right)_", "_{left,right}_", name)
    if f"`{pair}`" in README:
        return True
    if name.endswith("_conf"):
        return "`<measure>_conf`" in README or f"`{name}`" in README
    if name.endswith("_severity"):
        return "`<rule>_severity`" in README
    if name.endswith("_cue"):
        return "`<rule>_cue`" in README
    return False


@pytest.fixture(scope="module")
def frame_columns() -> list[str]:
    a = analyze(synthetic.synthetic_lift("stoop", yaw_deg=90), DEFAULTS)
    return list(frames_table(a))


def test_every_frames_csv_column_is_documented(frame_columns: list[str]) -> None:
    missing = [c for c in frame_columns if not _documented(c)]
    assert not missing


@pytest.mark.parametrize("column", LIFT_COLUMNS)
def test_every_lifts_csv_column_is_documented(column: str) -> None:
    assert f"`{column}`" in README


@pytest.mark.parametrize("key", sorted(NPZ_KEYS))
def test_every_npz_key_is_documented(key: str) -> None:
    assert f"`{key}`" in README


@pytest.mark.parametrize("section", [f.name for f in fields(DEFAULTS)])
def test_every_settings_section_is_documented(section: str) -> None:
    sub = getattr(DEFAULTS, section)
    assert is_dataclass(sub)
    assert f"`[{section}]`" in README or f"`[{section}.*]`" in README


def test_the_readme_has_no_placeholders() -> None:
    assert "BENCH_TABLE" not in README and "LIVE_TABLE" not in README


def test_the_settings_reference_matches_the_defaults() -> None:
    from posture.core.config import settings_markdown

    begin = README.index("<!-- settings:begin")
    block = README[README.index("\n", begin) + 1 : README.index("<!-- settings:end -->")]
    assert block.strip() == settings_markdown(DEFAULTS).strip(), (
        "regenerate the README's settings reference with `posture config --markdown`"
    )


def test_the_measures_table_is_the_one_the_code_uses() -> None:
    from posture.assess.tables import CSV_MEASURES
    from posture.core.measure_info import measures_markdown

    begin = README.index("<!-- measures:begin")
    block = README[README.index("\n", begin) + 1 : README.index("<!-- measures:end -->")]
    assert block.strip() == measures_markdown(CSV_MEASURES).strip(), (
        "regenerate the README's measures table with `posture config --measures`"
    )


@pytest.mark.parametrize("column", OVERVIEW_COLUMNS)
def test_every_overview_csv_column_is_documented(column: str) -> None:
    assert f"`{column}`" in README
