"""The live worker without a Streamlit runtime: frames in on one thread, results out on another.

A fake session stands in for the pose model, except in the last test, which feeds a real clip
through the real :class:`posture.run.live.LiveSession`.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from app.live_worker import LiveWorker
from posture.core.config import DEFAULTS, Settings
from posture.core.errors import ModelError
from posture.run.live import LiveFrame

CLIP = Path(__file__).resolve().parents[3] / "shared" / "media" / "floor_lift_knees_bent_side.mp4"


class FakeSession:
    """Records what it is given; each result carries the frame's first pixel as the reading."""

    def __init__(self, settings: Settings) -> None:
        self.times: list[float] = []
        self.threads: set[str] = set()
        self.closed = False
        self.finished = False

    def update(self, rgb: np.ndarray, t_s: float) -> LiveFrame:
        self.times.append(t_s)
        self.threads.add(threading.current_thread().name)
        value = float(rgb[0, 0, 0])
        return LiveFrame(
            annotated=rgb + 1,
            t_s=t_s,
            risk_level="high" if value > 50 else "low",
            cue="bend_knees" if value > 50 else None,
            cue_text="Bend your knees, not your back" if value > 50 else None,
            readings={"trunk_flexion_deg": value, "trunk_twist_deg": -value},
            trusted={"trunk_flexion_deg": True, "trunk_twist_deg": False},
            person_found=True,
        )

    def finish(self) -> str:
        self.finished = True
        return "session result"

    def close(self) -> None:
        self.closed = True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def frame(value: int) -> np.ndarray:
    return np.full((8, 8, 3), value, np.uint8)


@pytest.fixture
def made() -> list[FakeSession]:
    return []


@pytest.fixture
def worker(made: list[FakeSession]) -> LiveWorker:
    def factory(settings: Settings) -> FakeSession:
        made.append(FakeSession(settings))
        return made[-1]

    return LiveWorker(DEFAULTS, session_factory=factory, history_s=1.0, clock=Clock())


# ---------------------------------------------------------------------------------------------
def test_the_session_starts_with_the_first_frame_and_returns_the_annotated_frame(
    worker: LiveWorker, made: list[FakeSession]
) -> None:
    assert made == [] and not worker.started
    out = worker.process(frame(7))
    assert len(made) == 1 and worker.started
    assert out[0, 0, 0] == 8  # the session's annotated frame, not the camera's


def test_the_page_gets_the_newest_result_only(worker: LiveWorker) -> None:
    for v in (1, 2, 3):
        worker.process(frame(v))
    newest = worker.latest()
    assert newest is not None and newest.readings["trunk_flexion_deg"] == 3
    assert worker.latest() is None  # nothing newer since
    assert worker.latest(timeout=0.05) is None


def test_timestamps_increase_even_when_the_clock_stands_still(
    worker: LiveWorker, made: list[FakeSession]
) -> None:
    for v in range(5):
        worker.process(frame(v))
    t = made[0].times
    assert t[0] == 0.0
    assert all(b > a for a, b in itertools.pairwise(t))


def test_history_keeps_the_last_window_for_the_chart() -> None:
    clock = Clock()
    w = LiveWorker(DEFAULTS, session_factory=FakeSession, history_s=1.0, clock=clock)
    for i in range(30):
        clock.now = 100.0 + i * 0.1
        w.process(frame(i))
    hist = w.history()
    assert hist[-1].trunk_flexion_deg == 29 and hist[-1].trunk_twist_deg == -29
    assert hist[-1].t_s - hist[0].t_s <= 1.0 + 1e-9
    assert len(hist) == 11
    assert {r.risk_level for r in hist} == {"low"}


def test_a_failing_model_is_reported_and_the_picture_keeps_flowing() -> None:
    def broken(settings: Settings) -> FakeSession:
        raise ModelError("no usable pose model was found")

    w = LiveWorker(DEFAULTS, session_factory=broken)
    out = w.process(frame(9))
    assert out[0, 0, 0] == 9
    assert w.error == "no usable pose model was found"
    assert w.latest() is None


def test_finish_returns_the_session_result_once_and_stops_analysing(
    worker: LiveWorker, made: list[FakeSession]
) -> None:
    worker.process(frame(1))
    assert worker.finish() == "session result"
    assert made[0].finished and made[0].closed
    assert worker.process(frame(5))[0, 0, 0] == 5  # passed through, not analysed
    assert worker.finish() is None
    assert len(made[0].times) == 1


def test_finish_without_frames_gives_none(worker: LiveWorker) -> None:
    assert worker.finish() is None


def test_the_callback_thread_and_the_page_thread_share_only_immutable_results(
    worker: LiveWorker, made: list[FakeSession]
) -> None:
    n = 300

    def camera() -> None:
        for i in range(n):
            worker.process(frame(i % 256))

    cam = threading.Thread(target=camera, name="camera")
    cam.start()
    seen: list[float] = []
    while cam.is_alive() or seen == []:
        r = worker.latest(timeout=0.01)
        if r is not None:
            seen.append(r.t_s)
            with pytest.raises(AttributeError):
                r.risk_level = "low"  # type: ignore[misc]
        worker.history()
    cam.join()
    assert made[0].threads == {"camera"}  # the session only ever ran on the camera thread
    assert seen == sorted(seen)
    assert worker.frames == n


