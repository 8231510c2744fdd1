"""Pose backend: MediaPipe Tasks ``PoseLandmarker`` in video mode, several people per frame.

Model resolution, first match wins:

1. the path the user gives (``--model`` / ``pose.model``);
2. an official ``.task`` bundle dropped into a models folder (``$POSTURE_MODELS_DIR``,
   ``./models`` or the repository's ``models/``), preferring the configured variant
   (``pose_landmarker_{lite,full,heavy}.task``; any ``*.task`` otherwise);
3. a bundle built once, offline, from the BlazePose weights inside the installed mediapipe
   wheel (``pose_detection.tflite`` + ``pose_landmark_full.tflite``), with metadata written
   by mediapipe's own metadata writer, cached under ``$XDG_CACHE_HOME/posture`` (never in
   the repository).

Whichever it is, posture runs a copy of it without the part that only computes the person's
mask (:mod:`posture.video.prune`; the same landmarks for some 40 % less CPU), unless
``pose.skip_segmentation`` is off.

Preprocess -> infer -> postprocess: frames go in as RGB ``uint8`` arrays, people come out as
numpy arrays in the project's landmark convention (see ``posture.core.landmarks``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib.util
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posture.core.config import PoseSettings
from posture.core.errors import ModelError
from posture.core.landmarks import N_LANDMARKS
from posture.video.native_logs import native_stderr_hidden, quiet_environment
from posture.video.prune import lean_bundle

quiet_environment()  # before mediapipe is imported anywhere through this module

REPO_MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
OFFICIAL_NAMES = {
    "lite": "pose_landmarker_lite.task",
    "full": "pose_landmarker_full.task",
    "heavy": "pose_landmarker_heavy.task",
}
#: The wheel's BlazePose weights and the input normalisation each model expects:
#: detector input in [-1, 1] (mean 127.5, std 127.5), landmark model in [0, 1] (std 255).
WHEEL_MODELS = (
    ("pose_detector.tflite", "modules/pose_detection/pose_detection.tflite", 127.5, 127.5, 2),
    (
        "pose_landmarks_detector.tflite",
        "modules/pose_landmark/pose_landmark_full.tflite",
        0.0,
        255.0,
        5,
    ),
)


@dataclass(frozen=True)
class ModelInfo:
    """Which model file is used and where it came from (recorded in summary.json)."""

    path: Path  # the file loaded
    source: str  # "user", "official" or "built from the mediapipe wheel"
    name: str
    sha256: str  # of the file loaded
    #: the sha256 of the model file ``path`` was made from, its person mask pruned
    #: (:mod:`posture.video.prune`); empty: ``path`` is that file
    pruned_from: str = ""

    def as_dict(self) -> dict[str, str]:
        fields = {
            "path": str(self.path),
            "source": self.source,
            "name": self.name,
            "sha256": self.sha256,
        }
        if self.pruned_from:
            fields["pruned_from"] = self.pruned_from
            fields["segmentation"] = "pruned (the person mask is not computed)"
        return fields


@dataclass(frozen=True)
class DetectedPose:
    """One person in one frame: world ``(33, 3)`` m, image ``(33, 3)`` normalised,
    visibility ``(33,)``."""

    world_xyz_m: np.ndarray
    image_xyz: np.ndarray
    visibility: np.ndarray


def _sha256(path: Path) -> str:
    """The file's sha256, read once per process for a file unchanged since (its size and time
    of change the same): a model is resolved for every recording of a batch."""
    st = path.stat()
    return _sha256_of(str(path.resolve()), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _sha256_of(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def models_dirs() -> list[Path]:
    """Folders searched for official ``.task`` files, in order."""
    dirs = []
    env = os.environ.get("POSTURE_MODELS_DIR")
    if env:
        dirs.append(Path(env))
    dirs += [Path.cwd() / "models", REPO_MODELS_DIR]
    seen: list[Path] = []
    for d in dirs:
        if d.resolve() not in [s.resolve() for s in seen]:
            seen.append(d)
    return seen


def find_official_model(variant: str = "full") -> Path | None:
    """An official pose_landmarker ``.task`` in a models folder, preferring ``variant``."""
    order = [variant] + [v for v in ("full", "heavy", "lite") if v != variant]
    for d in models_dirs():
        if not d.is_dir():
            continue
        for v in order:
            p = d / OFFICIAL_NAMES[v]
            if p.is_file():
                return p
        others = sorted(d.glob("*.task"))
        if others:
            return others[0]
    return None


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "posture"


def build_bundle_from_wheel(dest_dir: Path | None = None) -> Path:
    """Build (once) a PoseLandmarker ``.task`` from the weights inside the mediapipe wheel.

    The cached file name carries a hash of the source weights, so a different mediapipe
    build gets its own bundle. Raises :class:`ModelError` when the weights are missing.
    """
    # found without importing mediapipe: a bundle built before costs no import of its writers
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or spec.origin is None:  # pragma: no cover - a hard dependency
        raise ModelError("mediapipe is not installed")
    mp_dir = Path(spec.origin).parent
    sources = [
        (name, mp_dir / rel, mean, std, n_out) for name, rel, mean, std, n_out in WHEEL_MODELS
    ]
    missing = [str(p) for _, p, *_ in sources if not p.is_file()]
    if missing:
        raise ModelError(
            "the installed mediapipe has no BlazePose weights (" + ", ".join(missing) + "); "
            "install mediapipe==0.10.21 or put an official pose_landmarker_full.task in models/"
        )
    digest = hashlib.sha256(b"".join(p.read_bytes() for _, p, *_ in sources)).hexdigest()[:12]
    out_dir = dest_dir or cache_dir()
    out = out_dir / f"pose_landmarker_wheel_full_{digest}.task"
    if out.is_file():
        return out
    try:
        import mediapipe

        mediapipe_tasks()
        from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer as mw
        from mediapipe.tasks.python.metadata.metadata_writers import (
            model_asset_bundle_utils as bundle_utils,
        )
    except ImportError as exc:  # pragma: no cover - mediapipe is a hard dependency
        raise ModelError(f"mediapipe is not installed correctly ({exc})") from exc
    parts: dict[str, bytes] = {}
    for name, path, mean, std, n_out in sources:
        writer = mw.MetadataWriter.create(bytearray(path.read_bytes()))
        writer.add_general_info(name, f"BlazePose {name} from mediapipe {mediapipe.__version__}")
        writer.add_image_input(norm_mean=[mean], norm_std=[std])
        for _ in range(n_out):
            writer.add_feature_output()
        model_bytes, _ = writer.populate()
        parts[name] = bytes(model_bytes)
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".task.tmp")
    os.close(fd)
    try:
        bundle_utils.create_model_asset_bundle(parts, tmp)
        os.replace(tmp, out)  # atomic: a concurrent run never sees half a bundle
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


def resolve_model(settings: PoseSettings) -> ModelInfo:
    """The model to use, following the order in the module docstring; with
    ``settings.skip_segmentation``, a copy of it without its person mask (:func:`lean_model`)."""
    found = _found_model(settings)
    return lean_model(found, settings) if settings.skip_segmentation else found


def lean_model(model: ModelInfo, settings: PoseSettings) -> ModelInfo:
    """``model`` with its landmark model's person mask pruned (:mod:`posture.video.prune`: the
    same landmarks, some 40 % less CPU a frame), made once and cached; ``model`` itself when
    it has no mask to prune, or the copy cannot be made or does not load."""

    def loads(path: Path) -> bool:
        try:
            copy = dataclasses.replace(model, path=path)
            _, landmarker = _landmarker(settings, copy, video=False)
        except ModelError:
            return False
        landmarker.close()
        return True

    try:
        with native_stderr_hidden():  # the bundle writer logs
            lean = lean_bundle(model.path, cache_dir(), loads, model.sha256)
    except Exception:  # no cache to write to, a bundle MediaPipe's writer refuses, ...: the
        lean = None  # pruning only saves time, so the model as it is, at its full cost
    if lean is None:
        return model
    return dataclasses.replace(model, path=lean, sha256=_sha256(lean), pruned_from=model.sha256)


def _found_model(settings: PoseSettings) -> ModelInfo:
    if settings.model:
        p = Path(settings.model).expanduser()
        if not p.is_file():
            raise ModelError(f"model file not found: {p}")
        return ModelInfo(p, "user", p.name, _sha256(p))
    official = find_official_model(settings.variant)
    if official is not None:
        return ModelInfo(official, "official", official.name, _sha256(official))
    with native_stderr_hidden():  # the metadata writer loads the models (and logs)
        built = build_bundle_from_wheel()
    return ModelInfo(
        built, "built from the mediapipe wheel", "blazepose_full (wheel)", _sha256(built)
    )


class PoseEstimator:
    """MediaPipe PoseLandmarker in video mode. Not thread-safe: one per stream.

    ``detect(rgb, t_ms)`` takes an RGB ``uint8`` array ``(H, W, 3)`` and a timestamp in
    milliseconds (made strictly increasing here, as MediaPipe requires) and returns the people
    found, in the order MediaPipe gives them.
    """

    def __init__(self, settings: PoseSettings, model: ModelInfo | None = None) -> None:
        self.settings = settings
        self.model = model or resolve_model(settings)
        self._mp, self._landmarker = _landmarker(settings, self.model, video=True)
        self._last_ms = -1
        self._seen_pose = False

    def detect(self, rgb: np.ndarray, t_ms: int) -> list[DetectedPose]:
        ms = max(int(t_ms), self._last_ms + 1)
        self._last_ms = ms
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)
        )
        # the graph logs its own lines until its landmark stage has run once (the XNNPACK
        # delegate, the feedback manager, NORM_RECT): until a first pose is found
        with native_stderr_hidden(not self._seen_pose):
            result = self._landmarker.detect_for_video(image, ms)
        self._seen_pose = self._seen_pose or bool(result.pose_landmarks)
        return [
            _to_arrays(w, i)
            for w, i in zip(result.pose_world_landmarks, result.pose_landmarks, strict=True)
        ]

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FollowingLandmarker:
    """MediaPipe's one-person video graph: its person detector finds someone, then the landmark
    model alone follows them from frame to frame (each frame's region comes from the previous
    frame's landmarks) until it loses them; then the detector runs again. Not thread-safe.

    ``detect(rgb, t_ms, window)`` with a ``window`` (pixels ``(x0, y0, x1, y1)``) shows the
    model only that part of the frame, the rest black, at the frame's own size: the detector
    then finds the person there, and later frames, shown whole, keep following them in the same
    coordinates. ``reset()`` forgets whom it follows; ``restart()`` readies it for another stream.
    """

    def __init__(self, settings: PoseSettings, model: ModelInfo) -> None:
        self.settings, self.model = settings, model
        self._one = dataclasses.replace(settings, num_poses=1)
        self._mp, self._landmarker = _landmarker(self._one, model, video=True)
        self._last_ms = -1
        self._seen_pose = False
        self._stale = False  # another stream's graph: built afresh before the next frame

    def detect(self, rgb: np.ndarray, t_ms: int, window: Crop | None = None) -> DetectedPose | None:
        if window is not None:
            x0, y0, x1, y1 = window
            shown = np.zeros_like(rgb)
            shown[y0:y1, x0:x1] = rgb[y0:y1, x0:x1]
            rgb = shown
        result = self._detect(rgb, t_ms)
        if not result.pose_landmarks:
            return None
        return _to_arrays(result.pose_world_landmarks[0], result.pose_landmarks[0])

    def _detect(self, rgb: np.ndarray, t_ms: int) -> Any:
        if self._stale:
            self._landmarker.close()
            self._mp, self._landmarker = _landmarker(self._one, self.model, video=True)
            self._last_ms = -1
            self._seen_pose = self._stale = False
        ms = max(int(t_ms), self._last_ms + 1)
        self._last_ms = ms
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)
        )
        with native_stderr_hidden(not self._seen_pose):  # as PoseEstimator.detect
            result = self._landmarker.detect_for_video(image, ms)
        self._seen_pose = self._seen_pose or bool(result.pose_landmarks)
        return result

    def reset(self) -> None:
        """Forget the person followed: an empty picture makes the graph lose them, and its
        state is then close to a fresh landmarker's (not exactly: see :meth:`restart`)."""
        self._detect(_BLANK, self._last_ms + 1)

    def restart(self) -> None:
        """Ready for another stream: the graph is built afresh before its first frame (when
        it is used again, so a graph used once costs nothing more). A graph only reset (an
        empty picture) was not quite a fresh one: a recording analysed after others in one
        process followed the seated worker through at least 24 of the hand-over's 29 frames,
        through 21 in a fresh process, so results depended on what the process did before."""
        self._stale = True

    def close(self) -> None:
        self._landmarker.close()


#: A picture with nobody in it (see FollowingLandmarker.reset).
_BLANK = np.zeros((64, 64, 3), np.uint8)


class PeopleSearch:
    """Everyone in one picture (person detector, then the landmark model on each person found),
    with no memory of earlier frames: up to ``settings.num_poses`` people."""

    def __init__(self, settings: PoseSettings, model: ModelInfo) -> None:
        self.settings, self.model = settings, model
        self._mp, self._landmarker = _landmarker(settings, model, video=False, many=True)
        self._seen_pose = False

    def detect(self, rgb: np.ndarray) -> list[DetectedPose]:
        image = self._mp.Image(
            image_format=self._mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)
        )
        with native_stderr_hidden(not self._seen_pose):  # as PoseEstimator.detect
            result = self._landmarker.detect(image)
        self._seen_pose = self._seen_pose or bool(result.pose_landmarks)
        return [
            _to_arrays(w, i)
            for w, i in zip(result.pose_world_landmarks, result.pose_landmarks, strict=True)
        ]

    def close(self) -> None:
        self._landmarker.close()


