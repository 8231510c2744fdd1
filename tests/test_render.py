"""The annotated video shows exactly the final analysis: a file's frames are drawn from it once
it is known; a camera's, drawn early from a provisional analysis (LaggedRenderer), are checked
against it and the run says when any differs; equal FrameViews draw equal pixels."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

import posture.run.recorded
import posture.video.render
from posture.assess.analysis import Analysis, analyze
from posture.core.config import DEFAULTS
from posture.core.errors import NoPersonError
from posture.core.landmarks import PoseSequence
from posture.run.recorded import Result, _finish_camera_video, analyze_source
from posture.synthetic import demo_recording
from posture.video.draw import FrameView, PersonView, annotate, annotate_i420, annotated
from posture.video.io import VideoWriter, rgb_to_i420
from posture.video.render import Person, Row, output_size
from posture.video.views import frame_view

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
FLOOR_LIFT = SHARED / "media" / "floor_lift_knees_bent_side.mp4"


def decoded_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


@pytest.fixture(scope="module")
def clip() -> Path:
    if not FLOOR_LIFT.is_file():
        pytest.skip(f"real clip not found: {FLOOR_LIFT.resolve()} (needs ../shared/media)")
    return FLOOR_LIFT


@pytest.fixture(scope="module")
def file_run(
    clip: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Result, list[Any], Path]:
    """floor_lift analysed sequentially with video on; also returns every view drawn."""
    drawn: list[Any] = []
    real = posture.run.recorded.annotated

    def spy(picture: np.ndarray, size: Any, view: FrameView, **kwargs: Any) -> np.ndarray:
        drawn.append(view)
        return real(picture, size, view, **kwargs)

    out = tmp_path_factory.mktemp("file_run") / "not_made_yet"  # the run makes it
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(posture.run.recorded, "annotated", spy)
        result = analyze_source(clip, DEFAULTS, out)
    return result, drawn, out / "annotated.mp4"


@pytest.mark.media
@pytest.mark.slow
def test_a_files_video_is_drawn_from_the_final_analysis_once(
    file_run: tuple[Result, list[Any], Path],
) -> None:
    result, drawn, video = file_run
    rec, a = result.recording, result.analysis
    with av.open(str(video)) as c:
        w, h = c.streams.video[0].width, c.streams.video[0].height
    # every frame drawn once, in order, showing exactly the final analysis
    assert len(drawn) == a.n_frames
    expected = [
        frame_view(a, row, posture.run.recorded.people_at_row(rec, row), (w, h))
        for row in range(a.n_frames)
    ]
    assert drawn == expected
    assert len(decoded_frames(video)) == a.n_frames
    assert not any("provisional" in w for w in result.warnings)
    assert "redrawn" not in result.timings


def _camera_replay(result: Result, out: Path) -> Result:
    """The frames of ``result`` given to a camera's LaggedRenderer (on plain grey pictures)
    and finished as a camera run finishes them; returns ``result`` with its warnings."""
    rec = result.recording
    w, h = rec.subject.image_size_px
    size = output_size(w, h, DEFAULTS.output.video_max_height)
    writer = VideoWriter(out, size, 30.0)
    renderer = posture.video.render.LaggedRenderer(writer, DEFAULTS, (w, h))
    grey = np.full((h, w, 3), 90, np.uint8)
    for row in range(result.analysis.n_frames):
        people = [
            Person(p.person_id, p.world_xyz_m[row], p.image_xyz[row], p.visibility[row])
            for p in rec.people
            if p.pose_found[row]
        ]
        renderer.submit(
            Row(row, int(rec.subject.frame_index[row]), float(rec.subject.t_s[row]), people),
            grey.copy(),
        )
    result = replace(result, warnings=[])
    _finish_camera_video(result, renderer, writer, size, DEFAULTS)
    return result


@pytest.mark.media
@pytest.mark.slow
def test_a_cameras_video_drawn_early_says_when_it_differs_from_the_final_analysis(
    file_run: tuple[Result, list[Any], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a camera cannot be replayed: its frames are drawn a second behind the model from a
    # provisional analysis, and where one differs from the final analysis the run says so
    result = file_run[0]
    _camera_replay(result, tmp_path / "a.mp4")
    assert len(decoded_frames(tmp_path / "a.mp4")) == result.analysis.n_frames

    def provisional(*args: Any, **kwargs: Any) -> FrameView:
        return replace(frame_view(*args, **kwargs), footer="provisional")

    monkeypatch.setattr(posture.video.render, "frame_view", provisional)
    differs = _camera_replay(result, tmp_path / "b.mp4")
    assert len(decoded_frames(tmp_path / "b.mp4")) == result.analysis.n_frames
    assert any("provisional analysis" in w for w in differs.warnings)


def write_plain_video(path: Path, frames: int = 45) -> None:
    """1.5 s of one flat colour: decodable, with nobody in it."""
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 320, 240, "yuv420p"
        rgb = np.full((240, 320, 3), (40, 120, 200), np.uint8)
        for _ in range(frames):
            for packet in s.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                c.mux(packet)
        for packet in s.encode(None):
            c.mux(packet)


@pytest.mark.slow
def test_render_thread_is_stopped_when_the_analysis_fails(tmp_path: Path) -> None:
    video = tmp_path / "nobody.mp4"
    write_plain_video(video)
    before = set(threading.enumerate())
    with pytest.raises(NoPersonError):
        analyze_source(video, DEFAULTS, tmp_path / "out")
    started = [t for t in threading.enumerate() if t not in before]
    for t in started:
        t.join(timeout=2.0)  # a thread on its way out is fine
    left = [t.name for t in started if t.is_alive()]
    assert left == [], f"threads still running after the error: {left}"


# --- FrameView equality is pixel equality -----------------------------------------------------
SIZE = (640, 360)


@pytest.fixture(scope="module")
def demo() -> tuple[Analysis, PoseSequence]:
    rec = demo_recording()
    return analyze(rec.subject, DEFAULTS), rec.subject


@pytest.fixture(scope="module")
def background() -> np.ndarray:
    return np.random.default_rng(3).integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A smooth picture (as camera footage is, unlike noise), so that 4:2:0 loses little."""
    y, x = np.mgrid[0 : SIZE[1], 0 : SIZE[0]].astype(np.float64)
    rgb = np.stack([x / SIZE[0] * 200 + 30, y / SIZE[1] * 180 + 40, 120 + 60 * np.sin(x / 50)])
    return np.ascontiguousarray(np.rint(rgb.transpose(1, 2, 0))).astype(np.uint8)


