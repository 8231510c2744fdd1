"""Video in and out, in one module.

Reading: files through PyAV (real presentation timestamps, so variable frame rate is kept;
phone rotation metadata applied; decoding on a background thread into a small bounded queue,
so memory stays flat however long the video), cameras through OpenCV by index.
Writing: H.264 in MP4 through PyAV's libx264 (plays in every browser), VP9 WebM through
OpenCV as a fallback. Frames are RGB ``uint8`` arrays ``(H, W, 3)`` everywhere.

A source that breaks halfway stops iterating and says why in ``source.error``; what was read
before stays valid, so the caller can keep and write its results.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from posture.core.errors import CameraError, VideoError

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv")
_END = object()
#: Pictures larger than full HD are decoded on several threads.
FRAME_THREADS_ABOVE_PX = 1920 * 1088


@dataclass(frozen=True)
class Frame:
    """One decoded frame: its index in the source, its timestamp and its RGB pixels (a frame
    of a stream opened for drawing may hold its I420 planes instead: see :attr:`picture`)."""

    index: int
    t_s: float
    rgb: np.ndarray
    i420: np.ndarray | None = None  # then ``rgb`` is empty (see drawing_picture)

    @property
    def picture(self) -> np.ndarray:
        """What to draw on: the I420 planes when decoded so, else the RGB pixels."""
        return self.i420 if self.i420 is not None else self.rgb


_NO_RGB = np.empty((0, 0, 3), np.uint8)


@dataclass(frozen=True)
class VideoInfo:
    """What a source says about itself before decoding (counts and rates may be estimates)."""

    source: str
    width: int
    height: int
    fps: float
    n_frames: int  # 0 when unknown (cameras, some containers)
    duration_s: float
    codec: str
    rotation_deg: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "width": self.width,
            "height": self.height,
            "fps": round(self.fps, 3),
            "n_frames_declared": self.n_frames,
            "duration_s_declared": round(self.duration_s, 3),
            "codec": self.codec,
            "rotation_deg": self.rotation_deg,
        }


def background_priority(niceness: int = 10) -> None:
    """Lower the calling thread's scheduling priority (Linux; elsewhere nothing): decoding,
    drawing and encoding must give way to the pose model, which sets the pace."""
    with contextlib.suppress(AttributeError, OSError, PermissionError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)


def _why(exc: BaseException) -> str:
    """FFmpeg's reason in plain words, without its error number and path."""
    text = getattr(exc, "strerror", None) or str(exc)
    return str(text).strip().rstrip(".").lower() or type(exc).__name__


def frame_rgb(frame: Any, converter: Any = None) -> np.ndarray:
    """A decoded PyAV frame as RGB pixels (FFmpeg's conversion), display rotation applied.

    ``converter``: a :func:`rgb_converter` kept for a stream's frames. Without one PyAV sets
    up FFmpeg's scaler afresh for every frame, on a pool of threads: the same pixels for
    twice the CPU at 640x480, five times at 1280x720."""
    if converter is None:
        rgb = frame.to_ndarray(format="rgb24")
    else:
        rgb = converter.reformat(frame, format="rgb24", threads=1).to_ndarray()
    return _rotate(rgb, int(frame.rotation or 0))


def rgb_converter() -> Any:
    """A converter to RGB for the frames of one stream (see :func:`frame_rgb`); one thread's."""
    from av.video.reformatter import VideoReformatter

    return VideoReformatter()


def drawing_rgb(frame: Any, converter: Any = None) -> np.ndarray:
    """:func:`frame_rgb` for a frame that is only drawn on (the annotated video), never
    analysed, and drawn in RGB (:func:`drawing_picture`: a turned one). The usual 4:2:0
    video (``yuv420p``, even size) is converted by OpenCV with the BT.601 studio-range matrix
    FFmpeg uses here, at two thirds of its CPU: the same picture
    within a level or two, up to 20 on sharp coloured edges (OpenCV repeats each chroma sample
    where FFmpeg interpolates). That difference is enough to move the pose model's landmarks
    and the scene's lines a little, so frames to analyse keep FFmpeg's conversion. Other
    formats (full-range ``yuvj420p``, odd sizes, 10-bit ...) are FFmpeg's here too."""
    import cv2

    if frame.format.name != "yuv420p" or (frame.width | frame.height) & 1:
        return frame_rgb(frame, converter)
    rgb: np.ndarray = cv2.cvtColor(frame.to_ndarray(format="yuv420p"), cv2.COLOR_YUV2RGB_I420)
    return _rotate(rgb, int(frame.rotation or 0))


