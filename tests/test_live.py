"""Live coaching: LiveSession on real frames (the pose model runs), the newest-frame hand-over
(LatestFrame), and bounded latency when frames come faster than they are processed."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from posture.assess.cues import CUE_TEXT
from posture.core.config import DEFAULTS
from posture.run.live import READINGS, LatestFrame, LiveFrame, LiveSession, run_live
from posture.video.io import Frame, open_video

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
MEDIA = SHARED / "media"
HIP_HINGE = "hip_hinge_straight_knees_side"
STATIC = "static_upright_rear_oblique"
FLOOR_LIFT = "floor_lift_knees_bent_side"


def clip_frames(name: str) -> list[Frame]:
    path = MEDIA / f"{name}.mp4"
    if not path.is_file():
        pytest.skip(f"real clip not found: {path.resolve()} (needs ../shared/media)")
    with open_video(path) as v:
        return list(v)


LiveRuns = Callable[[str], tuple[list[Frame], list[LiveFrame]]]


@pytest.fixture(scope="module")
def live_runs() -> LiveRuns:
    """Each clip fed once through a LiveSession, frame by frame (cached per module)."""
    cache: dict[str, tuple[list[Frame], list[LiveFrame]]] = {}

    def get(name: str) -> tuple[list[Frame], list[LiveFrame]]:
        if name not in cache:
            frames = clip_frames(name)
            session = LiveSession(DEFAULTS)
            try:
                cache[name] = (frames, [session.update(f.rgb, f.t_s) for f in frames])
            finally:
                session.close()
        return cache[name]

    return get


# --- LiveSession on real frames ---------------------------------------------------------------
@pytest.mark.media
@pytest.mark.slow
@pytest.mark.parametrize("clip", [HIP_HINGE, STATIC])
def test_live_session_reads_every_frame_with_a_person(live_runs: LiveRuns, clip: str) -> None:
    frames, results = live_runs(clip)
    assert len(results) == len(frames)
    for f, r in zip(frames, results, strict=True):
        assert r.annotated.shape == f.rgb.shape and r.annotated.dtype == np.uint8
        assert r.t_s == f.t_s
        if r.person_found:
            assert set(r.readings) == set(READINGS) == set(r.trusted)
            assert r.risk_level in {"low", "medium", "high"}
        else:
            assert r.readings == {} and r.risk_level == "unknown"
    found = [r for r in results if r.person_found]
    # one clearly visible person in every frame of both clips (the recorded run finds all)
    assert len(found) >= 0.9 * len(results)
    trunk = np.array([r.readings["trunk_flexion_deg"] for r in found])
    assert np.isfinite(trunk).mean() >= 0.9


@pytest.mark.media
@pytest.mark.slow
@pytest.mark.parametrize(("clip", "cues"), [(HIP_HINGE, {"bend_knees"}), (STATIC, set())])
def test_live_session_shows_the_cue_the_clip_calls_for(
    live_runs: LiveRuns, clip: str, cues: set[str]
) -> None:
    _frames, results = live_runs(clip)
    assert {r.cue for r in results if r.cue} == cues
    for r in results:
        assert r.cue_text == (CUE_TEXT[r.cue] if r.cue else None)


@pytest.mark.media
@pytest.mark.slow
@pytest.mark.parametrize(
    ("clip", "lifts", "risky"),
    [
        pytest.param(
            HIP_HINGE,
            1,
            1,  # one stoop lift: risky
            marks=pytest.mark.xfail(
                reason="knee hidden behind the barbell plate at the lowest point: the pose "
                "model places it bent ~98 deg with visibility 0.9 (truth ~35 deg), so the lift "
                "reads semi-squat; nothing in the landmarks tells it is hidden (lengths "
                "plausible); see the issue 14 closing note",
                strict=False,
            ),
        ),
        (STATIC, 0, 0),
    ],
)
def test_live_session_counts_finished_lifts(
    live_runs: LiveRuns, clip: str, lifts: int, risky: int
) -> None:
    _frames, results = live_runs(clip)
    counts = [(r.lifts, r.risky_lifts) for r in results]
    assert counts[-1] == (lifts, risky)
    assert counts == sorted(counts), "a lift count went down"
    assert all(r <= n for n, r in counts)


# --- LatestFrame ------------------------------------------------------------------------------
TINY = np.zeros((2, 2, 3), np.uint8)


class GatedSource:
    """Frames that appear only when the test releases them (a camera under test control)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._gate = threading.Semaphore(0)

    def release(self, k: int) -> None:
        for _ in range(k):
            self._gate.release()

    def __iter__(self) -> Iterator[Frame]:
        for i in range(self.n):
            self._gate.acquire()
            yield Frame(i, i / 30, TINY)


def wait_for(cond: Callable[[], bool], timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.002)


