"""The one landmark convention of the project, and its ``landmarks.npz`` file format.

A :class:`PoseSequence` is one person's pose over ``T`` frames (a single frame is ``T = 1``).
Arrays are NaN where nothing was seen: a frame without a pose is never dropped and never 0.

Axes (MediaPipe's, kept as they come out of the model so that nothing is silently re-oriented):

* ``world_xyz_m`` ``(T, 33, 3)`` float32, metres, origin at the mid-hip point.
  ``x`` to the image's right, ``y`` **down** the image, ``z`` away from the camera.
  These axes follow the camera, not gravity: a tilted camera tilts them (see ``posture.tilt``).
* ``image_xyz`` ``(T, 33, 3)`` float32, normalised image coordinates: ``x`` in [0, 1] from the
  left edge, ``y`` in [0, 1] from the top edge, ``z`` MediaPipe's relative depth (same scale as
  ``x``, smaller is nearer the camera). Absent (all NaN) when the pose came from motion capture.
* ``visibility`` ``(T, 33)`` float32 in [0, 1]: the model's belief the point is in view and not
  occluded. NaN when unknown (e.g. motion capture): treated as fully visible.
* ``t_s`` ``(T,)`` float64, seconds from the start of the clip (real timestamps, variable rate ok).
* ``frame_index`` ``(T,)`` int64, the source frame number of each row.
* ``image_size_px`` ``(2,)`` int, ``(width, height)`` of the frames (0, 0 when unknown).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import IntEnum
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from posture.core.errors import InputError

FloatArray = npt.NDArray[np.floating[Any]]
N_LANDMARKS = 33
NPZ_FORMAT_VERSION = 1


class LM(IntEnum):
    """MediaPipe's 33 pose landmarks. Index arrays by name, never by bare integers."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


#: Bones drawn for a skeleton, as pairs of landmarks.
SKELETON: tuple[tuple[LM, LM], ...] = (
    (LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER),
    (LM.LEFT_HIP, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.LEFT_HIP),
    (LM.RIGHT_SHOULDER, LM.RIGHT_HIP),
    (LM.LEFT_SHOULDER, LM.LEFT_ELBOW),
    (LM.LEFT_ELBOW, LM.LEFT_WRIST),
    (LM.RIGHT_SHOULDER, LM.RIGHT_ELBOW),
    (LM.RIGHT_ELBOW, LM.RIGHT_WRIST),
    (LM.LEFT_HIP, LM.LEFT_KNEE),
    (LM.LEFT_KNEE, LM.LEFT_ANKLE),
    (LM.RIGHT_HIP, LM.RIGHT_KNEE),
    (LM.RIGHT_KNEE, LM.RIGHT_ANKLE),
    (LM.LEFT_ANKLE, LM.LEFT_HEEL),
    (LM.LEFT_HEEL, LM.LEFT_FOOT_INDEX),
    (LM.LEFT_ANKLE, LM.LEFT_FOOT_INDEX),
    (LM.RIGHT_ANKLE, LM.RIGHT_HEEL),
    (LM.RIGHT_HEEL, LM.RIGHT_FOOT_INDEX),
    (LM.RIGHT_ANKLE, LM.RIGHT_FOOT_INDEX),
    (LM.LEFT_EAR, LM.LEFT_SHOULDER),
    (LM.RIGHT_EAR, LM.RIGHT_SHOULDER),
)

#: Mirror map: the same body point on the other side (used by left/right tests and asymmetry).
MIRROR: tuple[LM, ...] = tuple(
    LM[n.name.replace("LEFT", "TMP").replace("RIGHT", "LEFT").replace("TMP", "RIGHT")] for n in LM
)


def _check(name: str, arr: np.ndarray, shape: tuple[int | None, ...]) -> None:
    ok = arr.ndim == len(shape) and all(
        want is None or got == want for got, want in zip(arr.shape, shape, strict=True)
    )
    if not ok:
        want_s = "(" + ", ".join("T" if s is None else str(s) for s in shape) + ")"
        raise InputError(f"{name} must have shape {want_s}, got {arr.shape}")