def _row_with_cue_in_lift(a: Analysis) -> int:
    return next(i for i in range(a.n_frames) if a.frame_cue(i) and a.lift_at(i))


def _view(a: Analysis, seq: PoseSequence, case: str) -> FrameView:
    def people(i: int) -> list[tuple[int, np.ndarray, np.ndarray]]:
        return [(7, seq.image_xyz[i], seq.visibility[i])]

    if case == "no_analysis":
        return frame_view(None, None, people(0), SIZE)
    if case == "standing":
        return frame_view(a, 5, people(5), SIZE)
    i = _row_with_cue_in_lift(a)
    if case == "lift_with_cue":
        return frame_view(a, i, people(i), SIZE)
    if case == "two_people":
        other = seq.image_xyz[i].copy()
        other[:, 0] -= 0.25
        return frame_view(a, i, [*people(i), (8, other, seq.visibility[i])], SIZE)
    raise ValueError(case)


VIEW_CASES = ["no_analysis", "standing", "lift_with_cue", "two_people"]


@pytest.mark.parametrize("blur", [False, True], ids=["plain", "blur_faces"])
@pytest.mark.parametrize("case", VIEW_CASES)
def test_equal_frame_views_draw_identical_pixels(
    demo: tuple[Analysis, PoseSequence], background: np.ndarray, case: str, blur: bool
) -> None:
    first, second = _view(*demo, case), _view(*demo, case)
    assert first == second and first is not second
    assert hash(first) == hash(second)
    original = background.copy()
    drawn = annotate(background, first, blur=blur)
    assert np.array_equal(drawn, annotate(background, second, blur=blur))
    assert np.array_equal(background, original), "annotate changed its input"
    assert not np.array_equal(drawn, background)  # something was drawn


