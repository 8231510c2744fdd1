"""Motion-capture ground truth: MOPED25 skin markers -> joint centres -> MediaPipe's 33 landmarks.

The trial (MOPED25, human-systems-ise-ncsu/MOPED25, Apache-2.0; subject 07, task 09, trial 01)
is read from ``../shared/mocap`` (never copied into the repository). Its markers follow the ISB
names (Wu et al. 2002, J Biomech 35:543; Wu et al. 2005, J Biomech 38:981)::

    FH forehead            TP_R/L temples          C7, T8 spinous processes
    IJ incisura jugularis  PX xiphoid process      AC_R/L acromion (top of)
    EL_R/L, EM_R/L lateral / medial humeral epicondyle
    RS_R/L, US_R/L radial / ulnar styloid
    ASIS_R/L, PSIS_R/L anterior / posterior superior iliac spines
    LC_R/L, MC_R/L lateral / medial knee condyle (tibial condyle rim, ISB ankle paper)
    FE_R/L anterior knee marker (4-6 cm anterior of the LC-MC line; moves distally as the knee
           flexes, like the patella: not used for the knee centre)
    MM_R/L, LM_R/L medial / lateral malleolus
    CC_R/L calcaneus (back of the heel)   BT_R/L big toe     ID1, ID2 identification only

Lab axes: ``Y`` up (gravity), millimetres; converted to metres on load.

Joint centres (lab frame, metres, each ``(T, 3)``):

* hip: Harrington et al. 2007 (J Biomech 40:595) regression in the ISB pelvis frame
  (origin mid-ASIS; ``X`` anterior, in the plane of the ASISs and the mid-PSIS; ``Z`` to the
  right; ``Y = Z x X`` superior): ``X = -0.24 PD - 9.9 mm``, ``Y = -0.30 PW - 10.9 mm``,
  ``Z = +-(0.33 PW + 7.3 mm)``, ``PW`` the inter-ASIS distance, ``PD`` the mid-ASIS to mid-PSIS
  distance.
* knee: midpoint of LC and MC (ISB's inter-condylar point IC, Wu et al. 2002).
* ankle: midpoint of LM and MM (ISB's inter-malleolar point IM, Wu et al. 2002).
* shoulder (glenohumeral centre): acromion marker moved down the ISB thorax long axis
  (mid PX-T8 -> mid IJ-C7, Wu et al. 2005) by 17 % of the acromion to lateral-epicondyle
  distance (Rab, Petuskey & Bagley 2002, Gait Posture 15:113).
* elbow: midpoint of EL and EM (Wu et al. 2005). wrist: midpoint of RS and US (Wu et al. 2005).
* hand (MediaPipe's index, pinky, thumb are knuckle points): no hand markers exist, so they are
  extrapolated from the wrist along the forearm (elbow -> wrist) by half a hand length, hand
  length 0.108 x stature (Drillis & Contini 1966, as tabulated by Winter 2009, Biomechanics and
  Motor Control of Human Movement, Fig. 4.1), index on the radial and pinky on the ulnar side.
* heel: CC; foot index (toe tip): BT.
* head: rough approximations from FH and the temples (eyes 4 cm below FH, ears 4 cm below and
  4 cm behind the temples, nose 7 cm below FH, mouth 10 cm below FH). They only make the skeleton
  complete; no validated measure depends on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.io

from posture.core.errors import InputError
from posture.core.landmarks import LM, N_LANDMARKS

TRIAL = "sub07_09_01"
STANDING_S = 1.0  # the subject stands still for the first ~2 s; the first second is "quiet"
HAND_LENGTH_PER_STATURE = 0.108  # Drillis & Contini 1966 (Winter 2009, Fig. 4.1)
ACROMION_HEIGHT_PER_STATURE = 0.818  # idem: shoulder (acromion) height / stature
GH_OFFSET_PER_UPPER_ARM = 0.17  # Rab et al. 2002
_UP = np.array([0.0, 1.0, 0.0])


def default_shared_dir() -> Path:
    """``../shared`` next to the repository root (the checkout holding ``posture/``)."""
    return Path(__file__).resolve().parents[2] / ".." / "shared"


def default_mocap_dir() -> Path:
    return default_shared_dir() / "mocap"


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@dataclass(frozen=True)
class MocapTrial:
    """One marker trial in the lab frame: ``Y`` up, metres, ``t_s`` ``(T,)`` from 0.

    ``markers_m`` maps each marker name to a ``(T, 3)`` float64 array; ``box_m`` likewise for the
    box markers (empty when the box file is absent).
    """

    t_s: np.ndarray
    markers_m: dict[str, np.ndarray]
    box_m: dict[str, np.ndarray] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        n = self.t_s.shape[0]
        for group in (self.markers_m, self.box_m):
            for name, xyz in group.items():
                if xyz.shape != (n, 3):
                    raise InputError(f"marker {name} has shape {xyz.shape}, expected ({n}, 3)")

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.markers_m[name]
        except KeyError:
            raise InputError(
                f"marker {name!r} missing from {self.source}; found {sorted(self.markers_m)}"
            ) from None

    def mid(self, a: str, b: str) -> np.ndarray:
        """``(T, 3)`` midpoint of two markers."""
        return 0.5 * (self[a] + self[b])

    @property
    def n_frames(self) -> int:
        return int(self.t_s.shape[0])

    @property
    def standing(self) -> slice:
        """Frames of quiet standing at the start (the first :data:`STANDING_S` seconds)."""
        return slice(0, int(np.searchsorted(self.t_s, STANDING_S)))


def _read_markers(path: Path, key: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``(t_s, {name: (T, 3) metres})`` from one MOPED25 ``*_trc.mat`` file.

    The cell ``key`` holds frame numbers, a millisecond-rounded time column and ``(name, xyz)``
    pairs. Time is rebuilt from the frame numbers at the rate the time column implies (60 Hz).
    """
    try:
        cell = scipy.io.loadmat(path)[key]
        frames = np.asarray(cell[0, 0], dtype=np.int64).ravel()
        time_col = np.asarray(cell[1, 0], dtype=np.float64).ravel()
        markers = {
            str(np.asarray(name).ravel()[0]): np.asarray(xyz, dtype=np.float64) / 1000.0
            for name, xyz in cell[2, 0]
        }
    except (OSError, KeyError, IndexError, ValueError, TypeError) as exc:
        raise InputError(f"{path} is not a MOPED25 marker file with {key!r} ({exc})") from exc
    span = time_col[-1] - time_col[0] if time_col.size > 1 else 0.0
    rate_hz = round((time_col.size - 1) / span) if span > 0 else 60
    return (frames - frames[0]) / float(rate_hz), markers