def test_frame_callback_speaks_av_frames_and_keeps_their_timing(worker: LiveWorker) -> None:
    src = av.VideoFrame.from_ndarray(frame(40), format="rgb24")
    src.pts, src.time_base = 1234, Fraction(1, 90000)
    out = worker.frame_callback(src)
    assert out.pts == 1234 and out.time_base == Fraction(1, 90000)
    assert out.to_ndarray(format="rgb24")[0, 0, 0] == 41


def test_the_worker_module_does_not_import_streamlit() -> None:
    root = Path(__file__).resolve().parents[2]
    code = "import sys, app.live_worker; assert 'streamlit' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)


@pytest.mark.media
@pytest.mark.skipif(not CLIP.is_file(), reason="../shared/media is not available")
def test_a_real_clip_through_the_real_session_gives_readings_and_a_summary() -> None:
    from posture.video.io import open_video

    w = LiveWorker(DEFAULTS)
    with open_video(CLIP) as src:
        shown = [w.process(f.rgb) for f in src]
    assert all(s.shape == (600, 600, 3) for s in shown)
    last = None
    while (r := w.latest()) is not None:
        last = r
    assert last is not None and last.person_found
    assert np.isfinite(last.readings["trunk_flexion_deg"])
    assert len(w.history()) == len(shown)
    result = w.finish()
    assert result is not None and result.analysis.n_frames == len(shown)


def test_frames_that_arrive_later_and_later_show_as_falling_behind(worker: LiveWorker) -> None:
    clock = worker._clock
    assert isinstance(clock, Clock)
    for i, late in enumerate([0.05, 0.03, 0.03, 0.08, 0.53]):
        clock.now = 100.0 + i / 30 + late  # captured at i/30 on the camera's clock
        worker.process(frame(1), captured_s=i / 30)
    assert worker.behind_ms == pytest.approx(500.0)  # vs the least delayed frame (0.03 s)
    clock.now = 100.0 + 5 / 30 + 0.03
    worker.process(frame(1), captured_s=5 / 30)
    assert worker.behind_ms == pytest.approx(0.0)


def test_frames_without_a_capture_time_leave_the_delay_alone(worker: LiveWorker) -> None:
    worker.process(frame(1))
    assert worker.behind_ms == 0.0


def test_the_delay_is_measured_against_the_best_frame_of_the_last_half_minute(
    worker: LiveWorker,
) -> None:
    """The camera's clock and ours drift apart over a long session: an early best frame must
    not make every later one look late."""
    clock = worker._clock
    assert isinstance(clock, Clock)
    clock.now = 100.0
    worker.process(frame(1), captured_s=100.0 - 0.02)  # the best frame, at the start
    clock.now = 140.0
    worker.process(frame(1), captured_s=140.0 - 0.10)  # 40 s later, the clocks 80 ms apart
    assert worker.behind_ms == pytest.approx(0.0)
    clock.now = 141.0
    worker.process(frame(1), captured_s=141.0 - 0.15)
    assert worker.behind_ms == pytest.approx(50.0)


@pytest.mark.media
def test_a_kept_session_video_gives_the_report_its_pictures_faces_blurred_where_shown(
    tmp_path: Path,
) -> None:
    """The live view is mirrored: the session video shows the person mirrored, and the
    report's pictures blur the face where the video shows it, not where the camera saw it."""
    import base64

    import cv2

    from posture.core.landmarks import LM
    from posture.report import key_moments
    from posture.report.figures import moment_pictures
    from posture.video.io import open_video

    clip = CLIP.parent / "hip_hinge_straight_knees_side.mp4"  # the face right of centre
    if not clip.is_file():
        pytest.skip("../shared/media is not available")
    w = LiveWorker(DEFAULTS, video_path=tmp_path / "annotated.mp4")
    with open_video(clip) as src:
        for f in src:
            w.process(f.rgb)
    result = w.finish()
    assert result is not None
    assert result.outputs["video"] == tmp_path / "annotated.mp4"
    assert result.source["mirrored"] is True
    rows = [m.row for m in key_moments(result)]
    blurred = moment_pictures(result, rows, blur_faces=True)
    plain = moment_pictures(result, rows, blur_faces=False)
    assert blurred and set(blurred) == set(plain)

    def decode(b64: str) -> np.ndarray:
        return cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR)

    def changed(diff: np.ndarray, x: float, y: float) -> float:
        """Mean change over a small square around the normalised point (x, y)."""
        h, wd = diff.shape[:2]
        cx, cy, r = int(x * wd), int(y * h), 12
        return float(diff[cy - r : cy + r, cx - r : cx + r].mean())

    subject = result.recording.subject
    checked = 0
    for row in blurred:
        nose = subject.image_xyz[row, LM.NOSE]
        if not np.isfinite(nose).all() or abs(nose[0] - 0.5) < 0.1:
            continue
        diff = np.abs(decode(blurred[row]).astype(int) - decode(plain[row]).astype(int))
        assert changed(diff, 1.0 - nose[0], nose[1]) > 2.0  # where the mirrored video shows it
        assert changed(diff, nose[0], nose[1]) < 0.5  # where the camera saw it: untouched
        checked += 1
    assert checked > 0
