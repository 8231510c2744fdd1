"""The live tab's worker: runs a :class:`posture.run.live.LiveSession` on the webcam callback's
thread and hands its results to the page. No Streamlit here.

streamlit-webrtc calls the video frame callback on its own thread. That thread never touches
Streamlit (no ``st.*``, no session state): it analyses the frame, returns the annotated frame
to the browser, and publishes the immutable :class:`~posture.run.live.LiveFrame` through a
``queue.Queue(maxsize=1)`` where the newest result replaces an unread one. The page thread polls
:meth:`LiveWorker.latest`, reads a copy of the recent readings for the rolling chart, and calls
:meth:`LiveWorker.finish` when the camera stops.
"""

from __future__ import annotations

import contextlib
import math
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from posture.core.config import Settings
from posture.core.errors import PostureError

if TYPE_CHECKING:
    from posture.run.live import LiveFrame, LiveSession
    from posture.run.recorded import Result
    from posture.run.session_video import SessionVideo


#: The delay behind the camera is measured against the best frame of this many seconds.
DELAY_WINDOW_S = 30.0
#: Live sessions' folders (video, reports) kept in the cache; older ones are removed.
KEEP_SESSIONS = 5


def new_session_dir(root: Path) -> Path:
    """A new folder for one live session's files under ``root`` (its video and reports); the
    oldest are removed beyond :data:`KEEP_SESSIONS`."""
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    old = sorted(p for p in root.iterdir() if p.is_dir())
    for p in old[: max(len(old) - KEEP_SESSIONS + 1, 0)]:
        shutil.rmtree(p, ignore_errors=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / f"{stamp}-{time.perf_counter_ns() % 1_000_000:06d}"
    path.mkdir()
    return path


@dataclass(frozen=True)
class Reading:
    """One frame's readings for the rolling chart."""

    t_s: float
    trunk_flexion_deg: float
    trunk_twist_deg: float
    risk_level: str


def _default_session(settings: Settings) -> LiveSession:
    from posture.run.live import LiveSession

    session = LiveSession(settings, mirror=True)
    session.background_search = True  # a webcam: no frame waits for the periodic search
    return session


class LiveWorker:
    """One live session: ``process`` on the callback thread, the rest on the page thread."""

    def __init__(
        self,
        settings: Settings,
        *,
        session_factory: Callable[[Settings], Any] = _default_session,
        history_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        video_path: Path | None = None,
    ) -> None:
        self.settings = settings
        #: Where to keep the annotated session video (set by the page before the camera
        #: starts: read once, at the first frame); None: not kept.
        self.video_path = video_path
        #: The session's own folder (its video, its reports), set by the page.
        self.folder: Path = Path(".")
        self._video: SessionVideo | None = None
        self.history_s = history_s
        self._factory = session_factory
        self._clock = clock
        self._session: Any = None
        self._session_lock = threading.Lock()  # update() vs finish()
        self._results: queue.Queue[LiveFrame] = queue.Queue(maxsize=1)
        self._history: deque[Reading] = deque()
        self._history_lock = threading.Lock()
        self._t0: float | None = None
        self._last_t = -math.inf
        self._closed = False
        self.frames = 0
        self.error: str | None = None
        self._delays: deque[tuple[float, float]] = deque()  # (our clock, delay), rising delay
        #: How much later than the best-placed frame of the last ``DELAY_WINDOW_S`` the newest
        #: frame reached the analysis, ms (0: keeping up; growing: falling behind the camera).
        self.behind_ms = 0.0

    # -- callback thread -------------------------------------------------------------------
    def process(self, rgb: np.ndarray, captured_s: float | None = None) -> np.ndarray:
        """Analyse one camera frame (RGB) taken at ``captured_s`` on the camera's own clock
        (if known); returns the frame to show (annotated, mirrored).

        Errors are kept in ``error`` for the page to show; the camera picture keeps flowing.
        """
        with self._session_lock:
            if self._closed:
                return rgb
            try:
                now = self._clock()
                if captured_s is not None:
                    self._note_delay(now, now - captured_s)
                if self._session is None:
                    self._session = self._factory(self.settings)
                    if self.video_path is not None:
                        from posture.run.session_video import SessionVideo

                        mirrored = bool(getattr(self._session, "mirror", False))
                        self._video = SessionVideo(self.video_path, mirrored=mirrored)
                self._t0 = now if self._t0 is None else self._t0
                t = max(now - self._t0, self._last_t + 1e-3)  # strictly increasing for the model
                self._last_t = t
                result = self._session.update(rgb, t)
            except PostureError as exc:
                self.error = str(exc)
                return rgb
            except Exception as exc:  # shown on the page; the stream must not die silently
                self.error = f"{type(exc).__name__}: {exc}"
                return rgb
            self.frames += 1
            if self._video is not None:
                self._video.add(result.annotated, result.t_s)
        self._publish(result)
        out: np.ndarray = result.annotated
        return out

    def frame_callback(self, frame: Any) -> Any:
        """streamlit-webrtc's ``video_frame_callback``: av.VideoFrame in, av.VideoFrame out."""
        import av

        rgb = frame.to_ndarray(format="rgb24")
        out = av.VideoFrame.from_ndarray(self.process(rgb, frame.time), "rgb24")
        out.pts = frame.pts
        if frame.time_base is not None:
            out.time_base = frame.time_base
        return out

    def _note_delay(self, now: float, delay_s: float) -> None:
        """The camera's clock and ours have an unknown offset, so a frame's delay is known
        only relative to the others: measured from the least delayed frame of the last
        ``DELAY_WINDOW_S`` (a window, so that the two clocks drifting apart over a long
        session does not creep into the figure)."""
        d = self._delays
        while d and d[-1][1] >= delay_s:  # never the least delayed again
            d.pop()
        d.append((now, delay_s))
        while now - d[0][0] > DELAY_WINDOW_S:
            d.popleft()
        self.behind_ms = 1000.0 * (delay_s - d[0][1])

    def _publish(self, result: LiveFrame) -> None:
        while True:  # newest wins: drop an unread older result
            try:
                self._results.put_nowait(result)
                break
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._results.get_nowait()
        r = result.readings
        reading = Reading(
            result.t_s,
            float(r.get("trunk_flexion_deg", math.nan)),
            float(r.get("trunk_twist_deg", math.nan)),
            result.risk_level,
        )
        with self._history_lock:
            self._history.append(reading)
            while self._history and result.t_s - self._history[0].t_s > self.history_s:
                self._history.popleft()

    # -- page thread -----------------------------------------------------------------------
    def latest(self, timeout: float = 0.0) -> LiveFrame | None:
        """The newest result not yet taken, or None if none arrived (within ``timeout`` s)."""
        try:
            if timeout > 0:
                return self._results.get(timeout=timeout)
            return self._results.get_nowait()
        except queue.Empty:
            return None

    def history(self) -> tuple[Reading, ...]:
        """A copy of the readings of the last ``history_s`` seconds, oldest first."""
        with self._history_lock:
            return tuple(self._history)

    @property
    def started(self) -> bool:
        return self.frames > 0

    def finish(self) -> Result | None:
        """Stop analysing and return the whole session analysed as a recording, with the
        annotated session video when it was kept (None if nobody was seen or no frame
        arrived). Safe to call more than once."""
        with self._session_lock:
            self._closed = True
            session, self._session = self._session, None
            video, self._video = self._video, None
        if session is None:
            return None
        try:
            result: Result | None = session.finish()
        finally:
            session.close()
            if video is not None and result is None:
                video.close()
        if result is not None and video is not None:
            result = video.attach(result)
        return result
