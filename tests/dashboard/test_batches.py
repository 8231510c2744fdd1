"""Several recordings in the dashboard, without a Streamlit runtime: the overview's order and the
zip to file. The analyses are the project's synthetic recordings (no pose model)."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from app.analyses import Analyzed
from app.batches import Entry, bundle, overview_rows
from app.sources import source_of
from posture import synthetic
from posture.core.config import DEFAULTS
from posture.core.landmarks import PoseRecording, save_npz
from posture.run.recorded import analyze_landmarks


def _entry(tmp: Path, name: str, style: str) -> Entry:
    npz = tmp / f"{name}.npz"
    save_npz(npz, PoseRecording([synthetic.synthetic_lift(style, yaw_deg=90)], 0, {}))
    out = tmp / f"{name}-out"
    return Entry(
        f"{name}.mp4",
        Analyzed(source_of(npz), DEFAULTS, analyze_landmarks(npz, DEFAULTS, out), out),
    )


@pytest.fixture(scope="module")
def entries(tmp_path_factory: pytest.TempPathFactory) -> list[Entry]:
    tmp = tmp_path_factory.mktemp("batch")
    return [
        _entry(tmp, "squat", "squat"),
        Entry("broken.mp4", None, "broken.mp4 is not a video we can read"),
        _entry(tmp, "stoop", "stoop"),
    ]


def test_the_riskiest_recording_comes_first_and_failures_last(entries: list[Entry]) -> None:
    rows = overview_rows(entries)
    assert [r["input"] for r in rows] == ["stoop.mp4", "squat.mp4", "broken.mp4"]
    assert rows[0]["time_high_share"] > rows[1]["time_high_share"]
    assert rows[-1]["status"] == "failed"
    assert rows[-1]["note"] == "broken.mp4 is not a video we can read"


def test_the_zip_holds_the_overview_and_each_recordings_files(entries: list[Entry]) -> None:
    z = zipfile.ZipFile(io.BytesIO(bundle(entries, DEFAULTS)))
    names = set(z.namelist())
    for stem in ("squat", "stoop"):
        assert {f"{stem}/{f}" for f in ("report.html", "summary.json", "frames.csv")} <= names
    assert not any(n.startswith("broken/") for n in names)
    rows = list(csv.DictReader(io.StringIO(z.read("overview.csv").decode())))
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]  # the order uploaded
    page = z.read("overview.html").decode()
    assert page.index('href="stoop/report.html"') < page.index('href="squat/report.html"')


def test_two_uploads_of_one_name_keep_apart(entries: list[Entry]) -> None:
    from app.batches import folders

    twins = [entries[0], Entry("squat.mp4", entries[2].item)]
    assert folders(twins) == ["squat", "squat-2"]
    rows = overview_rows(twins)
    assert sorted(r["folder"] for r in rows) == ["squat", "squat-2"]
