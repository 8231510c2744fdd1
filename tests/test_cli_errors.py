"""The command line on inputs it cannot use: one line on stderr, a non-zero exit, no traceback;
and a video that breaks halfway: analysed up to the break, with a warning, exit 0.

Each case runs ``python -m posture.cli.commands`` in a subprocess, as a user would, once per module
(``failures``); the tests read its result. A progress bar redraws itself in place with ``\\r``,
so the lines checked are what a terminal shows: the text after the last ``\\r`` of each line.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from posture.cli.commands import EXIT_ERROR

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
FLOOR_LIFT = SHARED / "media" / "floor_lift_knees_bent_side.mp4"


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str

    @property
    def shown(self) -> list[str]:
        """The non-empty stderr lines as a terminal shows them."""
        lines = [ln.rsplit("\r", 1)[-1] for ln in self.stderr.split("\n")]
        return [ln for ln in lines if ln.strip()]


def run_cli(args: list[str], cwd: Path) -> Outcome:
    p = subprocess.run(
        [sys.executable, "-m", "posture.cli", *args],
        cwd=cwd,
        capture_output=True,
        timeout=300,
    )
    # decoded here, not with text=True: universal newlines would turn the bar's \r into \n
    return Outcome(p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode())


def write_plain_video(path: Path, seconds: float = 2.0, fps: int = 15) -> None:
    """A video of one flat colour: decodable, with nobody in it."""
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = 320, 240, "yuv420p"
        rgb = np.full((240, 320, 3), (40, 120, 200), np.uint8)
        for _ in range(round(seconds * fps)):
            for packet in s.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                c.mux(packet)
        for packet in s.encode(None):
            c.mux(packet)


# --- the cases: (name, files to make in the working folder, argv, words the message names) ---
def _make_text(d: Path) -> None:
    (d / "notes.mp4").write_text("these are meeting notes, not a video\n" * 50)


def _make_empty(d: Path) -> None:
    (d / "empty.mp4").write_bytes(b"")


def _make_random(d: Path) -> None:
    (d / "random.mp4").write_bytes(random.Random(1).randbytes(200_000))


def _make_plain(d: Path) -> None:
    write_plain_video(d / "nobody.mp4")


def _make_configs(d: Path) -> None:
    (d / "unknown_key.toml").write_text("[subject]\nheight_cmx = 170\n")
    (d / "wrong_type.toml").write_text('[subject]\nheight_cm = "tall"\n')
    (d / "a_file").write_text("not a folder")
    write_plain_video(d / "ok.mp4", seconds=0.2)


def _make_landmark_files(d: Path) -> None:
    (d / "empty.npz").write_bytes(b"")
    (d / "notes.npz").write_text("not landmarks\n")
    np.save(d / "array.npy", np.zeros(3))


Case = tuple[str, Callable[[Path], None] | None, list[str], tuple[str, ...]]
CASES: list[Case] = [
    ("missing_file", None, ["analyze", "missing.mp4", "--out", "o"], ("not found",)),
    ("text_renamed_mp4", _make_text, ["analyze", "notes.mp4", "--out", "o"], ("notes.mp4",)),
    ("empty_file", _make_empty, ["analyze", "empty.mp4", "--out", "o"], ("empty",)),
    ("random_bytes", _make_random, ["analyze", "random.mp4", "--out", "o"], ("random.mp4",)),
    # --no-video: with the video on, the render thread outlives the error and the process
    # sometimes aborts at exit (test_render.py pins that bug deterministically)
    (
        "no_person",
        _make_plain,
        ["analyze", "nobody.mp4", "--out", "o", "--no-video"],
        ("no person",),
    ),
    ("camera_99", None, ["analyze", "--camera", "99", "--out", "o"], ("camera 99",)),
    (
        "height_cm_5",
        _make_configs,
        ["analyze", "ok.mp4", "--out", "o", "--height-cm", "5"],
        ("height_cm",),
    ),
    (
        "load_kg_negative",
        _make_configs,
        ["analyze", "ok.mp4", "--out", "o", "--load-kg", "-1"],
        ("load_kg",),
    ),
    (
        "config_unknown_key",
        _make_configs,
        ["analyze", "ok.mp4", "--out", "o", "--config", "unknown_key.toml"],
        ("height_cmx",),
    ),
    (
        "config_wrong_type",
        _make_configs,
        ["analyze", "ok.mp4", "--out", "o", "--config", "wrong_type.toml"],
        ("height_cm", "number"),
    ),
    ("out_is_a_file", _make_configs, ["analyze", "ok.mp4", "--out", "a_file"], ("a_file",)),
    (
        "person_not_an_id",
        _make_configs,
        ["analyze", "ok.mp4", "--out", "o", "--person", "helper"],
        ("--person", "2+5"),
    ),
    ("join_one_id", _make_configs, ["analyze", "ok.mp4", "--out", "o", "--join", "3"], ("2+5",)),
    (
        "workers_negative",
        _make_configs,
        ["analyze", "ok.mp4", "--out", "o", "--workers", "-2"],
        ("workers",),
    ),
    ("no_input", None, ["analyze", "--out", "o"], ("exactly one input",)),
    ("out_empty", _make_configs, ["analyze", "ok.mp4", "--out", ""], ("--out",)),
    (
        "landmarks_empty",
        _make_landmark_files,
        ["analyze", "--landmarks", "empty.npz", "--out", "o"],
        ("empty.npz", "empty"),
    ),
    (
        "landmarks_text",
        _make_landmark_files,
        ["analyze", "--landmarks", "notes.npz", "--out", "o"],
        ("notes.npz", "not a landmark file"),
    ),
    (
        "landmarks_npy",
        _make_landmark_files,
        ["analyze", "--landmarks", "array.npy", "--out", "o"],
        ("array.npy", "not a landmark file"),
    ),
    (
        "two_inputs",
        _make_configs,
        ["analyze", "ok.mp4", "--camera", "0", "--out", "o"],
        ("exactly one input",),
    ),
]
IDS = [c[0] for c in CASES]


@pytest.fixture(scope="module")
def failures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every case run once, each in its own folder."""
    out = {}
    for name, make, argv, _words in CASES:
        d = tmp_path_factory.mktemp(name)
        if make is not None:
            make(d)
        out[name] = run_cli(argv, d)
    return out