def load_trial(mocap_dir: str | Path | None = None, trial: str = TRIAL) -> MocapTrial:
    """Read ``<trial>_trc.mat`` (and ``<trial>_box_trc.mat`` if present) from ``mocap_dir``.

    Raises :class:`InputError` if the file is missing or not in the MOPED25 layout.
    """
    folder = Path(mocap_dir) if mocap_dir is not None else default_mocap_dir()
    path = folder / f"{trial}_trc.mat"
    if not path.is_file():
        raise InputError(
            f"motion-capture file not found: {path} (expected the MOPED25 trial in ../shared/mocap)"
        )
    t_s, markers = _read_markers(path, "xyz_all")
    box_path = folder / f"{trial}_box_trc.mat"
    box = _read_markers(box_path, "box_xyz_all")[1] if box_path.is_file() else {}
    return MocapTrial(t_s=t_s, markers_m=markers, box_m=box, source=str(path))


def window_mask(t_s: np.ndarray, start_s: float, end_s: float | None = None) -> np.ndarray:
    """``(T,)`` bool: the frames from ``start_s`` to ``end_s`` (inclusive; ``None``: the end).

    Raises :class:`InputError` when the window holds fewer than two frames.
    """
    eps = 1e-6
    stop = np.inf if end_s is None else end_s + eps
    keep = (t_s >= start_s - eps) & (t_s <= stop)
    if keep.sum() < 2:
        raise InputError(f"the window {start_s}-{end_s} s holds fewer than two frames")
    return keep


