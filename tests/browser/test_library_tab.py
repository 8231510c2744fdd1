"""The Library tab in a real browser: an analysis reviewed in the dashboard appears in it, and
a task assessed twice shows its trend and a before / after report to download.

The dashboard under test records into the test session's own library (``POSTURE_LIBRARY``,
set in ``tests/conftest.py``), so this test writes its own assessments there first, under a
task name no other test uses.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

import pytest
from dashboard_driver import ROOT, Watched

from posture.core.config import DEFAULTS, override
from posture.library import AssessmentFields, Filters, Library, entry_from_result
from posture.run.recorded import analyze_landmarks

pytestmark = pytest.mark.browser
DEMO = ROOT / "sample_videos" / "demo_landmarks.npz"


def _assess(lib: Library, task: str, load_kg: float, day: str, out: Path) -> int:
    settings = override(DEFAULTS, {"task": {"load_kg": load_kg}, "output": {"video": False}})
    result = analyze_landmarks(DEMO, settings, out)
    fields = AssessmentFields(task=task, worker="W-9", date=dt.date.fromisoformat(day))
    return lib.record(
        entry_from_result(result, origin="cli", source=DEMO, output_dir=out, fields=fields)
    )


@pytest.mark.parametrize("watched", [2600], indirect=True)
def test_the_library_tab_lists_compares_and_files_a_before_after(
    watched: Watched, tmp_path: Path
) -> None:
    if not DEMO.is_file():
        pytest.skip(f"{DEMO} is missing")
    task = f"palletising-{uuid.uuid4().hex[:6]}"
    with Library(os.environ["POSTURE_LIBRARY"]) as lib:
        before = _assess(lib, task, 20.0, "2026-10-01", tmp_path / "before")
        after = _assess(lib, task, 8.0, "2026-11-15", tmp_path / "after")
        reviewed_before = {r["id"] for r in lib.query(Filters(search="demo"))}

    page = watched.page
    page.get_by_role("button", name="Analyse the demo").click()
    page.get_by_text("Frame by frame").wait_for(timeout=120_000)

    page.get_by_role("tab", name="Library").click()
    # the Library tab's own Task filter (the sidebar has a Task field of its own once a
    # recording is analysed, and may have drawn it by now)
    page.get_by_test_id("stTabs").get_by_label("Task", exact=True).fill(task)
    page.keyboard.press("Enter")
    page.get_by_text("Trend of each task").wait_for()
    page.get_by_text("Compare with care: the load differs (20 kg / 8 kg)").wait_for()
    assert page.locator("[data-testid='stVegaLiteChart']").count() >= 1
    time.sleep(1.5)
    watched.screenshot("library_tab")
    with page.expect_download() as info:
        page.get_by_role("button", name="Before / after report (HTML)").click()
    html = Path(info.value.path()).read_text(encoding="utf-8")
    assert f"Before / after: {task}" in html
    assert f"#{before} · 2026-10-01" in html and f"#{after} · 2026-11-15" in html
    assert "Worst NIOSH lifting index" in html and "safer" in html  # 20 kg -> 8 kg

    with Library(os.environ["POSTURE_LIBRARY"]) as lib:
        reviewed = [r for r in lib.query(Filters(search="demo")) if r["id"] not in reviewed_before]
    assert [r["origin"] for r in reviewed] == ["dashboard"]  # the demo just reviewed
    assert watched.unexplained_errors() == []
    assert watched.outside_requests() == []
