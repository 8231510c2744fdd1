"""Integration fixtures: the real pose model on the real clips in ``../shared/media``.

Every clip runs through ``posture analyze`` (in-process, ``posture.cli.main``) at most once per
test session for each set of options, and the tests read what it wrote. Runs are made lazily,
the first time a test asks for them, and ``--no-video`` is the default: only the tests of the
annotated video ask for it (it doubles the cost of a run).

Re-scoring a run's ``landmarks.npz`` with other options (``--person``, ``--load-kg``) gives
the same analysis as running the video again with those options, without the pose model;
``test_outputs.py`` pins that equivalence, so the tests here use it to stay fast.

Without ``../shared`` (the real clips are not in the repository) every test that needs a clip
is skipped, saying where the clips were looked for.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from posture.cli import commands as cli
from posture.core.landmarks import LM, PoseRecording, load_npz

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO / ".." / "shared"
MEDIA = SHARED / "media"
VIDEO_SUFFIXES = (".mp4", ".mov", ".webm", ".mkv", ".avi")

#: The clips of MANIFEST.md, used for test ids when the folder is absent (the tests then skip).
KNOWN_CLIPS = (
    "bodyweight_squats_side",
    "floor_lift_knees_bent_side",
    "hip_hinge_straight_knees_side",
    "seated_twist_heavy_box_front",
    "seated_twist_light_box_front",
    "static_upright_rear_oblique",
    "static_upright_tilted_camera",
    "two_people_outdoor_backlight",
    "walking_upright_side",
)
SEATED_CLIPS = ("seated_twist_light_box_front", "seated_twist_heavy_box_front")
TORSO = [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER, LM.LEFT_HIP, LM.RIGHT_HIP]


def seated() -> list[str]:
    """SEATED_CLIPS as parameters."""
    return list(SEATED_CLIPS)


def all_clips() -> list[str]:
    """Every video in ../shared/media (the MANIFEST list when the folder is absent)."""
    if not MEDIA.is_dir():
        return list(KNOWN_CLIPS)
    return sorted(p.stem for p in MEDIA.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)


def clip_path(name: str) -> Path:
    for p in sorted(MEDIA.glob(f"{name}.*")):
        if p.suffix.lower() in VIDEO_SUFFIXES:
            return p
    pytest.fail(f"clip {name!r} is not in {MEDIA.resolve()}")


def _torso_centre(image_xyz: np.ndarray) -> np.ndarray:
    """``(T, 2)`` mean of the torso landmarks seen; NaN in frames where none is."""
    pts = image_xyz[:, TORSO, :2].astype(np.float64)
    seen = np.isfinite(pts)
    with np.errstate(invalid="ignore"):
        return np.where(seen, pts, 0.0).sum(axis=1) / seen.sum(axis=1)


def _num(text: str) -> float:
    return float(text) if text != "" else float("nan")


@dataclass
class Run:
    """One finished ``posture analyze`` run and readers for what it wrote."""

    label: str
    argv: list[str]
    out: Path
    seconds: float
    stdout: str = field(default="", repr=False)

    @cached_property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.out / "summary.json").read_text(encoding="utf-8"))

    @cached_property
    def frames(self) -> dict[str, np.ndarray]:
        """frames.csv as columns of text (empty text where the file has no value)."""
        with (self.out / "frames.csv").open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            names = list(reader.fieldnames or [])
        return {k: np.array([r[k] for r in rows], dtype=object) for k in names}

    def num(self, column: str) -> np.ndarray:
        """A frames.csv column as floats (NaN where empty)."""
        return np.array([_num(v) for v in self.frames[column]], dtype=np.float64)

    @cached_property
    def pose_found(self) -> np.ndarray:
        return self.num("pose_found") == 1

    @cached_property
    def lifts(self) -> list[dict[str, str]]:
        with (self.out / "lifts.csv").open(newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    @cached_property
    def recording(self) -> PoseRecording:
        return load_npz(self.out / "landmarks.npz")

    def torso_xy(self) -> dict[int, np.ndarray]:
        """Each tracked person's torso centre ``(T, 2)`` in normalised image coordinates
        (x 0 left .. 1 right, y 0 top .. 1 bottom; NaN where the person is absent)."""
        return {p.person_id: _torso_centre(p.image_xyz) for p in self.recording.people}

    def torso_x(self) -> dict[int, np.ndarray]:
        """Each tracked person's torso centre x per frame (NaN where absent)."""
        return {pid: xy[:, 0] for pid, xy in self.torso_xy().items()}


class Runs:
    """Session cache of pipeline runs, keyed by input and options."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[tuple[str, ...], Run] = {}

    def _run(self, key: tuple[str, ...], label: str, argv: list[str]) -> Run:
        if key in self._cache:
            return self._cache[key]
        out = self.root / f"{len(self._cache):02d}-{label}"
        full = ["analyze", *argv, "--out", str(out), "--quiet"]
        t0 = time.perf_counter()
        rc = cli.main(full)
        run = Run(label, full, out, time.perf_counter() - t0)
        assert rc == 0, f"posture {' '.join(full)} exited with {rc}"
        self._cache[key] = run
        return run

    def clip(self, name: str, *options: str, video: bool = False) -> Run:
        """``posture analyze <clip> [options]`` (``--no-video`` unless ``video``)."""
        opts = [*options] if video else [*options, "--no-video"]
        return self._run(("clip", name, *opts), name, [str(clip_path(name)), *opts])

    def live(self, name: str, *options: str) -> Run:
        """``posture live --replay <clip> --no-window --out DIR`` (every frame, in order): the
        live session's frames.csv, lifts.csv and summary.json."""
        key = ("live", name, *options)
        if key in self._cache:
            return self._cache[key]
        out = self.root / f"{len(self._cache):02d}-{name}-live"
        argv = ["live", "--replay", str(clip_path(name)), "--no-window", "--out", str(out)]
        t0 = time.perf_counter()
        rc = cli.main([*argv, *options])
        run = Run(f"{name}-live", argv, out, time.perf_counter() - t0)
        assert rc == 0, f"posture {' '.join(argv)} exited with {rc}"
        self._cache[key] = run
        return run

    def rescore(self, run: Run, *options: str) -> Run:
        """``posture analyze --landmarks <run>/landmarks.npz [options] --no-video``."""
        opts = [*options, "--no-video"]
        npz = str(run.out / "landmarks.npz")
        return self._run(("npz", npz, *opts), f"{run.label}-rescored", ["--landmarks", npz, *opts])


@pytest.fixture(scope="session")
def media() -> Path:
    """The folder of real clips; skips the test when it is absent."""
    if not MEDIA.is_dir():
        pytest.skip(
            f"real clips not found: {MEDIA.resolve()} does not exist (the integration tests "
            "need ../shared/media next to the repository; see its MANIFEST.md)"
        )
    return MEDIA


@pytest.fixture(scope="session")
def runs(media: Path, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory.mktemp("runs"))


def worker_and_helper(run: Run) -> tuple[int, int]:
    """The seated clips' people from summary.json: the worker is the track in the centre of
    the picture, the helper the one on the left."""
    people = run.summary["people"]
    assert len(people) == 2, f"expected two people tracked, got {people}"
    helper, worker = sorted(people, key=lambda p: p["mean_x"])
    return int(worker["person_id"]), int(helper["person_id"])
