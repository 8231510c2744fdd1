"""The Library tab's pure parts: what the dashboard records (one entry per recording per
browser session, following the settings), the table, the trend and the before / after pair."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from app import library_view as view
from app.analyses import Analyzed
from app.sources import source_of
from posture.core.config import DEFAULTS, override
from posture.library import Library
from posture.run.recorded import analyze_landmarks

DEMO = Path(__file__).resolve().parents[2] / "sample_videos" / "demo_landmarks.npz"


def rows() -> list[dict[str, object]]:
    def r(i: int, task: str | None, day: str, high: float | None) -> dict[str, object]:
        return {
            "id": i,
            "task": task,
            "assessed_on": dt.date.fromisoformat(day),
            "time_high_share": high,
            "worst_lifting_index": 1.234 if i == 1 else None,
            "recording": f"r{i}.mp4",
            "worker": "W-1" if i == 2 else None,
        }

    return [
        r(4, "stacking", "2026-11-01", 0.5),
        r(3, "palletising", "2026-10-01", 0.1),
        r(2, "palletising", "2026-12-01", 0.05),
        r(1, "palletising", "2026-09-01", 0.3),
        r(5, None, "2026-08-01", 0.9),
    ]


def test_the_table_shows_words_and_percentages() -> None:
    t = view.table(rows())
    first = t.iloc[0]
    assert first["High risk"] == "50%" and first["Worst LI"] == "" and first["Worker"] == ""
    assert t.iloc[3]["Worst LI"] == "1.23"
    assert list(t.columns)[:3] == ["#", "Date", "Task"]


def test_the_trend_has_one_point_per_assessment_with_a_task_oldest_first() -> None:
    t = view.trend(rows(), "time_high_share")
    assert list(t["id"]) == [1, 3, 4, 2]  # assessment 5 has no task
    assert list(t["value"]) == pytest.approx([30, 10, 50, 5])  # shares as percentages
    assert view.trend(rows(), "worst_lifting_index")["value"].tolist() == [1.234]


def test_before_after_proposes_the_first_and_latest_of_a_task_assessed_twice() -> None:
    assert view.tasks_with_pairs(rows()) == ["palletising"]
    assert view.default_pair(rows(), "palletising") == (1, 2)
    assert view.label(rows()[2]) == "#2 · 2026-12-01 · r2.mp4, W-1"


def test_one_entry_per_recording_per_session_following_the_settings(tmp_path: Path) -> None:
    if not DEMO.is_file():
        pytest.skip(f"{DEMO} is missing")
    source = source_of(DEMO, "my upload.npz")

    def reviewed(load: float) -> Analyzed:
        settings = override(DEFAULTS, {"task": {"load_kg": load}})
        out = tmp_path / str(load)
        return Analyzed(source, settings, analyze_landmarks(DEMO, settings, out), out)

    with Library(tmp_path / "lib.sqlite3") as lib:
        first = view.record_analysis(lib, reviewed(0.0), "session-a")
        assert view.record_analysis(lib, reviewed(12.0), "session-a") == first
        other = view.record_analysis(lib, reviewed(12.0), "session-b")
        listed = lib.query()
    assert other != first and len(listed) == 2
    assert {r["load_kg"] for r in listed} == {12.0}  # the first session's entry followed
    assert {r["recording"] for r in listed} == {"my upload.npz"}
    assert {r["origin"] for r in listed} == {"dashboard"}