def cut_trial(
    lab_xyz_m: np.ndarray, t_s: np.ndarray, start_s: float, end_s: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(landmarks, t_s)`` of the frames from ``start_s`` to ``end_s``, time restarting at 0.

    A clip cut to start in motion (e.g. from the bend): the tool sees no upright start.
    """
    keep = window_mask(t_s, start_s, end_s)
    return lab_xyz_m[keep], t_s[keep] - t_s[keep][0]


# ---------------------------------------------------------------------------------------------
# Body axes and joint centres
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BodyAxes:
    """The subject's own horizontal axes at quiet standing, unit ``(3,)`` lab vectors.

    ``forward x left = up``. ``left`` is the horizontal part of ASIS_R -> ASIS_L; ``forward``
    is ``left x up``, checked against the ASIS - PSIS direction.
    """

    forward: np.ndarray
    left: np.ndarray
    up: np.ndarray


def body_axes(trial: MocapTrial) -> BodyAxes:
    """The subject's forward / left / up directions from the pelvis at quiet standing."""
    q = trial.standing
    left = (trial["ASIS_L"][q] - trial["ASIS_R"][q]).mean(axis=0)
    left = _unit(left - left.dot(_UP) * _UP)
    forward = np.cross(left, _UP)
    pelvis_fw = (trial.mid("ASIS_R", "ASIS_L") - trial.mid("PSIS_R", "PSIS_L"))[q].mean(axis=0)
    if pelvis_fw.dot(forward) <= 0.5 * np.linalg.norm(pelvis_fw):
        raise InputError("ASIS/PSIS markers disagree with the ASIS line on the forward direction")
    return BodyAxes(forward=forward, left=left, up=_UP.copy())


def pelvis_frame(trial: MocapTrial) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ISB pelvis axes ``(X anterior, Y superior, Z right)``, each ``(T, 3)`` unit vectors."""
    z = _unit(trial["ASIS_R"] - trial["ASIS_L"])
    x = trial.mid("ASIS_R", "ASIS_L") - trial.mid("PSIS_R", "PSIS_L")
    x = _unit(x - np.sum(x * z, axis=1, keepdims=True) * z)
    return x, np.cross(z, x), z


def hip_joint_centres(trial: MocapTrial) -> tuple[np.ndarray, np.ndarray]:
    """``(left, right)`` hip joint centres ``(T, 3)`` m, Harrington et al. 2007 (see module)."""
    x, y, z = pelvis_frame(trial)
    origin = trial.mid("ASIS_R", "ASIS_L")
    pw = np.linalg.norm(trial["ASIS_R"] - trial["ASIS_L"], axis=1, keepdims=True)
    pd = np.linalg.norm(origin - trial.mid("PSIS_R", "PSIS_L"), axis=1, keepdims=True)
    base = origin + (-0.24 * pd - 0.0099) * x + (-0.30 * pw - 0.0109) * y
    lateral = (0.33 * pw + 0.0073) * z
    return base - lateral, base + lateral


def thorax_long_axis(trial: MocapTrial) -> np.ndarray:
    """ISB thorax ``Y`` axis (Wu et al. 2005): mid PX-T8 -> mid IJ-C7, ``(T, 3)`` unit."""
    return _unit(trial.mid("IJ", "C7") - trial.mid("PX", "T8"))


def shoulder_centre(trial: MocapTrial, side: str) -> np.ndarray:
    """Glenohumeral centre ``(T, 3)``: Rab et al. 2002 offset below the acromion (see module)."""
    ac = trial[f"AC_{side}"]
    upper_arm = np.linalg.norm(ac - trial[f"EL_{side}"], axis=1, keepdims=True)
    return ac - GH_OFFSET_PER_UPPER_ARM * upper_arm * thorax_long_axis(trial)


def stature_m(trial: MocapTrial) -> float:
    """Standing height estimated from the acromion height above the lab floor (``Y = 0``).

    Acromion height is 0.818 of stature (Drillis & Contini 1966, in Winter 2009). The lab floor
    is ``Y = 0``: the heel markers sit 4.4 cm above it and the box's bottom-edge markers 3.5-4.8
    cm, as markers on a heel and on a box side standing on that floor would.
    """
    q = trial.standing
    acromion = 0.5 * (trial["AC_R"][q, 1] + trial["AC_L"][q, 1]).mean()
    return float(acromion / ACROMION_HEIGHT_PER_STATURE)


# ---------------------------------------------------------------------------------------------
# The 33 landmarks
# ---------------------------------------------------------------------------------------------
def _head_points(trial: MocapTrial) -> dict[LM, np.ndarray]:
    """Approximate face points from FH and the temples (see the module docstring)."""
    left = _unit(trial["TP_L"] - trial["TP_R"])
    fw = trial["FH"] - trial.mid("TP_R", "TP_L")
    fw = _unit(fw - np.sum(fw * left, axis=1, keepdims=True) * left)
    up = np.cross(fw, left)
    fh = trial["FH"]
    eye_l, eye_r = fh - 0.04 * up + 0.032 * left, fh - 0.04 * up - 0.032 * left
    return {
        LM.NOSE: fh - 0.07 * up + 0.01 * fw,
        LM.LEFT_EYE: eye_l,
        LM.LEFT_EYE_INNER: eye_l - 0.015 * left,
        LM.LEFT_EYE_OUTER: eye_l + 0.015 * left,
        LM.RIGHT_EYE: eye_r,
        LM.RIGHT_EYE_INNER: eye_r + 0.015 * left,
        LM.RIGHT_EYE_OUTER: eye_r - 0.015 * left,
        LM.LEFT_EAR: trial["TP_L"] - 0.04 * up - 0.04 * fw,
        LM.RIGHT_EAR: trial["TP_R"] - 0.04 * up - 0.04 * fw,
        LM.MOUTH_LEFT: fh - 0.10 * up + 0.025 * left,
        LM.MOUTH_RIGHT: fh - 0.10 * up - 0.025 * left,
    }


def _arm_points(trial: MocapTrial, side: str, hand_len_m: float) -> list[np.ndarray]:
    """``[shoulder, elbow, wrist, pinky, index, thumb]`` of one side, each ``(T, 3)``."""
    elbow = trial.mid(f"EL_{side}", f"EM_{side}")
    wrist = trial.mid(f"RS_{side}", f"US_{side}")
    along = _unit(wrist - elbow) * hand_len_m
    radial = trial[f"RS_{side}"] - wrist
    ulnar = trial[f"US_{side}"] - wrist
    return [
        shoulder_centre(trial, side),
        elbow,
        wrist,
        wrist + 0.45 * along + 0.8 * ulnar,
        wrist + 0.5 * along + 0.6 * radial,
        trial[f"RS_{side}"] + 0.3 * along + 0.5 * radial,
    ]


def landmarks_lab(trial: MocapTrial) -> np.ndarray:
    """``(T, 33, 3)`` MediaPipe landmarks in the lab frame (metres, ``Y`` up, lab origin).

    Indexed by :class:`~posture.core.landmarks.LM`; LEFT is the subject's left. See the module
    docstring for the joint-centre definitions.
    """
    out = np.full((trial.n_frames, N_LANDMARKS, 3), np.nan)
    for lm, xyz in _head_points(trial).items():
        out[:, lm] = xyz
    hand_len = HAND_LENGTH_PER_STATURE * stature_m(trial)
    hip_l, hip_r = hip_joint_centres(trial)
    for side, s, hip in (("L", "LEFT", hip_l), ("R", "RIGHT", hip_r)):
        arm = _arm_points(trial, side, hand_len)
        for name, xyz in zip(
            ("SHOULDER", "ELBOW", "WRIST", "PINKY", "INDEX", "THUMB"), arm, strict=True
        ):
            out[:, LM[f"{s}_{name}"]] = xyz
        out[:, LM[f"{s}_HIP"]] = hip
        out[:, LM[f"{s}_KNEE"]] = trial.mid(f"LC_{side}", f"MC_{side}")
        out[:, LM[f"{s}_ANKLE"]] = trial.mid(f"LM_{side}", f"MM_{side}")
        out[:, LM[f"{s}_HEEL"]] = trial[f"CC_{side}"]
        out[:, LM[f"{s}_FOOT_INDEX"]] = trial[f"BT_{side}"]
    return out
