"""Parts of a video: its frame index read without decoding, a time range decoded from the key
frame before it exactly as a decode from the start gives it, pieces joined and a clip looped
without re-encoding."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from posture.video.io import VideoWriter, open_video
from posture.video.remux import concat_videos, loop_video
from posture.video.seek import FrameStep, RangeFile, frame_index, frames_taken

W, H, N, GOP = 64, 48, 90, 10


def _picture(k: int) -> np.ndarray:
    """A frame that tells its number: a bar as long as ``k`` on a changing background."""
    rgb = np.full((H, W, 3), (k * 7) % 256, np.uint8)
    rgb[10:20, : 1 + k % W] = 255
    return rgb


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """90 frames of H.264 at 30 fps with a key frame every 10 frames."""
    import av

    path = tmp_path_factory.mktemp("seek") / "clip.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        stream.options = {"g": str(GOP), "keyint_min": str(GOP), "sc_threshold": "0"}
        for k in range(N):
            frame = av.VideoFrame.from_ndarray(_picture(k), format="rgb24")
            frame.pts, frame.time_base = k, Fraction(1, 30)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path


def test_the_index_times_every_frame_as_a_decode_from_the_start(clip: Path) -> None:
    index = frame_index(clip)
    decoded = list(open_video(clip))
    assert index.n_frames == len(decoded) == N
    assert index.problem == ""
    assert index.t_s.tolist() == [f.t_s for f in decoded]  # equal to the last bit
    assert len(index.key_pts) == N // GOP


@pytest.mark.parametrize(("start", "stop"), [(0, 25), (35, 60), (80, 90)])
def test_a_range_decodes_exactly_the_frames_of_a_decode_from_the_start(
    clip: Path, start: int, stop: int
) -> None:
    index = frame_index(clip)
    whole = list(open_video(clip))
    seek = index.key_frame_before(start)
    with RangeFile(clip, seek, index.pts[start:stop], index.t_s[start:stop], start) as part:
        got = list(part)
        assert part.error is None
    assert [f.index for f in got] == list(range(start, stop))
    for f in got:
        assert f.t_s == whole[f.index].t_s
        assert np.array_equal(f.rgb, whole[f.index].rgb)


def test_pieces_encoded_alike_join_into_one_video_without_re_encoding(
    clip: Path, tmp_path: Path
) -> None:
    frames = list(open_video(clip))
    pieces = []
    for k, (a, b) in enumerate([(0, 30), (30, 61), (61, 90)]):
        pieces.append(tmp_path / f"{k}.mp4")
        with VideoWriter(pieces[-1], (W, H), 30.0) as writer:
            for f in frames[a:b]:
                writer.write(f.rgb, f.t_s)
    concat_videos(pieces, tmp_path / "joined.mp4")
    joined = list(open_video(tmp_path / "joined.mp4"))
    assert [round(f.t_s, 3) for f in joined] == [round(f.t_s, 3) for f in frames]
    for a, b in zip(joined, frames, strict=True):  # the pieces' own pictures (lossy encoding)
        assert np.abs(a.rgb.astype(int) - b.rgb).mean() < 4


def test_a_looped_clip_plays_each_repetition_after_the_last(clip: Path, tmp_path: Path) -> None:
    one = loop_video(clip, tmp_path / "loop.mp4", 3)
    assert one == pytest.approx(N / 30)
    index = frame_index(tmp_path / "loop.mp4")
    assert index.n_frames == 3 * N and index.problem == ""
    assert np.allclose(np.diff(index.t_s), 1 / 30)
    looped = list(open_video(tmp_path / "loop.mp4"))
    first = list(open_video(clip))
    assert np.array_equal(looped[N + 5].rgb, first[5].rgb)  # packets copied, not re-encoded


@pytest.mark.parametrize(
    ("max_fps", "kept"),
    [
        (0.0, list(range(12))),
        (10.0, [0, 3, 6, 9]),
        (15.0, [0, 2, 4, 6, 8, 10]),
        (40.0, list(range(12))),
    ],
)
def test_max_fps_passes_over_frames_evenly(max_fps: float, kept: list[int]) -> None:
    t_s = np.arange(12) / 30.0
    assert np.flatnonzero(frames_taken(t_s, max_fps)).tolist() == kept


def test_max_fps_takes_the_same_frames_when_timestamps_jitter() -> None:
    rng = np.random.default_rng(3)
    t_s = np.arange(300) / 30.0 + rng.uniform(-0.002, 0.002, 300)
    taken = np.flatnonzero(frames_taken(t_s, 10.0))
    assert np.all(np.diff(taken) == 3)
    step = FrameStep(10.0)
    assert [k for k, t in enumerate(t_s) if step.take(float(t))] == taken.tolist()


def test_the_annotated_video_is_drawn_in_pieces_cut_at_key_frames() -> None:
    """Each segment's frames cut at the first key frame ``RENDER_PIECE_S`` or more after the
    piece's start: every frame in exactly one piece, in order, none decoded twice."""
    from segment_plans import fake_plan

    from posture.run import segments
    from posture.run.segments import Segment, render_pieces

    fps, n = 30, 3000  # 100 s, a key frame every 4 s
    segs = (Segment(0, 0, 0, 1500, 0), Segment(1, 1470, 1500, 3000, 1440 * 100))
    plan = fake_plan(n, fps, (640, 480), segs, pts_step=100, key_every=120)
    assert segments.RENDER_PIECE_S == 20.0
    pieces = render_pieces(plan, n)
    assert pieces == [(0, 600), (600, 1200), (1200, 1500), (1500, 2160), (2160, 2760), (2760, 3000)]
    # frames analysed only up to 2000: the last piece ends there
    assert render_pieces(plan, 2000)[-1] == (1500, 2000)