def drawing_picture(frame: Any, converter: Any = None) -> np.ndarray:
    """The pixels of a frame that is only drawn on: the usual 4:2:0 video (``yuv420p``, even
    size, not rotated) as its I420 planes, ``(H * 3 / 2, W)`` uint8, as decoded, to draw on
    (:func:`posture.video.draw.annotate_i420`) and encode without a conversion to RGB and
    back; any other as :func:`drawing_rgb`."""
    if (
        frame.format.name == "yuv420p"
        and not (frame.width | frame.height) & 1
        and not _turns(int(frame.rotation or 0))
    ):
        planes: np.ndarray = frame.to_ndarray()
        return planes
    return drawing_rgb(frame, converter)


def _turns(rotation_deg: int) -> int:
    """Quarter turns counter-clockwise of a display rotation (0 to 3)."""
    return round(rotation_deg / 90) % 4


def _rotate(rgb: np.ndarray, rotation_deg: int) -> np.ndarray:
    """Apply display rotation: PyAV reports the counter-clockwise angle of the display matrix."""
    k = _turns(rotation_deg)
    return np.ascontiguousarray(np.rot90(rgb, k)) if k else rgb


#: A file that yields fewer than this share of the frames its header declares is reported as
#: cut short (headers of variable-frame-rate phone videos are a few percent off, not more).
TRUNCATED_SHARE = 0.9