# --- threads ---------------------------------------------------------------------------------
#: ``pose.model_threads`` = 0 gives a model at most this many threads: the landmark model is
#: small, and its layers gain little from more.
MAX_AUTO_THREADS = 4
_models_at_once = 1  # pose models this machine runs side by side (see share_cores)


#: From the final stages on, blocks of at least this many bytes are mapped on their own, and
#: given back to the system when freed. glibc raises its threshold to the size of each mapped
#: block freed (up to 32 MB): once a 21 MB array was freed, a 30-minute recording's columns
#: below that size came from its heap, where the holes they left stayed counted (+20 MB of
#: peak memory). 8 MB keeps a 1080p picture on the heap (reused from frame to frame).
MMAP_THRESHOLD = 8 << 20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter (malloc.h)


#: While a recording's people are joined and analysed, blocks of at least this many bytes are
#: mapped on their own: the final analysis makes many columns of one number a frame (433 KB for
#: 30 minutes at 30 frames a second), and those it frees between those it keeps left holes in
#: the heap that stayed counted: 1.7 KB a frame, the main process' memory after the final
#: analysis of the squat clip looped to 10 minutes 337 MB with :data:`MMAP_THRESHOLD`, 311 MB
#: with this (set for all the final stages then). The pictures drawn after it keep
#: :data:`MMAP_THRESHOLD`.
COLUMNS_MMAP_THRESHOLD = 128 << 10