@dataclass(frozen=True)
class PoseSequence:
    """One person's landmarks over ``T`` frames; see the module docstring for axes and units."""

    t_s: np.ndarray
    world_xyz_m: np.ndarray
    image_xyz: np.ndarray
    visibility: np.ndarray
    frame_index: np.ndarray
    image_size_px: tuple[int, int] = (0, 0)
    person_id: int = 0
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        t = np.asarray(self.t_s, dtype=np.float64)
        if t.ndim != 1:
            raise InputError(f"t_s must have shape (T,), got {t.shape}")
        n = t.shape[0]
        object.__setattr__(self, "t_s", t)
        for name, shape in (
            ("world_xyz_m", (n, N_LANDMARKS, 3)),
            ("image_xyz", (n, N_LANDMARKS, 3)),
            ("visibility", (n, N_LANDMARKS)),
        ):
            arr = np.asarray(getattr(self, name), dtype=np.float32)
            _check(name, arr, shape)
            object.__setattr__(self, name, arr)
        fi = np.asarray(self.frame_index, dtype=np.int64)
        _check("frame_index", fi, (n,))
        object.__setattr__(self, "frame_index", fi)
        if n > 1 and np.any(np.diff(t) <= 0):
            raise InputError("t_s must increase strictly from frame to frame")
        w, h = (int(v) for v in self.image_size_px)
        object.__setattr__(self, "image_size_px", (w, h))

    def __len__(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def n_frames(self) -> int:
        return len(self)

    @cached_property
    def pose_found(self) -> np.ndarray:
        """``(T,)`` bool: a pose was seen in the frame (any world or image landmark is finite).

        Computed once (read-only): drawing asks it frame by frame."""
        found = np.isfinite(self.world_xyz_m).any(axis=(1, 2)) | np.isfinite(self.image_xyz).any(
            axis=(1, 2)
        )
        found.setflags(write=False)
        return found

    @property
    def has_image(self) -> bool:
        """Whether image landmarks exist (False for motion capture fed as world landmarks)."""
        return bool(np.isfinite(self.image_xyz).any())

    @property
    def aspect(self) -> float:
        """Width / height of the frames, 1.0 when unknown."""
        w, h = self.image_size_px
        return w / h if w > 0 and h > 0 else 1.0

    def image_xy_px_scaled(self, landmarks: Sequence[int] | None = None) -> np.ndarray:
        """``(T, 33, 2)`` image coordinates with equal units on both axes (x scaled by aspect);
        ``landmarks``: of these only, in their order (a long recording's landmarks are not
        copied whole in float64 for a few of them).

        Normalised coordinates squash the longer side; angles measured in them would be wrong
        on non-square frames. Units are frame heights; ``y`` points down.
        """
        image = self.image_xyz if landmarks is None else self.image_xyz[:, list(landmarks)]
        xy = image[..., :2].astype(np.float64)  # a copy
        xy[..., 0] *= self.aspect
        return xy

    def slice(self, start: int, stop: int) -> PoseSequence:
        """Frames ``[start, stop)`` as a new sequence."""
        s = slice(start, stop)
        return replace(
            self,
            t_s=self.t_s[s],
            world_xyz_m=self.world_xyz_m[s],
            image_xyz=self.image_xyz[s],
            visibility=self.visibility[s],
            frame_index=self.frame_index[s],
        )

    @classmethod
    def empty(cls, t_s: np.ndarray, image_size_px: tuple[int, int] = (0, 0)) -> PoseSequence:
        """A sequence of ``len(t_s)`` frames with no pose at all (all NaN)."""
        n = len(t_s)
        nan3 = np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
        return cls(
            t_s=np.asarray(t_s, dtype=np.float64),
            world_xyz_m=nan3,
            image_xyz=nan3.copy(),
            visibility=np.full((n, N_LANDMARKS), np.nan, dtype=np.float32),
            frame_index=np.arange(n, dtype=np.int64),
            image_size_px=image_size_px,
        )

    @classmethod
    def from_world(
        cls, world_xyz_m: np.ndarray, t_s: np.ndarray, *, image_xyz: np.ndarray | None = None
    ) -> PoseSequence:
        """A sequence from world landmarks alone (motion capture, synthetic poses)."""
        w = np.asarray(world_xyz_m, dtype=np.float32)
        if w.ndim == 2:
            w = w[None]
        n = w.shape[0]
        img = (
            np.full((n, N_LANDMARKS, 3), np.nan, dtype=np.float32)
            if image_xyz is None
            else np.asarray(image_xyz, dtype=np.float32)
        )
        return cls(
            t_s=np.asarray(t_s, dtype=np.float64),
            world_xyz_m=w,
            image_xyz=img,
            visibility=np.full((n, N_LANDMARKS), np.nan, dtype=np.float32),
            frame_index=np.arange(n, dtype=np.int64),
        )


@dataclass(frozen=True)
class PoseRecording:
    """All tracked people of one clip: one :class:`PoseSequence` per person, same timeline."""

    people: tuple[PoseSequence, ...]
    subject_id: int
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.people:
            raise InputError("a recording needs at least one person track")
        t0 = self.people[0].t_s
        for p in self.people[1:]:
            if p.t_s.shape != t0.shape or not np.array_equal(p.t_s, t0):
                raise InputError("all person tracks of a recording must share one timeline")
        if self.subject_id not in self.person_ids:
            raise InputError(
                f"subject {self.subject_id} is not among the tracked people {self.person_ids}"
            )

    @property
    def person_ids(self) -> list[int]:
        return [p.person_id for p in self.people]

    @property
    def subject(self) -> PoseSequence:
        return self.person(self.subject_id)

    def person(self, person_id: int) -> PoseSequence:
        for p in self.people:
            if p.person_id == person_id:
                return p
        raise InputError(
            f"no person {person_id} in this clip; the people tracked are {self.person_ids}"
        )

    def with_subject(self, person_id: int) -> PoseRecording:
        self.person(person_id)
        return replace(self, subject_id=person_id)


# ---------------------------------------------------------------------------------------------
# landmarks.npz
# ---------------------------------------------------------------------------------------------
NPZ_KEYS = {
    "format_version": "int, the version of this layout (1)",
    "t_s": "(T,) float64 seconds",
    "frame_index": "(T,) int64 source frame numbers (optional)",
    "world_xyz_m": "(P, T, 33, 3) or (T, 33, 3) float32 metres (required)",
    "image_xyz": "(P, T, 33, 3) or (T, 33, 3) float32 normalised (optional)",
    "visibility": "(P, T, 33) or (T, 33) float32 0..1 (optional)",
    "person_ids": "(P,) int64 track ids (optional, default 0..P-1)",
    "subject_id": "int, the track analysed (optional, default the first)",
    "image_size_px": "(2,) int64 width, height (optional)",
    "meta_json": "str, JSON: source file, fps, model and settings (optional)",
}


def save_npz(path: str | Path, rec: PoseRecording) -> None:
    """Write a recording as ``landmarks.npz`` (all people, person axis first). The people's
    arrays are written one after another, a part at a time, straight into the compressed
    file: a long recording's landmarks are never copied whole (``np.savez_compressed`` would
    stack them, then copy them again as it writes)."""
    people = rec.people
    meta = dict(rec.meta)
    # each entry's consecutive pieces; the people's arrays stacked along a first axis
    entries: dict[str, list[Any]] = {
        "format_version": [np.int64(NPZ_FORMAT_VERSION)],
        "t_s": [people[0].t_s],
        "frame_index": [people[0].frame_index],
        **{name: [getattr(p, name) for p in people] for name in _PER_PERSON},
        "person_ids": [np.array([p.person_id for p in people], dtype=np.int64)],
        "subject_id": [np.int64(rec.subject_id)],
        "image_size_px": [np.array(people[0].image_size_px, dtype=np.int64)],
        "meta_json": [np.array(json.dumps(meta, default=str))],
    }
    with zipfile.ZipFile(Path(path), "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, parts in entries.items():
            _npy_entry(zf, name, parts, stacked=name in _PER_PERSON)


#: The arrays of landmarks.npz with a person axis first.
_PER_PERSON = ("world_xyz_m", "image_xyz", "visibility")


#: Frames of one array written to landmarks.npz at a time.
_NPZ_ROWS = 4096


def _npy_entry(zf: zipfile.ZipFile, name: str, parts: Sequence[Any], *, stacked: bool) -> None:
    """One ``name.npy`` in ``zf``: ``parts`` stacked along a new first axis (``stacked``) or
    the one array ``parts[0]``, written ``_NPZ_ROWS`` rows at a time."""
    arrays = [np.asarray(part) for part in parts]
    dtype = np.result_type(*arrays)
    shape = (len(arrays), *arrays[0].shape) if stacked else arrays[0].shape
    header = {
        "descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
        "fortran_order": False,
        "shape": tuple(int(d) for d in shape),
    }
    with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
        np.lib.format.write_array_header_1_0(f, header)
        for part in arrays:
            arr = part.astype(dtype, copy=False)
            if arr.ndim == 0:
                f.write(arr.tobytes())
                continue
            for a in range(0, max(len(arr), 1), _NPZ_ROWS):
                f.write(np.ascontiguousarray(arr[a : a + _NPZ_ROWS]).tobytes())


def _with_person_axis(arr: np.ndarray, per_frame_ndim: int) -> np.ndarray:
    return arr[None] if arr.ndim == per_frame_ndim + 1 else arr


def load_npz(path: str | Path) -> PoseRecording:
    """Read ``landmarks.npz`` written by :func:`save_npz` or by hand (see ``NPZ_KEYS``).

    Only ``world_xyz_m`` is required; ``t_s`` defaults to 30 fps, image landmarks and
    visibility to unknown (NaN). Raises :class:`InputError` with a readable reason.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"landmark file not found: {p}")
    if p.stat().st_size == 0:
        raise InputError(f"{p} is empty (0 bytes), not a landmark file")
    try:
        loaded = np.load(p, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):  # a plain .npy array, not an archive
            raise ValueError("a single array")
        with loaded as z:
            data = {k: z[k] for k in z.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InputError(
            f"{p} is not a landmark file (an .npz archive as posture analyze writes: landmarks.npz)"
        ) from exc
    if "world_xyz_m" not in data:
        raise InputError(
            f"{p} has no 'world_xyz_m' array; keys found: {sorted(data)}. "
            "See the README, 'DIR/landmarks.npz — the landmark convention', for the layout."
        )
    world = _with_person_axis(np.asarray(data["world_xyz_m"], dtype=np.float32), 2)
    if world.ndim != 4 or world.shape[2:] != (N_LANDMARKS, 3):
        raise InputError(
            f"world_xyz_m must be (T, 33, 3) or (P, T, 33, 3), got {data['world_xyz_m'].shape}"
        )
    n_people, n = world.shape[:2]
    t_s = np.asarray(data.get("t_s", np.arange(n) / 30.0), dtype=np.float64)
    img = data.get("image_xyz")
    image = (
        np.full_like(world, np.nan)
        if img is None
        else _with_person_axis(np.asarray(img, dtype=np.float32), 2)
    )
    vis = data.get("visibility")
    visibility = (
        np.full(world.shape[:3], np.nan, dtype=np.float32)
        if vis is None
        else _with_person_axis(np.asarray(vis, dtype=np.float32), 1)
    )
    if image.shape != world.shape or visibility.shape != world.shape[:3]:
        raise InputError(
            f"image_xyz {image.shape} / visibility {visibility.shape} do not match "
            f"world_xyz_m {world.shape}"
        )
    ids = np.asarray(data.get("person_ids", np.arange(n_people)), dtype=np.int64)
    frame_index = np.asarray(data.get("frame_index", np.arange(n)), dtype=np.int64)
    size_arr = np.asarray(data.get("image_size_px", (0, 0))).astype(int).ravel()
    size = (int(size_arr[0]), int(size_arr[1])) if size_arr.size == 2 else (0, 0)
    meta: dict[str, Any] = {}
    if "meta_json" in data:
        try:
            meta = json.loads(str(data["meta_json"]))
        except json.JSONDecodeError:
            meta = {}
    people = tuple(
        PoseSequence(
            t_s=t_s,
            world_xyz_m=world[i],
            image_xyz=image[i],
            visibility=visibility[i],
            frame_index=frame_index,
            image_size_px=size,
            person_id=int(ids[i]),
        )
        for i in range(n_people)
    )
    subject = int(data["subject_id"]) if "subject_id" in data else int(ids[0])
    return PoseRecording(people=people, subject_id=subject, meta=meta)