@pytest.mark.parametrize(
    ("n", "steps", "dropped"),
    [
        pytest.param(10, [("release", 1), ("get", 0), ("release", 1), ("get", 1)], 0,
                     id="consumer_keeps_up"),
        pytest.param(10, [("release", 5), ("get", 4)], 4, id="slow_consumer_gets_the_newest"),
        pytest.param(10, [("release", 1), ("get", 0), ("release", 3), ("get", 3)], 2,
                     id="burst_after_idle"),
        pytest.param(10, [("release", 2), ("get", 1), ("get", None)], 1,
                     id="nothing_new_gives_none_not_the_old_frame"),
        pytest.param(3, [("release", 3), ("get", 2), ("get", None)], 2,
                     id="end_of_source"),
    ],
)  # fmt: skip
def test_latest_frame_hands_over_only_the_newest_frame(
    n: int, steps: list[tuple[str, int | None]], dropped: int
) -> None:
    source = GatedSource(n)
    latest = LatestFrame(iter(source))
    released = 0
    for action, value in steps:
        if action == "release":
            assert value is not None
            source.release(value)
            released += value
            wait_for(lambda: latest.produced == released)  # noqa: B023
        else:
            item = latest.get(timeout=0.2)
            assert (None if item is None else item[0].index) == value
    assert latest.dropped == dropped
    source.release(n)  # let the thread finish


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_latest_frame_never_goes_back_in_time_under_a_random_slow_consumer(seed: int) -> None:
    n = 400
    latest = LatestFrame(iter(Frame(i, i / 30, TINY) for i in range(n)))
    rng = random.Random(seed)
    taken = []
    while (item := latest.get(timeout=5.0)) is not None:
        taken.append(item[0].index)
        time.sleep(rng.choice([0.0, 0.0, 0.0005, 0.002]))
    assert taken == sorted(set(taken)), "an older frame came after a newer one"
    assert taken[-1] == n - 1  # the newest frame is never lost
    assert latest.produced == n
    assert len(taken) + latest.dropped == n  # every frame is either handed over or dropped


# --- run_live: latency ------------------------------------------------------------------------
@pytest.mark.media
@pytest.mark.slow
def test_run_live_paced_keeps_latency_bounded_when_the_consumer_is_slower() -> None:
    frames = clip_frames(FLOOR_LIFT)
    duration = frames[-1].t_s - frames[0].t_s

    def show(_result: LiveFrame, _latency: float) -> bool:
        time.sleep(0.05)  # a slow display: with the model, well over a 33 ms camera frame
        return True

    session = LiveSession(DEFAULTS)
    try:
        t0 = time.monotonic()
        stats = run_live(session, iter(frames), pace=True, on_frame=show)
        elapsed = time.monotonic() - t0
    finally:
        session.close()
    assert elapsed >= 0.9 * duration  # paced: played in real time, not as fast as possible
    assert stats["produced"] == len(frames)
    assert stats["dropped"] > 0  # the consumer is slower than the camera
    lat = np.array(stats["latencies_s"])
    assert len(lat) == stats["processed"] >= 9
    third = len(lat) // 3
    # a queue of every frame would make latency grow over the clip (by ~1 s here); taking the
    # newest frame keeps it flat. A behavioural bound, not a timing target: 2x leaves room
    # for the analysis window growing and for scheduling noise.
    assert np.median(lat[-third:]) <= 2 * np.median(lat[:third])


# --- run_live: the pose model one frame ahead of the analysis ------------------------------
class _NobodyFinder:
    """A stand-in for the pose model's people finder: nobody in any frame, after a pause."""

    def __init__(self, pause_s: float) -> None:
        self.pause_s = pause_s

    def __call__(self, frame_index: int, t_s: float, rgb: np.ndarray) -> list:
        time.sleep(self.pause_s)
        return []

    def close(self) -> None:
        pass


class _ThreadsSeen(LiveSession):
    def __init__(self, pause_s: float) -> None:
        super().__init__(DEFAULTS, finder=lambda _tracker: _NobodyFinder(pause_s))
        self.threads: dict[str, set[int]] = {"see": set(), "show": set()}
        self.order: list[int] = []

    def see(self, *args: object, **kwargs: object) -> object:  # type: ignore[override]
        self.threads["see"].add(threading.get_ident())
        return super().see(*args, **kwargs)  # type: ignore[arg-type]

    def show(self, seen: object) -> LiveFrame:  # type: ignore[override]
        self.threads["show"].add(threading.get_ident())
        self.order.append(seen.index)  # type: ignore[attr-defined]
        return super().show(seen)  # type: ignore[arg-type]


@pytest.mark.parametrize("stop_after", [0, 7])
def test_run_live_sees_on_one_thread_shows_on_this_one_and_shows_every_frame_seen(
    stop_after: int,
) -> None:
    frames = [Frame(i, i / 30, np.zeros((48, 64, 3), np.uint8)) for i in range(40)]
    session = _ThreadsSeen(pause_s=0.002)
    shown: list[int] = []

    def on_frame(_result: LiveFrame, _latency: float) -> bool:
        shown.append(1)
        return not stop_after or len(shown) < stop_after

    stats = run_live(session, iter(frames), pace=True, on_frame=on_frame)
    assert session.threads["show"] == {threading.get_ident()}  # a window needs the main thread
    assert session.threads["see"] and not session.threads["see"] & session.threads["show"]
    # the session stays whole: every frame the model saw was analysed, in order, even after
    # the callback asked to stop
    assert session.order == sorted(session.order) and len(set(session.order)) == len(session.order)
    assert len(session.order) == session._seen == len(session._t)
    assert stats["processed"] == len(shown)
    if stop_after:
        assert len(shown) == stop_after
    else:
        assert session.order[-1] == frames[-1].index