@pytest.mark.parametrize("blur", [False, True], ids=["plain", "blur_faces"])
@pytest.mark.parametrize("case", VIEW_CASES)
def test_drawing_on_i420_planes_is_drawing_in_rgb_and_converting(
    demo: tuple[Analysis, PoseSequence], photo: np.ndarray, case: str, blur: bool
) -> None:
    """The annotated video's frames are drawn on their decoded 4:2:0 planes: the same picture
    as drawing in RGB and converting, luma within rounding but at the lines' and letters'
    anti-aliased edges, chroma (a sample per 2 x 2 pixels) a few levels on average."""
    view = _view(*demo, case)
    want = rgb_to_i420(annotate(photo, view, blur=blur))
    got = annotate_i420(rgb_to_i420(photo), view, blur=blur)
    assert got.shape == want.shape and got.dtype == np.uint8
    h = photo.shape[0]
    luma = np.abs(got[:h].astype(int) - want[:h])
    chroma = np.abs(got[h:].astype(int) - want[h:])
    assert luma.mean() < 0.3 and np.percentile(luma, 99) <= 2 and luma.max() <= 40
    assert chroma.mean() < 1.0 and np.percentile(chroma, 99) <= 12
    drawn = np.abs(want.astype(int) - rgb_to_i420(photo))
    assert drawn.mean() > 10 * luma.mean()  # the drawing is there, and far from the error


def test_annotated_shrinks_either_picture_and_draws_on_it(
    demo: tuple[Analysis, PoseSequence], photo: np.ndarray
) -> None:
    view = _view(*demo, "lift_with_cue")
    small = (320, 180)
    rgb = annotated(photo.copy(), small, view)
    planes = annotated(rgb_to_i420(photo), small, view)
    assert rgb.shape == (180, 320, 3) and planes.shape == (270, 320)
    assert np.abs(planes[:180].astype(int) - rgb_to_i420(rgb)[:180]).mean() < 1.0
    same = annotated(photo.copy(), SIZE, view)
    assert np.array_equal(same, annotate(photo, view))  # at its size: drawn on as it is


def _moved(v: FrameView) -> FrameView:
    p = v.people[0]
    points = tuple(None if q is None else (q[0] + 5, q[1]) for q in p.points)
    return replace(v, people=(PersonView(p.person_id, points), *v.people[1:]))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda v: replace(v, cue="Keep the load close to your body"), id="cue"),
        pytest.param(lambda v: replace(v, risk_level="low"), id="risk_level"),
        pytest.param(
            lambda v: replace(v, readings=((v.readings[0][0], "1 deg", True), *v.readings[1:])),
            id="a_reading",
        ),
        pytest.param(
            lambda v: replace(
                v, readings=((*v.readings[0][:2], not v.readings[0][2]), *v.readings[1:])
            ),
            id="trust_of_a_reading",
        ),
        pytest.param(lambda v: replace(v, footer="lift 9: stoop"), id="footer"),
        pytest.param(_moved, id="a_skeleton_moved"),
    ],
)
def test_frame_views_that_differ_draw_different_pixels(
    demo: tuple[Analysis, PoseSequence], background: np.ndarray, change: Any
) -> None:
    # the converse, so that pixel equality above is not true of any two views
    view = _view(*demo, "lift_with_cue")
    changed = change(view)
    assert changed != view
    assert not np.array_equal(annotate(background, view), annotate(background, changed))


def test_person_crop_cuts_the_box_padded_and_clipped_to_the_frame() -> None:
    from posture.video.draw import person_crop

    rgb = np.zeros((100, 200, 3), np.uint8)
    crop = person_crop(rgb, (0.25, 0.2, 0.5, 0.8), pad=0.0)
    assert crop is not None and crop.shape == (60, 50, 3)
    padded = person_crop(rgb, (0.25, 0.2, 0.5, 0.8), pad=0.5)  # 30 rows each way: clipped
    assert padded is not None and padded.shape[0] == 100
    assert person_crop(rgb, (1.2, 0.2, 1.5, 0.8)) is None  # wholly outside the frame