@pytest.mark.parametrize(("name", "words"), [(c[0], c[3]) for c in CASES], ids=IDS)
def test_unusable_input_exits_with_a_user_error_and_an_actionable_message(
    failures: dict[str, Outcome], name: str, words: tuple[str, ...]
) -> None:
    r = failures[name]
    # 2, not 70 (an internal error) or 0: these are all errors the user can fix
    assert r.returncode == EXIT_ERROR, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert r.shown, "nothing on stderr"
    last = r.shown[-1]
    assert last.startswith("posture: error: "), last
    for w in words:
        assert w in last, f"{w!r} not in {last!r}"


@pytest.mark.parametrize("name", IDS)
def test_unusable_input_prints_exactly_one_line_on_stderr(
    failures: dict[str, Outcome], name: str
) -> None:
    shown = failures[name].shown
    assert len(shown) == 1, shown


# --- a video that breaks halfway --------------------------------------------------------------
def _reencode_then_break(src: Path, dst: Path, keep: float = 0.6) -> int:
    """Re-encode ``src`` (H.264, index at the front so the header survives), then overwrite
    every byte after the first ``keep`` of the file with seeded random bytes. Returns the
    number of frames written."""
    n = 0
    with av.open(str(src)) as inp, av.open(str(dst), "w", options={"movflags": "faststart"}) as c:
        s = c.add_stream("libx264", rate=30)
        s.codec_context.time_base = Fraction(1, 30)
        s.options = {"preset": "ultrafast", "g": "10"}
        for frame in inp.decode(video=0):
            if n == 0:
                s.width, s.height, s.pix_fmt = frame.width, frame.height, "yuv420p"
            out = av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")
            out.pts, out.time_base = n, Fraction(1, 30)
            for packet in s.encode(out):
                c.mux(packet)
            n += 1
        for packet in s.encode(None):
            c.mux(packet)
    data = bytearray(dst.read_bytes())
    start = int(len(data) * keep)
    data[start:] = random.Random(0).randbytes(len(data) - start)
    dst.write_bytes(bytes(data))
    return n


