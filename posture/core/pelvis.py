"""The person's forward: where the pelvis, the thighs and the feet point, held while hidden.

The shoulders and the face turn with a twisted trunk: they are not used for forward (NIOSH's
neutral mid-sagittal plane is the pelvis' and the feet's), only the face for its sign when the
lower body says nothing. The pose model places hips even behind a table or a load, with high
visibility, turning them with the shoulders: the pelvis counts as seen only where the legs are
seen too, and is held elsewhere (:func:`held_forward`). All in level axes (``y`` down).
"""

from __future__ import annotations

import numpy as np

from posture.core.geometry import dot, unit
from posture.core.landmarks import LM
from posture.core.skeleton import ANKLES, HIPS, SHOULDERS, UP, horizontal, mid

_FEET = [LM.LEFT_HEEL, LM.RIGHT_HEEL, LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX]


#: Usual lengths of the forward-direction cues in the pose model's landmarks, in trunk lengths
#: (median over the project's clips, fused skeleton): hip and shoulder width, heel to toe,
#: ears to nose, hip to knee.
CUE_LENGTHS = {"hips": 0.42, "shoulders": 0.65, "feet": 0.33, "face": 0.18, "thighs": 0.9}
#: The pelvis' orientation is taken as seen where its anchoring (hips and legs seen, 0-1,
#: :func:`pelvis_anchoring`) reaches this for ``PELVIS_SEEN_FRAMES`` frames in a row (from the
#: last of them on, :func:`lasting`); elsewhere it is held.
PELVIS_SEEN = 0.7
PELVIS_SEEN_FRAMES = 5
#: The pelvis line and the legs may point this far apart before the forward between them
#: counts as unsure (:func:`forward_agreement`); a cue counts as clear from this share of its
#: usual length.
FORWARD_GAP_DEG = 30.0
CLEAR_CUE = 0.3


def nanmean_max(*arrays: np.ndarray) -> np.ndarray:
    """Element-wise maximum ignoring NaN (NaN where all are NaN)."""
    stacked = np.stack(arrays)
    with np.errstate(invalid="ignore"):
        out = np.nanmax(np.where(np.isfinite(stacked), stacked, -np.inf), axis=0)
    return np.where(np.isfinite(out), out, np.nan)


def forward_direction(p: np.ndarray, visibility: np.ndarray | None = None) -> np.ndarray:
    """The person's horizontal forward direction from the pelvis, the thighs and the feet,
    ``(T, 3)`` unit vectors, in level axes. The shoulders and the face turn with a twisted
    trunk: they are not used (NIOSH's neutral mid-sagittal plane is the pelvis' and feet's).

    Sum of: the pelvis line crossed with up (it depends on MediaPipe's left/right labels,
    which can swap in a side view), the thighs' horizontal direction (forward when seated or
    squatting) and the feet (heel to toe), which do not depend on labels. The label-based part
    is flipped to agree with the label-free part whenever the latter is clear (else with the
    face, for the sign only). Each cue is divided by its usual length (``CUE_LENGTHS``), so in
    a picture without depth the foreshortening weighs them in proportion to the turn: a side
    view (hips overlapping, feet long) trusts the feet, a front view the hips. The thighs and
    the feet count in proportion to how well their ends are seen (``visibility``): a leg the
    model only guesses (under a table) points nowhere in particular.
    """
    return forward_and_agreement(p, visibility)[0]