class VideoFile:
    """Frames of a video file, decoded ahead on a background thread.

    Iterate once; ``error`` is set if the stream broke before its end. Use as a context
    manager (or call ``close``) so the decoder thread stops when the caller stops early.
    ``drawing``: the frames are only drawn on, never analysed (:func:`drawing_picture`).
    """

    def __init__(self, path: str | Path, *, prefetch: int = 8, drawing: bool = False) -> None:
        import av

        self.path = Path(path)
        self._drawing = drawing
        if not self.path.exists():
            raise VideoError(f"video file not found: {self.path}")
        if self.path.is_dir():
            raise VideoError(f"{self.path} is a folder, not a video file")
        if self.path.stat().st_size == 0:
            raise VideoError(f"{self.path} is empty (0 bytes)")
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, UnicodeDecodeError, OSError) as exc:
            raise VideoError(f"{self.path.name} is not a video we can read ({_why(exc)})") from exc
        if not self._container.streams.video:
            self._container.close()
            raise VideoError(f"{self.path.name} is not a video (no video stream found in it)")
        self._stream = self._container.streams.video[0]
        # Frame threading costs a third more CPU; up to full HD one thread decodes several
        # times faster than the pose model runs and leaves the other core to it
        cc = self._stream.codec_context
        if (cc.width or 0) * (cc.height or 0) > FRAME_THREADS_ABOVE_PX:
            self._stream.thread_type = "AUTO"
        else:
            cc.thread_count = 1
        self._decoder = self._container.decode(self._stream)
        try:  # decode the first frame now: proves the file is usable and gives its rotation
            self._first = next(self._decoder)
        except StopIteration:
            self._container.close()
            raise VideoError(f"{self.path.name} contains no video frames") from None
        except (av.error.FFmpegError, ValueError) as exc:
            self._container.close()
            raise VideoError(f"{self.path.name} cannot be decoded ({_why(exc)})") from exc
        self.info = self._probe(int(self._first.rotation or 0))
        self.error: str | None = None
        self._failure: str | None = None  # why decoding stopped early, in FFmpeg's words
        self.frames_read = 0
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=prefetch)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._converter: Any = None

    def _probe(self, rotation: int) -> VideoInfo:
        s = self._stream
        rate = s.average_rate or s.guessed_rate or s.base_rate
        fps = float(rate) if rate else 0.0
        duration = float(s.duration * s.time_base) if s.duration and s.time_base else 0.0
        if not duration and self._container.duration:
            duration = self._container.duration / 1_000_000
        n = int(s.frames or 0) or (round(duration * fps) if duration and fps else 0)
        w, h = self._first.width, self._first.height
        if _turns(rotation) % 2:
            w, h = h, w
        return VideoInfo(str(self.path), w, h, fps, n, duration, s.codec_context.name, rotation)

    def _frame(self, index: int, t_s: float, frame: Any) -> Frame:
        """A decoded frame as given out; called on the decoding thread only (its converter)."""
        if self._converter is None:
            self._converter = rgb_converter()
        if not self._drawing:
            return Frame(index, t_s, frame_rgb(frame, self._converter))
        picture = drawing_picture(frame, self._converter)
        return (
            Frame(index, t_s, _NO_RGB, picture) if picture.ndim == 2 else Frame(index, t_s, picture)
        )

    def _decode(self) -> None:
        background_priority()
        import av

        index = 0
        last_t = -1.0
        start = self._stream.start_time or 0
        tb = self._stream.time_base
        fps = self.info.fps or 30.0
        try:
            for frame in itertools.chain([self._first], self._decoder):
                if self._stop.is_set():
                    return
                if frame.pts is not None and tb is not None:
                    t = float((frame.pts - start) * tb)
                else:
                    t = index / fps
                if t <= last_t:  # repeated or missing timestamps: keep time moving forward
                    t = last_t + 1e-3
                last_t = t
                self._put(self._frame(index, t, frame))
                index += 1
        except (av.error.FFmpegError, ValueError, MemoryError) as exc:
            self._failure = _why(exc)
            self.error = f"the video stopped decoding after {index} frames ({self._failure})"
        finally:
            self._put(_END)

    def _put(self, item: Any) -> None:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[Frame]:
        if self._thread is not None:
            raise VideoError("a VideoFile can be iterated only once")
        self._thread = threading.Thread(target=self._decode, name="posture-decode", daemon=True)
        self._thread.start()
        while True:
            item = self._queue.get()
            if item is _END:
                break
            self.frames_read += 1
            yield item
        if self.frames_read == 0 and self.error is None:
            self.error = "the video contains no decodable frames"
        declared = self.info.n_frames
        if declared and 0 < self.frames_read < TRUNCATED_SHARE * declared:
            short = f"ended after {self.frames_read} of the {declared} frames its header declares"
            self.error = (
                f"the video stopped decoding ({self._failure}): it {short}, so the file may be "
                "truncated"
                if self._failure
                else f"the video {short} (the file may be truncated)"
            )

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._container.close()

    def __enter__(self) -> VideoFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Camera:
    """Frames of a camera by index (OpenCV), with wall-clock timestamps from the first frame.

    Stops iterating, with ``error`` set, when the camera stops delivering frames.
    """

    def __init__(
        self, index: int, *, width: int = 0, height: int = 0, max_failures: int = 30
    ) -> None:
        import cv2

        if index < 0:
            raise CameraError(f"camera index must be 0 or more, got {index}")
        self._cv2 = cv2
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            self._cap.release()
            raise CameraError(f"camera {index} cannot be opened (is it connected and free?)")
        if width and height:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        ok, first = self._cap.read()
        if not ok or first is None:
            self._cap.release()
            raise CameraError(f"camera {index} opened but delivers no frames")
        self._first: np.ndarray | None = first
        h, w = first.shape[:2]
        fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.info = VideoInfo(f"camera {index}", w, h, fps, 0, 0.0, "camera", 0)
        self.error: str | None = None
        self.frames_read = 0
        self._max_failures = max_failures
        self._stopped = False

    def __iter__(self) -> Iterator[Frame]:
        t0 = time.monotonic()
        failures = 0
        last_t = -1.0
        while not self._stopped:
            if self._first is not None:
                bgr, self._first = self._first, None
                ok = True
            else:
                ok, bgr = self._cap.read()
            if not ok or bgr is None:
                failures += 1
                if failures >= self._max_failures:
                    self.error = f"the camera stopped delivering frames after {self.frames_read}"
                    return
                time.sleep(0.01)
                continue
            failures = 0
            t = max(time.monotonic() - t0, last_t + 1e-3)
            last_t = t
            rgb = self._cv2.cvtColor(bgr, self._cv2.COLOR_BGR2RGB)
            yield Frame(self.frames_read, t, rgb)
            self.frames_read += 1

    def stop(self) -> None:
        self._stopped = True

    def close(self) -> None:
        self._stopped = True
        self._cap.release()

    def __enter__(self) -> Camera:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_frame(path: str | Path, t_s: float) -> np.ndarray | None:
    """The RGB frame shown at ``t_s`` seconds (the nearest one), or None if unreadable.

    Seeks to the key frame before the time and decodes forward, so a frame late in a long clip
    costs at most one group of pictures. Rotation metadata is applied as in :class:`VideoFile`.
    """
    for _, rgb in read_frames(path, [t_s]):
        return rgb
    return None