@pytest.mark.media
@pytest.mark.slow
def test_video_broken_halfway_is_analysed_up_to_the_break_with_a_warning(tmp_path: Path) -> None:
    if not FLOOR_LIFT.is_file():
        pytest.skip(f"real clip not found: {FLOOR_LIFT.resolve()} (needs ../shared/media)")
    total = _reencode_then_break(FLOOR_LIFT, tmp_path / "broken.mp4")
    r = run_cli(["analyze", "broken.mp4", "--out", "o"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    out = tmp_path / "o"
    for name in ("frames.csv", "summary.json", "landmarks.npz", "annotated.mp4"):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    frames = summary["clip"]["frames"]
    assert 0 < frames < total, f"{frames} of {total} frames analysed"
    assert len(summary["warnings"]) == 1
    warning = summary["warnings"][0]
    assert "stopped decoding" in warning
    assert f"warning: {warning}" in r.shown
    with av.open(str(out / "annotated.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) == frames


# --- Ctrl-C and a reused output folder --------------------------------------------------------
@pytest.mark.media
@pytest.mark.slow
def test_ctrl_c_keeps_the_frames_analysed_and_exits_130(tmp_path: Path) -> None:
    import signal
    import time

    from posture.video.remux import loop_video

    one = FLOOR_LIFT.parent / "walking_upright_side.mp4"
    if not one.is_file():
        pytest.skip(f"real clip not found: {one} (needs ../shared/media)")
    # 160 s of video, so that the interruption comes while frames are analysed (the clip once,
    # 13 s, was sometimes analysed whole in the 8 s before it, and four times, 54 s, once the
    # pose model ran without its person mask)
    clip = tmp_path / "walking_x12.mp4"
    loop_video(one, clip, 12)
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "posture.cli",
            "analyze",
            str(clip),
            "--out",
            "o",
            "--no-video",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # Ctrl-C as a terminal delivers it, even when this test runs where it is ignored (a
        # shell's background job ignores SIGINT, and its children inherit that)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    time.sleep(8)  # usually: the model loaded and some frames analysed (the video: ~20 s)
    p.send_signal(signal.SIGINT)
    _out, err = p.communicate(timeout=120)
    if p.returncode == 0 and b"interrupted" not in err:
        pytest.skip("the machine analysed the whole clip before the interruption")
    assert p.returncode == 130, err.decode()
    assert b"Traceback" not in err
    summary = tmp_path / "o" / "summary.json"
    if not summary.exists():  # a slow machine: stopped while the model was still loading
        assert err.decode().strip().splitlines()[-1] == "posture: interrupted"
        return
    s = json.loads(summary.read_text())
    assert s["clip"]["frames"] > 0
    assert any(w.startswith("interrupted after") for w in s["warnings"])


def test_a_run_without_video_removes_an_earlier_runs_video(tmp_path: Path) -> None:
    demo = Path(__file__).resolve().parent.parent / "sample_videos" / "demo_landmarks.npz"
    for extra in ([], ["--no-video"]):
        r = run_cli(["analyze", "--landmarks", str(demo), "--out", "o", *extra], tmp_path)
        assert r.returncode == 0, r.stderr
        assert (tmp_path / "o" / "annotated.mp4").exists() == (not extra)