def forward_and_agreement(
    p: np.ndarray, visibility: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`forward_direction` and :func:`forward_agreement` from one reading of the cues."""
    pelvis, legs, depth = _forward_cues(p, visibility)
    f = unit(horizontal(pelvis + legs))
    bad = ~np.isfinite(p[:, HIPS + SHOULDERS]).all(axis=(1, 2))
    f[bad] = np.nan
    return f, _agreement(pelvis, legs, depth)


def forward_agreement(p: np.ndarray, visibility: np.ndarray | None = None) -> np.ndarray:
    """``(T,)`` 0-1: how well the pelvis line and the legs (feet and thighs) agree on the
    person's forward, as a factor for the confidence of what is measured against it (twist).

    A standing or seated person's feet and thighs point within some 30 deg of the pelvis'
    forward (toes turned out, a foot set aside); a larger gap means one of them is wrong (from
    behind, the pose model may lay the hidden toes sideways; a hip line seen end-on has no
    direction of its own), so the forward between them is unsure by about that much: full
    up to ``FORWARD_GAP_DEG``, down to 0.4 at twice that. Only where both are clear and the
    skeleton has depth (without it the cues are the picture's and weigh by foreshortening)."""
    return forward_and_agreement(p, visibility)[1]


def _agreement(pelvis: np.ndarray, legs: np.ndarray, depth: bool) -> np.ndarray:
    out = np.ones(len(pelvis))
    if not depth:
        return out
    a, b = np.linalg.norm(pelvis, axis=-1), np.linalg.norm(legs, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = dot(pelvis, legs) / (a * b)
    gap = np.degrees(np.arccos(np.clip(np.nan_to_num(cos, nan=1.0), -1.0, 1.0)))
    clear = (a >= CLEAR_CUE) & (b >= CLEAR_CUE)
    factor = np.clip(1.0 - 0.6 * (gap - FORWARD_GAP_DEG) / FORWARD_GAP_DEG, 0.4, 1.0)
    return np.where(clear, factor, out)


def _forward_cues(
    p: np.ndarray, visibility: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, bool]:
    """The pelvis' forward cue (label-based, its sign settled) and the legs' (feet and thighs,
    label-free), each ``(T, 3)`` in units of its usual length (see :func:`forward_direction`);
    whether the points have depth."""
    seen = seen_weights(visibility, len(p))
    # the body's size in trunk lengths, from whichever segment is least foreshortened (the
    # trunk of a person bending toward the camera looks short, their shoulders do not)
    size = nanmean_max(
        np.linalg.norm(mid(p, SHOULDERS) - mid(p, HIPS), axis=-1),
        np.linalg.norm(p[:, LM.RIGHT_SHOULDER] - p[:, LM.LEFT_SHOULDER], axis=-1)
        / CUE_LENGTHS["shoulders"],
        np.linalg.norm(p[:, LM.RIGHT_HIP] - p[:, LM.LEFT_HIP], axis=-1) / CUE_LENGTHS["hips"],
    )[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        n = {k: size * v for k, v in CUE_LENGTHS.items()}
        lr = horizontal(np.cross(UP, p[:, LM.RIGHT_HIP] - p[:, LM.LEFT_HIP])) / n["hips"]
        toes = mid(p, [LM.LEFT_FOOT_INDEX, LM.RIGHT_FOOT_INDEX])
        feet = horizontal(toes - mid(p, [LM.LEFT_HEEL, LM.RIGHT_HEEL])) / n["feet"] * seen["feet"]
        knees = mid(p, [LM.LEFT_KNEE, LM.RIGHT_KNEE])
        # without depth a thigh's direction is its picture's: toward the camera reads as down
        z = p[..., 2]
        depth = bool(np.any((z != 0.0) & ~np.isnan(z)))  # (no float copy of a long recording)
        thighs = horizontal(knees - mid(p, HIPS)) / n["thighs"] * seen["knees"] * float(depth)
        face = horizontal(p[:, LM.NOSE] - mid(p, [LM.LEFT_EAR, LM.RIGHT_EAR])) / n["face"]
    ref = np.nan_to_num(feet) + np.nan_to_num(thighs)
    ref_len = np.linalg.norm(ref, axis=-1)
    lr0 = np.nan_to_num(lr)
    lr_len = np.linalg.norm(lr0, axis=-1)
    # the label-free lower body decides the sign where clear; else the face (sign only)
    sign_ref = np.where(
        (ref_len > 0.25 * np.maximum(lr_len, 1e-9))[:, None], ref, np.nan_to_num(face)
    )
    flip = dot(lr0, sign_ref) < 0
    lr0 = np.where(flip[:, None], -lr0, lr0)
    return lr0, ref, depth


def seen_weights(visibility: np.ndarray | None, n: int) -> dict[str, np.ndarray]:
    """``(T, 1)`` 0-1 weights of the knees and the feet as forward cues: 0 below visibility 0.5,
    1 from 0.8 (unknown visibility, e.g. motion capture: 1)."""
    if visibility is None:
        return {"knees": np.ones((n, 1)), "feet": np.ones((n, 1))}
    vis = known_visibility(visibility)

    def weight(idx: list[LM]) -> np.ndarray:
        return np.clip((vis[:, idx].min(axis=1) - 0.5) / 0.3, 0.0, 1.0)[:, None]

    return {"knees": weight([LM.LEFT_KNEE, LM.RIGHT_KNEE]), "feet": weight(_FEET)}


def known_visibility(visibility: np.ndarray) -> np.ndarray:
    """Visibility with its unknowns settled: a sequence without any (motion capture) is seen
    throughout (1); in one with visibility, a missing value is a frame filled across a gap in
    what the pose model found (:func:`posture.core.filtering.clean`): not seen (0)."""
    return np.nan_to_num(visibility, nan=0.0 if np.isfinite(visibility).any() else 1.0)


def pelvis_anchoring(visibility: np.ndarray) -> np.ndarray:
    """``(T,)`` 0-1: how far the pelvis' orientation is anchored in what the camera sees.

    The hips' own visibility is not enough: behind a table or a load the pose model still
    places the hips, with high visibility, from the upper body, and turns them with the
    shoulders. The legs anchor them: the hips count as seen where the hips and the legs (knees,
    ankles, feet: the better half of them) are seen. Unknown visibility (motion capture) counts
    as seen; a frame filled across a short gap in what the pose model found is not seen. The
    legs count with the better seen of the ankles or the feet (a load or a plate may hide the
    shins)."""
    vis = known_visibility(visibility)
    hips = vis[:, HIPS].min(axis=1)
    knees = vis[:, [LM.LEFT_KNEE, LM.RIGHT_KNEE]].mean(axis=1)
    feet = np.maximum(vis[:, ANKLES].mean(axis=1), vis[:, _FEET].mean(axis=1))
    return np.minimum(np.minimum(hips, knees), feet)


def lasting(mask: np.ndarray, n: int) -> np.ndarray:
    """``(T,)`` where ``mask`` has held for at least the last ``n`` frames: a run counts from
    its ``n``-th frame on, as a stream can tell it (without looking ahead), so a recording and
    a stream take the same frames as seen."""
    idx = np.arange(len(mask))
    last_off = np.maximum.accumulate(np.where(mask, -1, idx))
    return mask & (idx - last_off >= n)


def held_forward(
    forward: np.ndarray, anchoring: np.ndarray, prior: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, str]:
    """The pelvis' forward where it is seen, held from the last frame it was where it is not;
    ``(forward (T, 3), held (T,) bool, note)``.

    A chair does not turn with the trunk: while seated or hidden, the pelvis keeps its last
    well-seen orientation, unless the legs show it turning (then it is seen). Before its first
    clear view, and if never seen at all, it faces the hips' typical direction over the frames
    so far (:func:`running_typical`; never seen: said in ``note``), as a live stream does: a
    recording does not fill that time back from the first clear view, which a stream could not
    do (and a standing person may have turned meanwhile). ``prior`` (a stream's memory, see
    :class:`PelvisMemory`): the orientation held before these frames, used where they have
    not seen the pelvis yet (a stream has no hindsight: it cannot fill back from a later
    view).
    """
    ok = np.isfinite(forward).all(axis=1)
    # seen for a moment only (a few frames) is not seen: a hidden leg's visibility flickers
    seen = lasting(ok & (anchoring >= PELVIS_SEEN), PELVIS_SEEN_FRAMES)
    held = ok & ~seen
    if not held.any():
        return forward, held, ""
    out = forward.copy()
    idx = np.where(seen, np.arange(len(forward)), -1)
    last = np.maximum.accumulate(idx)
    if prior is not None and np.isfinite(prior).all():
        before = held & (last < 0)
        out[before] = prior
        after = held & (last >= 0)
        out[after] = forward[last[after]]
        return out, held, "pelvis hidden at times: held from its last well-seen orientation"
    if seen.any():
        after = held & (last >= 0)
        out[after] = forward[last[after]]
        before = held & (last < 0)
        if before.any():  # as a stream would: the typical direction until the first clear view
            first = int(np.argmax(seen))
            out[:first][before[:first]] = running_typical(forward[:first])[before[:first]]
        return out, held, "pelvis hidden at times: held from its last well-seen orientation"
    out[held] = running_typical(forward)[held]
    return out, held, "pelvis never clearly seen: taken as facing its usual direction"


def running_typical(forward: np.ndarray) -> np.ndarray:
    """``(T, 3)``: at each frame, the typical direction of the frames before it (the frame's
    own at the first), as :class:`PelvisMemory` keeps it for a stream: the same frames give
    the same direction in a recording and live."""
    out = forward.copy()
    memory = PelvisMemory()
    for i, f in enumerate(forward):
        prior = memory.prior()
        if prior is not None:
            out[i] = prior
        memory.add(f, None)
    return out


class PelvisMemory:
    """A stream's memory of the pelvis, for :func:`held_forward`'s ``prior``: its last
    well-seen orientation, or before any, its typical direction so far (the median angle about
    the mean direction, a person turned away for a moment does not pull it as a mean would;
    from a histogram of 1 deg bins, the mean direction within the median's bin, so memory and
    time stay constant; a recording takes it the
    same way, :func:`running_typical`)."""

    def __init__(self) -> None:
        self.last_seen: np.ndarray | None = None
        self._sum = np.zeros(3)
        self._counts = np.zeros(360, np.int64)
        self._bin_sums = np.zeros((360, 3))  # the directions in each bin, summed

    def add(self, raw: np.ndarray, seen_forward: np.ndarray | None) -> None:
        """One frame: its pelvis forward as measured (``raw``, ``(3,)``), and the forward it
        was given where the pelvis was seen (None where held)."""
        if seen_forward is not None and np.isfinite(seen_forward).all():
            self.last_seen = np.asarray(seen_forward, np.float64)
        if np.isfinite(raw).all():
            self._sum += raw
            k = int(np.degrees(np.arctan2(raw[0], raw[2])) // 1.0) % 360
            self._counts[k] += 1
            self._bin_sums[k] += raw

    def prior(self) -> np.ndarray | None:
        if self.last_seen is not None:
            return self.last_seen
        n = int(self._counts.sum())
        if n == 0 or not np.linalg.norm(self._sum) > 0:
            return None
        mean = self._sum / np.linalg.norm(self._sum)
        centre = np.degrees(np.arctan2(mean[0], mean[2]))
        bins = np.arange(360) + 0.5
        rel = (bins - centre + 180.0) % 360.0 - 180.0
        order = np.argsort(rel)
        cum = np.cumsum(self._counts[order])
        k = int(order[int(np.searchsorted(cum, n / 2.0))])
        v = self._bin_sums[k]  # the mean of the directions in the median's bin
        return v / np.linalg.norm(v)
