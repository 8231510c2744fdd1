"""Parts of a video file: its frame index (every frame's timestamp and the key frames, read from
the container without decoding) and the frames of one time range, decoded from the key frame
before it, numbered as a decode from the start would number them.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posture.core.errors import VideoError
from posture.video.io import _END, VideoFile, _why, background_priority


@dataclass(frozen=True)
class FrameIndex:
    """Every frame of a video's first video stream, in presentation order: ``pts`` ``(N,)``
    int64 in the stream's time base, ``t_s`` ``(N,)`` float64 seconds from the first frame
    (as :class:`posture.video.io.VideoFile` numbers them), and ``key_pts`` the key frames'."""

    pts: np.ndarray
    t_s: np.ndarray
    key_pts: np.ndarray
    problem: str = ""  # why the index cannot be trusted for seeking (empty: it can)

    @property
    def n_frames(self) -> int:
        return len(self.pts)

    def key_frame_before(self, frame: int) -> int:
        """The pts of the last key frame at or before ``frame``."""
        at = self.pts[frame]
        keys = self.key_pts[self.key_pts <= at]
        return int(keys[-1]) if keys.size else int(self.key_pts[0])


def frame_index(path: str | Path) -> FrameIndex:
    """Read the packet index of ``path`` (no decoding)."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            start = stream.start_time or 0
            tb = stream.time_base
            pts, keys, missing = [], [], 0
            for packet in container.demux(stream):
                if packet.size == 0:
                    continue
                if packet.pts is None:
                    missing += 1
                    continue
                pts.append(packet.pts)
                if packet.is_keyframe:
                    keys.append(packet.pts)
    except (av.error.FFmpegError, OSError, IndexError) as exc:
        raise VideoError(f"{Path(path).name}: cannot read its index ({_why(exc)})") from exc
    p = np.sort(np.array(pts, dtype=np.int64))
    problem = ""
    if missing:
        problem = f"{missing} frames without a timestamp"
    elif p.size and np.any(np.diff(p) <= 0):
        problem = "repeated timestamps"
    elif not keys or tb is None:
        problem = "no key frame or time base"
    # exactly as VideoFile times each frame (a Fraction, then a float: equal to the last bit)
    t = np.array([float((int(v) - start) * tb) for v in p] if tb is not None else np.zeros(len(p)))
    return FrameIndex(p, t, np.sort(np.array(keys, dtype=np.int64)), problem)


class FrameStep:
    """Which frames are analysed, at most ``max_fps`` a second (0: every one): a frame is taken
    when ``1 / max_fps`` has passed since the last one taken (less 5 %, for timestamps that
    jitter). The same rule on the whole timeline (:func:`frames_taken`) and frame by frame."""

    def __init__(self, max_fps: float) -> None:
        self.step_s = 0.95 / max_fps if max_fps > 0 else 0.0
        self._last_t = -np.inf

    def take(self, t_s: float) -> bool:
        if t_s - self._last_t < self.step_s:
            return False
        self._last_t = t_s
        return True


def frames_taken(t_s: np.ndarray, max_fps: float) -> np.ndarray:
    """``(N,)`` bool: the frames of a timeline :class:`FrameStep` takes."""
    step = FrameStep(max_fps)
    return np.array([step.take(float(t)) for t in t_s], dtype=bool)


class RangeFile(VideoFile):
    """The frames with timestamps ``pts`` (ascending, from a :class:`FrameIndex`) of a video,
    decoded from the key frame ``seek_pts`` on; the k-th numbered ``numbers[k]`` (or
    ``numbers + k``) and timed ``t_s[k]``, as a decode from the start would number and time
    it. Frames between them are decoded and passed over. Iterate once; ``error`` says why
    fewer frames came than asked for."""

    def __init__(
        self,
        path: str | Path,
        seek_pts: int,
        pts: np.ndarray,
        t_s: np.ndarray,
        numbers: np.ndarray | int,
        *,
        prefetch: int = 8,
        drawing: bool = False,
    ) -> None:
        super().__init__(path, prefetch=prefetch, drawing=drawing)
        # the frames asked for are all there is to this file (its truncation check counts them)
        self.info = dataclasses.replace(self.info, n_frames=len(pts))
        self._seek_pts, self._want = seek_pts, np.asarray(pts, dtype=np.int64)
        self._t_s = np.asarray(t_s, dtype=np.float64)
        self._numbers = (
            numbers + np.arange(len(self._want), dtype=np.int64)
            if isinstance(numbers, int)
            else np.asarray(numbers, dtype=np.int64)
        )

    def _decode(self) -> None:
        import av

        background_priority()
        got = 0
        want = self._want
        try:
            if want.size:
                first_pts = self._first.pts if self._first.pts is not None else -1
                if self._seek_pts > first_pts:  # else the first frame is decoded already
                    self._container.seek(self._seek_pts, stream=self._stream, backward=True)
                    frames = self._container.decode(self._stream)
                else:
                    frames = itertools.chain([self._first], self._decoder)
                for frame in frames:
                    if self._stop.is_set() or got >= want.size:
                        break
                    if frame.pts is None or frame.pts < want[got]:
                        continue  # before the range (from the key frame on)
                    if frame.pts != want[got]:
                        raise VideoError(f"frame {self._numbers[got]} is missing")
                    n, t = int(self._numbers[got]), float(self._t_s[got])
                    self._put(self._frame(n, t, frame))
                    got += 1
            if got < want.size and self.error is None:
                self.error = f"the video stopped after {self._number(got)} frames"
        except (av.error.FFmpegError, ValueError, MemoryError, VideoError) as exc:
            self._failure = _why(exc)
            self.error = (
                f"the video stopped decoding after {self._number(got)} frames ({self._failure})"
            )
        finally:
            self._put(_END)

    def _number(self, got: int) -> int:
        """How many frames of the video come before the ``got``-th frame asked for."""
        return int(self._numbers[got]) if got < len(self._numbers) else int(self._numbers[-1]) + 1