def memory_back_to_system() -> None:
    """Before the final stages: give the memory freed by closed pose graphs back to the system
    (the C allocator keeps it for later otherwise: some 130 MB of a graph's buffers) and fix
    the allocator's threshold (:data:`MMAP_THRESHOLD`). Linux with glibc; nothing elsewhere."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.malloc_trim(0)


@contextlib.contextmanager
def columns_on_their_own() -> Iterator[None]:
    """Within: blocks of :data:`COLUMNS_MMAP_THRESHOLD` or more mapped on their own (a
    recording's final analysis); after: :data:`MMAP_THRESHOLD`."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, COLUMNS_MMAP_THRESHOLD)
    try:
        yield
    finally:
        if libc is not None:
            libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def _glibc() -> Any:
    """The C library, when it is glibc on Linux (``mallopt``, ``malloc_trim``); else None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def usable_cores() -> int:
    """The machine's cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return max(os.cpu_count() or 1, 1)


def share_cores(models: int) -> None:
    """From now on, ``models`` pose models run side by side on this machine (a recording's
    segments on a pool of processes, each with its own): a graph made with
    ``pose.model_threads`` = 0 takes an equal share of the cores (see :func:`with_threads`).
    ``share_cores(1)`` when the pool is gone.

    With several models every core has one: OpenCV (colour conversion, drawing) computes on
    the calling thread alone meanwhile, as its threads would only add their overhead (half as
    much CPU again for the same picture)."""
    import cv2

    global _models_at_once
    _models_at_once = max(1, models)
    cv2.setNumThreads(1 if _models_at_once > 1 else -1)


def cores_each() -> int:
    """The cores each of the processes now sharing this machine may keep busy (all of them
    when no pose models run side by side, see :func:`share_cores`)."""
    return max(1, usable_cores() // _models_at_once)


def with_threads(settings: PoseSettings, *, beside: int = 0) -> PoseSettings:
    """``settings`` with the threads of each model decided: ``model_threads`` as set, or (0)
    the cores shared among the models running side by side and ``beside`` threads kept busy
    beside them (a live camera's analysis and drawing), 1 to ``MAX_AUTO_THREADS``. MediaPipe's
    own graphs compute on one thread; XNNPACK splits each layer among the threads and gives
    the same landmarks with any number of them."""
    if settings.model_threads > 0:
        return settings
    share = usable_cores() // (_models_at_once + beside)
    threads = max(1, min(MAX_AUTO_THREADS, share))
    return dataclasses.replace(settings, model_threads=threads)


def _base_options(path: Path, threads: int) -> Any:
    """MediaPipe's ``BaseOptions`` for ``path``, its model computed by XNNPACK on ``threads``
    threads (the Python API has no setting for it: the options' proto carries it)."""
    from mediapipe.calculators.tensor import inference_calculator_pb2
    from mediapipe.tasks.cc.core.proto import acceleration_pb2
    from mediapipe.tasks.python import BaseOptions

    xnnpack = inference_calculator_pb2.InferenceCalculatorOptions.Delegate.Xnnpack

    @dataclass
    class Threaded(BaseOptions):
        def to_pb2(self) -> Any:
            proto = super().to_pb2()
            proto.acceleration.CopyFrom(
                acceleration_pb2.Acceleration(xnnpack=xnnpack(num_threads=threads))
            )
            return proto

    return Threaded(model_asset_path=str(path))


def _landmarker(
    settings: PoseSettings, model: ModelInfo, *, video: bool, many: bool = False
) -> tuple[Any, Any]:
    """(the mediapipe module, a PoseLandmarker): video mode with ``settings.num_poses``, or
    image mode for one person (``many``: for ``settings.num_poses``). Its native log lines are
    hidden (see :mod:`posture.video.native_logs`)."""
    with native_stderr_hidden():
        return _create_landmarker(settings, model, video=video, many=many)


def mediapipe_tasks() -> None:
    """Import ``mediapipe.tasks.python`` without holding on to whatever imported it.

    It imports mediapipe's audio module, which keeps the error of its optional sound library
    (``sd_error``: no PortAudio here) with its traceback, and with it every frame of the call
    that imported mediapipe first and their locals, for the life of the process: a segment's
    tracker and its pictures, a live session's frame. Those tracebacks are let go."""
    importlib.import_module("mediapipe.tasks.python")
    audio = sys.modules.get("mediapipe.tasks.python.audio.core.audio_record")
    err, seen = getattr(audio, "sd_error", None), set()
    while isinstance(err, BaseException) and id(err) not in seen:
        seen.add(id(err))
        err.__traceback__ = None
        err = err.__cause__ or err.__context__


def _create_landmarker(
    settings: PoseSettings, model: ModelInfo, *, video: bool, many: bool = False
) -> tuple[Any, Any]:
    mediapipe_tasks()
    import mediapipe as mp
    from mediapipe.tasks.python import vision

    opts = vision.PoseLandmarkerOptions(
        base_options=_base_options(model.path, with_threads(settings).model_threads),
        running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
        num_poses=settings.num_poses if video or many else 1,
        min_pose_detection_confidence=settings.min_detection_confidence,
        min_pose_presence_confidence=settings.min_presence_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
    )
    try:
        return mp, vision.PoseLandmarker.create_from_options(opts)
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"cannot load pose model {model.path}: {exc}") from exc


#: A crop (pixels) ``(x0, y0, x1, y1)``.
Crop = tuple[int, int, int, int]


def crop_around(
    box: np.ndarray, size: tuple[int, int], scale: float = 1.5, min_inside: float = 0.9
) -> Crop | None:
    """The square of pixels around a person's normalised box ``(x0, y0, x1, y1)``, its side
    ``scale`` times the box's longer side, clipped to the frame (the pose model takes any
    shape); None when less than ``min_inside`` of the person's box lies in the frame (a
    person leaving the picture: a second look is for people lost inside it) or the square is
    too small for the pose model (under 32 px).
    """
    w, h = size
    if not np.isfinite(box).all():
        return None
    bx0, by0, bx1, by1 = (float(v) for v in np.asarray(box) * np.array([w, h, w, h]))
    area = (bx1 - bx0) * (by1 - by0)
    inside = max(0.0, min(bx1, w) - max(bx0, 0)) * max(0.0, min(by1, h) - max(by0, 0))
    if area <= 0 or inside < min_inside * area:
        return None
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    side = scale * max(bx1 - bx0, by1 - by0)
    x0, y0 = max(round(cx - side / 2), 0), max(round(cy - side / 2), 0)
    x1, y1 = min(round(cx + side / 2), w), min(round(cy + side / 2), h)
    if side < 32 or x1 - x0 < 16 or y1 - y0 < 16:
        return None
    return x0, y0, x1, y1


def from_crop(pose: DetectedPose, crop: Crop, size: tuple[int, int]) -> DetectedPose:
    """A pose found in ``crop`` in the whole frame's normalised image coordinates (``z`` is in
    units of the image width, like ``x``); world landmarks and visibility are unchanged."""
    w, h = size
    x0, y0, x1, y1 = crop
    cw, ch = x1 - x0, y1 - y0
    image = pose.image_xyz.astype(np.float64)
    image = np.stack(
        [(x0 + image[:, 0] * cw) / w, (y0 + image[:, 1] * ch) / h, image[:, 2] * cw / w], axis=1
    )
    return DetectedPose(pose.world_xyz_m, image.astype(np.float32), pose.visibility)


class CropPoseEstimator:
    """A second look: the one person in a part of the frame, by its own PoseLandmarker in image
    mode (no state shared with the video stream's). For a person the video-mode model lost
    for a moment, e.g. while two people overlap."""

    def __init__(self, settings: PoseSettings, model: ModelInfo) -> None:
        self.settings, self.model = settings, model
        self._mp: Any = None
        self._landmarker: Any = None  # loaded at the first look: most clips never need one
        self._seen_pose = False

    def detect(self, rgb: np.ndarray, crop: Crop) -> DetectedPose | None:
        if self._landmarker is None:
            self._mp, self._landmarker = _landmarker(self.settings, self.model, video=False)
        x0, y0, x1, y1 = crop
        part = np.ascontiguousarray(rgb[y0:y1, x0:x1])
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=part)
        with native_stderr_hidden(not self._seen_pose):  # as PoseEstimator.detect
            result = self._landmarker.detect(image)
        self._seen_pose = self._seen_pose or bool(result.pose_landmarks)
        if not result.pose_landmarks:
            return None
        pose = _to_arrays(result.pose_world_landmarks[0], result.pose_landmarks[0])
        return from_crop(pose, crop, (rgb.shape[1], rgb.shape[0]))

    def close(self) -> None:
        if self._landmarker is not None:
            self._landmarker.close()
            self._landmarker = None


def _to_arrays(world: list[Any], image: list[Any]) -> DetectedPose:
    w = np.array([(p.x, p.y, p.z) for p in world], dtype=np.float32)
    i = np.array([(p.x, p.y, p.z) for p in image], dtype=np.float32)
    v = np.array(
        [p.visibility if p.visibility is not None else np.nan for p in image], dtype=np.float32
    )
    if w.shape != (N_LANDMARKS, 3):  # pragma: no cover - guards a future model change
        raise ModelError(f"pose model returned {w.shape[0]} landmarks, expected {N_LANDMARKS}")
    return DetectedPose(w, i, v)