#: :func:`read_frames` seeks only across gaps longer than this; shorter ones are decoded
#: through (a seek lands on the key frame before the time, often seconds earlier).
SEEK_GAP_S = 2.0


def read_frames(path: str | Path, times_s: Sequence[float]) -> Iterator[tuple[float, np.ndarray]]:
    """``(time, RGB frame shown at it)`` for each of ``times_s`` in increasing order, in one
    pass over the file: it seeks forward across long gaps and decodes through short ones, so
    frames spread over a clip cost no more than decoding it once. Stops early (yielding what
    it has) if the file cannot be read further."""
    import av

    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            decoded: Iterator[Any] = iter(())
            converter = rgb_converter()
            pos, ahead = -float("inf"), None  # last frame time reached; a frame read ahead
            for t in sorted(times_s):
                if t - pos > SEEK_GAP_S and stream.time_base:
                    container.seek(max(int((t - 0.5) / stream.time_base), 0), stream=stream)
                    decoded, ahead = container.decode(stream), None
                best, best_dt = None, float("inf")
                for frame in itertools.chain([ahead] if ahead is not None else [], decoded):
                    ahead = None
                    if frame.time is None:
                        continue
                    pos = max(pos, frame.time)
                    if abs(frame.time - t) < best_dt:
                        best, best_dt = frame, abs(frame.time - t)
                    elif frame.time > t:
                        ahead = frame  # the nearest to a later time, perhaps
                        break
                if best is None:
                    return
                yield t, frame_rgb(best, converter)
    except (av.error.FFmpegError, OSError, IndexError):
        return


def open_video(path: str | Path, *, drawing: bool = False) -> VideoFile:
    """Open a video file, with a readable :class:`VideoError` for anything unusable.
    ``drawing``: its frames are only drawn on, never analysed (see :func:`drawing_picture`)."""
    return VideoFile(path, drawing=drawing)


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------
#: BT.601 limited range, as FFmpeg converts by default: Y, Cb and Cr of 8-bit RGB (rows), the
#: last column their offset, all times 255.
BT601 = np.array(
    [
        [65.481, 128.553, 24.966, 16 * 255],
        [-37.797, -74.203, 112.0, 128 * 255],
        [112.0, -93.786, -18.214, 128 * 255],
    ]
)
_CBCR = BT601[1:].astype(np.float32) / 255


