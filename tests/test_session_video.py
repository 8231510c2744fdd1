"""A live session's report and its annotated video: the frames shown, kept with the session's
own times (so the report's pictures are found by time), and the report written from it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from posture.run.session_video import SessionVideo
from posture.video.io import read_frame

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT.parent / "shared" / "media" / "hip_hinge_straight_knees_side.mp4"


def frame_of(value: int) -> np.ndarray:
    return np.full((120, 160, 3), value, np.uint8)


def test_frames_are_kept_with_the_sessions_times(tmp_path: Path) -> None:
    video = SessionVideo(tmp_path / "annotated.mp4", mirrored=True)
    # an irregular live rate: frames are shown when the analysis is done with them
    times = [0.0, 0.07, 0.2, 0.26, 0.5, 0.9, 0.95, 1.4]
    for k, t in enumerate(times):
        video.add(frame_of(20 + 25 * k), t)
    assert video.close() == tmp_path / "annotated.mp4"
    assert video.frames == len(times) and video.dropped == 0
    for k, t in enumerate(times):
        got = read_frame(tmp_path / "annotated.mp4", t)
        assert got is not None
        assert abs(float(got.mean()) - (20 + 25 * k)) < 6, f"frame at {t} s"


def test_a_session_with_no_frame_has_no_video(tmp_path: Path) -> None:
    video = SessionVideo(tmp_path / "annotated.mp4", mirrored=False)
    assert video.close() is None
    assert not (tmp_path / "annotated.mp4").exists()


@pytest.mark.media
def test_posture_live_writes_the_session_report_and_video(tmp_path: Path) -> None:
    if not CLIP.is_file():
        pytest.skip(f"the shared clips are not here ({CLIP.parent})")
    pypdf = pytest.importorskip("pypdf")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "posture.cli",
            "live",
            "--replay",
            str(CLIP),
            "--no-window",
            "--out",
            "session",
            "--record",
            "--worker",
            "W-5",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    out = tmp_path / "session"
    for name in ("report.html", "report.pdf", "annotated.mp4", "summary.json", "lifts.csv"):
        assert (out / name).is_file(), name
    assert re.search(r"Session results in session/: .*report\.pdf", r.stdout)
    html = (out / "report.html").read_text(encoding="utf-8")
    # the timeline and at least one moment, taken from the session's video
    assert html.count('src="data:image/png;base64,') >= 2
    assert "no annotated video" not in html
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(str(out / "report.pdf")).pages)
    assert "W-5" in text and "live camera" in text


def test_record_needs_an_output_folder(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "posture.cli", "live", "--replay", "x.mp4", "--record"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "posture: error: --record needs --out DIR: the session video is written there"
    ]
