"""Video in and out (posture.video.io): containers and codecs, rotation, real timestamps, the
H.264 writer, and flat memory on long videos.

Small files are made at test time: from a real clip (ffmpeg) where the picture matters, from
synthetic frames (PyAV) where only timestamps or size do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from posture.video.io import VideoWriter, open_video

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
FLOOR_LIFT = SHARED / "media" / "floor_lift_knees_bent_side.mp4"

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


@pytest.fixture(scope="module")
def clip() -> Path:
    if not FLOOR_LIFT.is_file():
        pytest.skip(f"real clip not found: {FLOOR_LIFT.resolve()} (needs ../shared/media)")
    return FLOOR_LIFT


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=120)


def decode_all(path: Path) -> tuple[list[float], list[np.ndarray]]:
    with open_video(path) as v:
        frames = list(v)
        assert v.error is None, v.error
    return [f.t_s for f in frames], [f.rgb for f in frames]


def write_pts(path: Path, pts_ms: list[int], size: tuple[int, int] = (64, 48)) -> None:
    """An H.264 MP4 whose frames are shown at ``pts_ms`` (time base 1/1000)."""
    w, h = size
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.codec_context.time_base = Fraction(1, 1000)
        for i, pts in enumerate(pts_ms):
            frame = av.VideoFrame.from_ndarray(
                np.full((h, w, 3), (i * 23) % 256, np.uint8), format="rgb24"
            )
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            for packet in s.encode(frame):
                c.mux(packet)
        for packet in s.encode(None):
            c.mux(packet)


# --- containers and codecs --------------------------------------------------------------------
N_SMALL = 15
FORMATS = [
    ("mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p"], "h264"),
    ("webm", ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"], "vp9"),
    ("avi", ["-c:v", "mjpeg", "-q:v", "3"], "mjpeg"),
    ("mov", ["-c:v", "libx264", "-pix_fmt", "yuv420p"], "h264"),
]


@pytest.fixture(scope="module")
def reference_frames(clip: Path, tmp_path_factory: pytest.TempPathFactory) -> list[np.ndarray]:
    """The first frames of the clip at 160x120, losslessly (the picture every format keeps)."""
    path = tmp_path_factory.mktemp("ref") / "ref.mkv"
    ffmpeg(
        "-i", str(clip), "-frames:v", str(N_SMALL), "-vf", "scale=160:120", "-an",
        "-c:v", "ffv1", str(path),
    )  # fmt: skip
    return decode_all(path)[1]


@needs_ffmpeg
@pytest.mark.media
@pytest.mark.parametrize(("ext", "codec_args", "codec"), FORMATS, ids=[f[0] for f in FORMATS])
def test_container_decodes_every_frame_in_order_with_the_right_picture(
    clip: Path,
    reference_frames: list[np.ndarray],
    tmp_path: Path,
    ext: str,
    codec_args: list[str],
    codec: str,
) -> None:
    path = tmp_path / f"small.{ext}"
    ffmpeg("-i", str(clip), "-frames:v", str(N_SMALL), "-vf", "scale=160:120", "-an",
           *codec_args, str(path))  # fmt: skip
    with open_video(path) as v:
        assert v.info.codec == codec
        assert (v.info.width, v.info.height) == (160, 120)
        frames = list(v)
    assert len(frames) == N_SMALL
    t = np.array([f.t_s for f in frames])
    assert np.all(np.diff(t) > 0)
    # 30 fps source; webm stores milliseconds, the others finer
    np.testing.assert_allclose(t, np.arange(N_SMALL) / 30.0, atol=1.5e-3)
    assert [f.index for f in frames] == list(range(N_SMALL))
    for f, ref in zip(frames, reference_frames, strict=True):
        assert f.rgb.shape == (120, 160, 3) and f.rgb.dtype == np.uint8
        # lossy codecs at these settings stay within a few grey levels on average; a wrong
        # frame, channel order or orientation is off by tens
        assert np.abs(f.rgb.astype(int) - ref).mean() < 6.0


# --- rotation metadata ------------------------------------------------------------------------
@needs_ffmpeg
@pytest.mark.media
@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_rotation_metadata_gives_the_picture_ffmpeg_autorotates_to(
    clip: Path, tmp_path: Path, rotate: int
) -> None:
    plain = tmp_path / "plain.mp4"  # landscape 160x120, so a quarter turn shows in the shape
    ffmpeg("-i", str(clip), "-frames:v", "5", "-vf", "scale=160:120", "-an",
           "-c:v", "libx264", "-pix_fmt", "yuv420p", str(plain))  # fmt: skip
    rotated = tmp_path / "rotated.mp4"
    ffmpeg("-i", str(plain), "-metadata:s:v:0", f"rotate={rotate}", "-c", "copy", str(rotated))
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(rotated), "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    portrait = rotate in (90, 270)
    w, h = (120, 160) if portrait else (160, 120)
    expected = np.frombuffer(raw, np.uint8).reshape(h, w, 3)
    with open_video(rotated) as v:
        assert (v.info.width, v.info.height) == (w, h)
        first = next(iter(v))
    assert first.rgb.shape == (h, w, 3)
    # the same decoder and colour conversion: equal up to rounding; the wrong turn is off by
    # tens of grey levels
    assert np.abs(first.rgb.astype(int) - expected).mean() < 1.0


# --- timestamps -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pts_ms",
    [
        pytest.param([round(i * 1000 / 30) for i in range(12)], id="constant_30fps"),
        pytest.param([0, 33, 50, 120, 200, 210, 400, 433, 700, 1000], id="irregular"),
        pytest.param([0, 40, 80, 1080, 1120, 1160], id="one_second_freeze"),
        pytest.param([0, 1, 2, 3], id="one_ms_apart"),
    ],
)
def test_variable_frame_rate_keeps_the_real_timestamps(tmp_path: Path, pts_ms: list[int]) -> None:
    path = tmp_path / "vfr.mp4"
    write_pts(path, pts_ms)
    t, _ = decode_all(path)
    # the MP4 muxer stores these in 1/16000 s, so they come back within well under 1 ms
    np.testing.assert_allclose(t, np.array(pts_ms) / 1000.0, atol=5e-4)


# --- the writer -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("size", "t_s"),
    [
        pytest.param((96, 64), [i / 25 for i in range(20)], id="constant_25fps"),
        pytest.param((96, 64), [0.0, 0.04, 0.05, 0.3, 0.31, 1.2, 1.25], id="irregular"),
        pytest.param((97, 63), [i / 30 for i in range(10)], id="odd_size_cropped_to_even"),
    ],
)
@pytest.mark.parametrize("threads", [1, 2])
def test_writer_makes_h264_yuv420p_mp4_that_keeps_timestamps(
    tmp_path: Path, size: tuple[int, int], t_s: list[float], threads: int
) -> None:
    path = tmp_path / "out.mp4"
    w, h = size
    rng = np.random.default_rng(0)
    with VideoWriter(path, size, 30.0, threads=threads) as writer:
        for t in t_s:
            writer.write(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), t)
    assert writer.error is None
    assert writer.frames_written == len(t_s)
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        assert (s.codec_context.width, s.codec_context.height) == (w - w % 2, h - h % 2)
        shown = sorted(float(f.pts * f.time_base) for f in c.decode(s))
    # the writer's clock is milliseconds
    np.testing.assert_allclose(shown, t_s, atol=1e-3)


# --- memory -----------------------------------------------------------------------------------
def rss_mb() -> float:
    resident_pages = int(Path("/proc/self/statm").read_text().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


LONG_FRAMES, LONG_W, LONG_H = 3000, 640, 360


@pytest.fixture(scope="module")
def long_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3000 frames of 640x360 (100 s): 2 GB of RGB if it were all held at once. A moving
    grey pattern, written as YUV planes directly (converting RGB would cost more than
    encoding)."""
    path = tmp_path_factory.mktemp("long") / "long.mp4"
    x = np.arange(LONG_W + LONG_FRAMES)
    band = ((np.sin(x / 7.0) + 1) * 127).astype(np.uint8)
    planes = np.full((LONG_H * 3 // 2, LONG_W), 128, np.uint8)  # Y, then U and V
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = LONG_W, LONG_H, "yuv420p"
        s.options = {"preset": "ultrafast"}
        for i in range(LONG_FRAMES):
            planes[:LONG_H] = band[i : i + LONG_W]
            frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
            for packet in s.encode(frame):
                c.mux(packet)
        for packet in s.encode(None):
            c.mux(packet)
    return path


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc (Linux)")
def test_decoding_a_long_video_keeps_memory_flat(long_video: Path) -> None:
    frame_mb = LONG_W * LONG_H * 3 / 2**20  # 0.66 MB
    with open_video(long_video) as v:
        frames = iter(v)
        next(frames)
        before = rss_mb()
        # a slow consumer: the decoder runs ahead meanwhile (about 1000 frames/s here), so an
        # unbounded queue would grow by hundreds of frames
        time.sleep(1.0)
        after_pause = rss_mb()
        peak, n = after_pause, 1
        for _ in frames:
            n += 1
            if n % 50 == 0:
                peak = max(peak, rss_mb())
    assert n == LONG_FRAMES
    # bound: 100 MB, i.e. ~150 frames; the queue holds 8, the allocator keeps some slack;
    # holding every frame would be ~2000 MB
    assert after_pause - before < 100, f"grew {after_pause - before:.0f} MB while paused"
    assert peak - before < 100, f"grew {peak - before:.0f} MB over {n} frames ({frame_mb:.2f} MB)"


@pytest.mark.media
def test_a_file_cut_short_says_so(clip: Path, tmp_path: Path) -> None:
    squats = clip.parent / "bodyweight_squats_side.mp4"  # its index is at the start: cuttable
    if not squats.is_file():
        pytest.skip(f"real clip not found: {squats}")
    data = squats.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 6 // 10])
    with open_video(cut) as v:
        n = sum(1 for _ in v)
        declared = v.info.n_frames
    assert 0 < n < 0.9 * declared
    assert v.error is not None
    assert f"ended after {n} of the {declared} frames" in v.error


def test_rgb_to_i420_is_ffmpegs_picture_thin_coloured_lines_included() -> None:
    """The encoder's own conversion against swscale's: the same luma, chroma a few levels
    apart at most on sharp coloured edges (the chroma filters differ), and a 1-pixel red line
    on an odd column keeping its colour (OpenCV's I420 conversion drops it). Odd half-heights
    (62 rows: 31 chroma rows) are laid out as FFmpeg lays them out."""
    import cv2

    from posture.video.io import rgb_to_i420

    for h in (64, 62):
        rgb = np.full((h, 96, 3), 120, np.uint8)
        for x in (10, 21):
            cv2.line(rgb, (x, 5), (x, 56), (215, 38, 61), 1)
        cv2.line(rgb, (40, 5), (80, 56), (46, 160, 67), 3, cv2.LINE_AA)
        rgb[50:, :30] = np.linspace(0, 255, 30, dtype=np.uint8)[None, :, None]  # a ramp
        want = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
        want_planes = want.to_ndarray()
        got = rgb_to_i420(rgb)
        assert got.shape == want_planes.shape == (h * 3 // 2, 96)
        diff = np.abs(got.astype(int) - want_planes)
        assert diff[:h].max() <= 1  # luma
        assert diff[h:].max() <= 6  # chroma
        cr = got.reshape(-1)[h * 96 + h * 96 // 4 :].reshape(h // 2, 48)
        assert cr[15, 21 // 2] > 150  # the odd column's red survives (grey is 128)


@pytest.mark.media
def test_rgb_to_i420_matches_ffmpeg_on_camera_footage(clip: Path) -> None:
    from posture.video.io import rgb_to_i420

    with open_video(clip) as v:
        for _, frame in zip(range(10), v, strict=False):
            rgb = frame.rgb[: frame.rgb.shape[0] // 2 * 2, : frame.rgb.shape[1] // 2 * 2]
            want = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            planes = want.reformat(format="yuv420p").to_ndarray()
            diff = np.abs(rgb_to_i420(rgb).astype(int) - planes)
            h = rgb.shape[0]
            assert diff[:h].max() <= 1  # luma
            assert diff[h:].mean() < 0.5 and diff[h:].max() <= 8  # chroma: edges differ a little


# --- decoded frames to RGB ----------------------------------------------------------------------
def _decoded(path: Path, count: int) -> list[av.VideoFrame]:
    with av.open(str(path)) as c:
        return [f for _, f in zip(range(count), c.decode(c.streams.video[0]), strict=False)]


@pytest.mark.media
def test_drawing_rgb_is_ffmpegs_picture_on_camera_footage(clip: Path) -> None:
    """OpenCV's conversion of 4:2:0 video against FFmpeg's: a level apart on average, a few
    more on sharp coloured edges only (the chroma is repeated, not interpolated)."""
    from posture.video.io import drawing_rgb, frame_rgb

    for frame in _decoded(clip, 5):
        assert frame.format.name == "yuv420p"  # the fast path is the one measured
        want = frame.to_ndarray(format="rgb24")
        got = drawing_rgb(frame)
        assert got.shape == want.shape and got.dtype == np.uint8
        diff = np.abs(got.astype(int) - want)
        assert diff.mean() < 1.5
        assert np.percentile(diff, 99.9) <= 12 and diff.max() <= 24
    # the frames analysed are FFmpeg's own RGB; the frames drawn on, their planes as decoded
    frames = _decoded(clip, 3)
    with open_video(clip) as v:
        for frame, got in zip(frames, v, strict=False):
            assert np.array_equal(got.rgb, frame_rgb(frame)) and got.i420 is None
    with open_video(clip, drawing=True) as v:
        for frame, got in zip(frames, v, strict=False):
            assert got.i420 is not None and got.rgb.size == 0
            assert np.array_equal(got.picture, frame.to_ndarray(format="yuv420p"))


@pytest.mark.media
def test_a_kept_converter_gives_pyavs_own_pixels(clip: Path) -> None:
    """One converter for a stream's frames (FFmpeg's scaler set up once, on one thread) gives
    exactly the pixels of PyAV's conversion of each frame; so do the frames of a file."""
    from posture.video.io import frame_rgb, rgb_converter

    frames = _decoded(clip, 4)
    converter = rgb_converter()
    for frame in frames:
        assert np.array_equal(frame_rgb(frame, converter), frame.to_ndarray(format="rgb24"))
    with open_video(clip) as v:
        for frame, got in zip(frames, v, strict=False):
            assert np.array_equal(got.rgb, frame.to_ndarray(format="rgb24"))
    # another format and size through the same converter
    rng = np.random.default_rng(5)
    for (w, h), pix_fmt in (((64, 48), "yuvj420p"), ((63, 47), "yuv420p"), ((64, 48), "yuv444p")):
        rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        other = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format=pix_fmt)
        assert np.array_equal(frame_rgb(other, converter), other.to_ndarray(format="rgb24"))


def test_drawing_rgb_leaves_other_formats_to_ffmpeg() -> None:
    """Full-range (JPEG-style) 4:2:0, odd sizes and 4:4:4 are FFmpeg's conversion, exactly,
    and are drawn on in RGB; an even ``yuv420p`` picture of flat colours comes out within
    rounding of FFmpeg's, and is drawn on as its planes unless it is to be turned."""
    from posture.video.io import drawing_picture, drawing_rgb, frame_rgb

    rng = np.random.default_rng(3)
    for (w, h), pix_fmt in (((64, 48), "yuvj420p"), ((63, 47), "yuv420p"), ((64, 48), "yuv444p")):
        rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format=pix_fmt)
        assert np.array_equal(drawing_rgb(frame), frame_rgb(frame))
        assert np.array_equal(drawing_picture(frame), frame_rgb(frame))
    planar = av.VideoFrame.from_ndarray(rng.integers(0, 256, (48, 64, 3), np.uint8), "rgb24")
    planar = planar.reformat(format="yuv420p")
    assert np.array_equal(drawing_picture(planar), planar.to_ndarray())

    class Turned:  # a frame whose display matrix turns it (a phone's video)
        rotation = 90

        def __getattr__(self, name: str) -> Any:
            return getattr(planar, name)

    assert drawing_picture(Turned()).shape == (64, 48, 3)
    flat = av.VideoFrame.from_ndarray(np.full((48, 64, 3), (30, 140, 220), np.uint8), "rgb24")
    frame = flat.reformat(format="yuv420p")
    assert np.abs(drawing_rgb(frame).astype(int) - frame_rgb(frame)).max() <= 2