def rgb_to_i420(rgb: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` RGB (even H and W) as I420 planes, ``(H * 3 / 2, W)`` uint8: BT.601
    limited range, as FFmpeg converts by default, each chroma sample the mean of its 2 x 2
    pixels. The same picture as swscale's in a third of its time (luma within one level,
    chroma a few levels apart at sharp coloured edges, where the two chroma filters differ);
    OpenCV's own RGB -> I420 takes the colour of one pixel in four and loses thin coloured
    lines."""
    import cv2

    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    out: np.ndarray = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420)  # its luma is right
    blocks = cv2.resize(rgb, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    cbcr = cv2.transform(blocks, _CBCR)
    planes = out.reshape(-1)  # Y (h * w), then U and V (h * w / 4 each)
    n = h * w // 4
    planes[h * w : h * w + n] = cbcr[..., 0].reshape(-1)
    planes[h * w + n :] = cbcr[..., 1].reshape(-1)
    return out


def _even(n: int) -> int:
    return n - (n % 2)


class VideoWriter:
    """Browser-playable video from RGB frames, encoded on a background thread.

    MP4/H.264 (libx264, yuv420p, fast start) when ``path`` ends in ``.mp4``; VP9 WebM through
    OpenCV when it ends in ``.webm``. Timestamps are kept (variable frame rate survives).
    ``threads``: the H.264 encoder's. One beside a pose model (a camera, the first pass); a
    video drawn from a finished analysis, with the cores free, takes them (a fifth less time
    on 2 cores for as much CPU).
    """

    def __init__(
        self, path: str | Path, size: tuple[int, int], fps: float, *, threads: int = 1
    ) -> None:
        self.path = Path(path)
        self.threads = max(1, threads)
        self.width, self.height = _even(size[0]), _even(size[1])
        self.fps = fps if fps and fps > 0 else 30.0
        self.frames_written = 0
        self.error: str | None = None
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=16)
        self._last_pts = -1
        self._closed = False
        if self.path.suffix.lower() == ".webm":
            self._open_webm()
        else:
            self._open_mp4()
        self._thread = threading.Thread(target=self._run, name="posture-encode", daemon=True)
        self._thread.start()

    def _open_mp4(self) -> None:
        import av

        self._kind = "mp4"
        self._container = av.open(str(self.path), mode="w", options={"movflags": "faststart"})
        stream = self._container.add_stream(
            "libx264", rate=Fraction(self.fps).limit_denominator(1001)
        )
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        # ultrafast: a third of veryfast's CPU for ~3x the bytes (~20 % more than superfast);
        # the encoder runs beside the pose model on a 2-core machine and must not slow it
        # (posture bench: 0.92 of the pose model's speed with it, 0.90 with superfast)
        stream.options = {"crf": "23", "preset": "ultrafast"}
        stream.codec_context.thread_count = self.threads
        self._stream = stream

    def _open_webm(self) -> None:
        import cv2

        self._kind = "webm"
        self._cv = cv2.VideoWriter(
            str(self.path), cv2.VideoWriter.fourcc(*"VP90"), self.fps, (self.width, self.height)
        )
        if not self._cv.isOpened():
            raise VideoError(f"cannot write VP9 video to {self.path}")

    def write(self, picture: np.ndarray, t_s: float, *, block: bool = True) -> bool:
        """Queue one frame shown at ``t_s``: ``(H, W, 3)`` RGB, cropped to even size, or the
        I420 planes of a picture of the writer's size (:func:`drawing_picture`). With
        ``block=False`` a frame that finds the queue full is dropped (a live recording must
        never hold the camera back); returns whether it was queued."""
        if self.error:
            return False
        if picture.ndim == 2 and picture.shape != (self.height * 3 // 2, self.width):
            import cv2

            picture = cv2.cvtColor(picture, cv2.COLOR_YUV2RGB_I420)
        if picture.ndim == 3:
            picture = picture[: self.height, : self.width]
        try:
            self._queue.put((picture, t_s), block=block)
        except queue.Full:
            return False
        return True

    def _run(self) -> None:
        background_priority()
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if self.error:
                continue
            try:
                self._encode(*item)
                self.frames_written += 1
            except Exception as exc:
                self.error = f"writing {self.path.name} failed: {exc}"

    def _encode(self, picture: np.ndarray, t_s: float) -> None:
        import cv2

        planar = picture.ndim == 2
        if self._kind == "webm":
            to_bgr = cv2.COLOR_YUV2BGR_I420 if planar else cv2.COLOR_RGB2BGR
            self._cv.write(cv2.cvtColor(picture, to_bgr))
            return
        import av

        planes = picture if planar else rgb_to_i420(picture)
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        pts = max(round(t_s * 1000), self._last_pts + 1)
        self._last_pts = pts
        frame.pts = pts
        frame.time_base = Fraction(1, 1000)
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        """Finish the file; safe to call twice."""
        if self._thread.is_alive():
            self._queue.put(_END)
            self._thread.join()
        if self._kind == "webm":
            self._cv.release()
            return
        if self._closed:
            return
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        except Exception as exc:
            self.error = self.error or f"finishing {self.path.name} failed: {exc}"
        self._container.close()
        self._closed = True

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
