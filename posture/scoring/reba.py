"""REBA, the Rapid Entire Body Assessment (Hignett & McAtamney 2000), vectorised over frames.

Conventions (every angle in degrees, per frame, NaN = not measured):

* trunk flexion: trunk line from vertical, + forward flexion, - extension;
* neck flexion: head relative to the trunk line, + flexion, - extension;
* knee flexion: 0 = straight leg;
* upper arm flexion: arm relative to the trunk line in the sagittal plane, + forward flexion,
  - extension;
* elbow flexion: 0 = straight arm (the worksheet's "lower arm 60-100 deg" is this angle);
* wrist flexion: + flexion, - extension (only its size matters).

Every band, adjustment and table comes from ``posture/data/scoring/reba.toml`` (sources cited
there). Group B (arms and wrists) is scored for each side; the reported score is the worse side.

Unknown inputs (NaN), and what is assumed instead - each such frame is marked in ``assumed``
and the input named in ``assumptions``:

* trunk angle: nothing is assumed; the frame's score is NaN and its level ``"unknown"``;
* neck, upper arm, elbow, wrist, knee angles: the best (lowest-scoring) band, i.e. neck 0-20 deg
  flexion, upper arm within +-20 deg, elbow 60-100 deg, wrist within +-15 deg, knees < 30 deg;
  a knee is ignored when the other knee is known (the more flexed known knee counts);
* load: 0 kg.

The yes/no inputs (twisted, side-bent, abducted, ...) have no unknown state; the caller decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from posture.core.errors import ConfigError, InputError
from posture.scoring import _inputs as inp
from posture.scoring._inputs import Frames
from posture.scoring.tables import (
    Bands,
    BoolArray,
    FloatArray,
    IntArray,
    Levels,
    StrArray,
    int_map,
    lookup,
    parse_bands,
    parse_levels,
    parse_table,
    read_table_file,
    section,
)

SIDES = ("left", "right")
_ADJUST_KEYS = (
    "trunk_twisted_or_side_bent",
    "neck_twisted_or_side_bent",
    "legs_bilateral",
    "legs_unilateral",
    "shoulder_raised",
    "arm_abducted",
    "arm_supported",
    "wrist_deviated_or_twisted",
    "shock",
    "static_hold",
    "repeated_small_range",
    "rapid_large_change",
)
_COUPLINGS = ("good", "fair", "poor", "unacceptable")


@dataclass(frozen=True)
class RebaTables:
    """REBA's bands, adjustments and tables, checked on load.

    ``table_a`` is ``(5, 3, 4)``: trunk 1-5 x neck 1-3 x legs 1-4. ``table_b`` is ``(6, 2, 3)``:
    upper arm 1-6 x lower arm 1-2 x wrist 1-3. ``table_c`` is ``(12, 12)``: score A x score B.
    """

    trunk: Bands
    neck: Bands
    knee: Bands
    upper_arm: Bands
    elbow: Bands
    wrist: Bands
    load: Bands
    adjust: Mapping[str, int]
    coupling: Mapping[str, int]
    table_a: IntArray
    table_b: IntArray
    table_c: IntArray
    levels: Levels

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> RebaTables:
        b = section(data, "bands", where)
        adjust = int_map(section(data, "adjust", where), f"{where} [adjust]", _ADJUST_KEYS, -1, 3)
        coupling = int_map(
            section(data, "coupling", where), f"{where} [coupling]", _COUPLINGS, 0, 3
        )

        def bands(key: str, lo: int, hi: int) -> Bands:
            return parse_bands(f"{where} [bands].{key}", b.get(key), lo=lo, hi=hi)

        def table(key: str, shape: tuple[int, ...], hi: int) -> IntArray:
            values = section(data, key, where).get("values")
            return parse_table(f"{where} [{key}].values", values, shape, lo=1, hi=hi)

        t = cls(
            trunk=bands("trunk_flexion_deg", 1, 4),
            neck=bands("neck_flexion_deg", 1, 2),
            knee=bands("knee_flexion_deg", 0, 2),
            upper_arm=bands("upper_arm_flexion_deg", 1, 4),
            elbow=bands("elbow_flexion_deg", 1, 2),
            wrist=bands("wrist_flexion_deg", 1, 2),
            load=bands("load_kg", 0, 2),
            adjust=adjust,
            coupling=coupling,
            table_a=table("table_a", (5, 3, 4), 12),
            table_b=table("table_b", (6, 2, 3), 12),
            table_c=table("table_c", (12, 12), 12),
            levels=parse_levels(f"{where} [levels]", data.get("levels")),
        )
        t._check_ranges(where)
        return t

    def _check_ranges(self, where: str) -> None:
        """Every reachable sub-score must have a row in its table."""
        a = self.adjust
        reach = {
            "trunk score": (max(self.trunk.scores) + a["trunk_twisted_or_side_bent"], 5),
            "neck score": (max(self.neck.scores) + a["neck_twisted_or_side_bent"], 3),
            "legs score": (a["legs_unilateral"] + max(self.knee.scores), 4),
            "upper arm score": (
                max(self.upper_arm.scores) + a["shoulder_raised"] + a["arm_abducted"],
                6,
            ),
            "wrist score": (max(self.wrist.scores) + a["wrist_deviated_or_twisted"], 3),
            "score A": (int(self.table_a.max()) + max(self.load.scores) + a["shock"], 12),
            "score B": (int(self.table_b.max()) + max(self.coupling.values()), 12),
        }
        for name, (top, rows) in reach.items():
            if top > rows:
                raise ConfigError(
                    f"{where}: the {name} can reach {top} but its table has {rows} rows"
                )
        top = (
            int(self.table_c.max())
            + a["static_hold"]
            + a["repeated_small_range"]
            + a["rapid_large_change"]
        )
        if top > self.levels.max_score:
            raise ConfigError(f"{where}: REBA scores reach {top}, above [levels] max_score")


@lru_cache(maxsize=8)
def load_reba_tables(path: str | Path | None = None) -> RebaTables:
    """REBA tables from ``path`` (a complete reba.toml) or the packaged defaults; cached."""
    data, where = read_table_file("reba", path)
    return RebaTables.from_dict(data, where)


@dataclass(frozen=True)
class RebaInputs:
    """REBA inputs for ``T`` frames: every per-frame field becomes a ``(T,)`` array.

    Fields ending ``_deg`` are float degrees (NaN = unknown; unset = unknown in every frame); the
    other per-frame fields are booleans (unset = no, unless the comment says otherwise). A scalar
    is repeated over all frames. ``T`` comes from ``trunk_flexion_deg``. ``load_kg`` (NaN =
    unknown), ``shock`` and ``coupling`` (good, fair, poor, unacceptable) hold for the whole task.
    """

    FLAG_DEFAULTS: ClassVar[Mapping[str, bool]] = {"legs_bilateral_support": True}

    trunk_flexion_deg: npt.ArrayLike  # (T,) degrees, required: sets T
    trunk_twisted: Frames = None  # trunk twisted
    trunk_side_bent: Frames = None  # trunk bent sideways
    neck_flexion_deg: Frames = None  # head from the trunk line, + flexion
    neck_twisted: Frames = None  # neck twisted
    neck_side_bent: Frames = None  # neck bent sideways
    knee_flexion_left_deg: Frames = None  # left knee, 0 = straight
    knee_flexion_right_deg: Frames = None  # right knee, 0 = straight
    legs_bilateral_support: Frames = None  # weight on both legs, or walking (default: yes)
    seated: Frames = None  # sitting: legs score 1, no knee adjustment
    upper_arm_flexion_left_deg: Frames = None  # left upper arm, + flexion
    upper_arm_flexion_right_deg: Frames = None  # right upper arm, + flexion
    shoulder_raised_left: Frames = None  # left shoulder raised
    shoulder_raised_right: Frames = None  # right shoulder raised
    arm_abducted_left: Frames = None  # left upper arm abducted or rotated
    arm_abducted_right: Frames = None  # right upper arm abducted or rotated
    arm_supported_left: Frames = None  # left arm supported, leaning or gravity assisted
    arm_supported_right: Frames = None  # right arm supported, leaning or gravity assisted
    elbow_flexion_left_deg: Frames = None  # left elbow, 0 = straight arm
    elbow_flexion_right_deg: Frames = None  # right elbow, 0 = straight arm
    wrist_flexion_left_deg: Frames = None  # left wrist, + flexion
    wrist_flexion_right_deg: Frames = None  # right wrist, + flexion
    wrist_deviated_left: Frames = None  # left wrist deviated or twisted
    wrist_deviated_right: Frames = None  # right wrist deviated or twisted
    static_hold: Frames = None  # a body part held still > 1 min
    repeated_small_range: Frames = None  # small-range action repeated > 4 times/min
    rapid_large_change: Frames = None  # rapid large change of posture or unstable base
    load_kg: float | None = 0.0  # kg; NaN or None = unknown (assumed 0, flagged)
    shock: bool = False
    coupling: str = "good"
    n_frames: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "n_frames", inp.normalise(self, "trunk_flexion_deg", self.FLAG_DEFAULTS)
        )
        object.__setattr__(self, "load_kg", inp.check_load(self.load_kg))
        object.__setattr__(
            self, "coupling", inp.check_choice("coupling", self.coupling, _COUPLINGS)
        )


@dataclass(frozen=True)
class RebaSide:
    """Group B and the final score of one side; every array ``(T,)`` float (scores, NaN unknown)."""

    upper_arm: FloatArray  # 1-6
    lower_arm: FloatArray  # 1-2
    wrist: FloatArray  # 1-3
    table_b: FloatArray  # 1-9
    score_b: FloatArray  # table B + coupling, 1-12
    table_c: FloatArray  # 1-12, NaN where the trunk is unknown
    final: FloatArray  # table C + activity, 1-15, NaN where the trunk is unknown
    assumed: BoolArray  # a default replaced an unknown input of this side or of group A


@dataclass(frozen=True)
class RebaResult:
    """REBA for ``T`` frames. Scores are ``(T,)`` float arrays, NaN where unknown.

    ``final`` is the worse side's score; ``worse_side`` says which (``"left"``, ``"right"``,
    ``"both"`` when equal, ``"unknown"``); ``level`` names the action level (``"negligible"``,
    ``"low"``, ``"medium"``, ``"high"``, ``"very_high"``, ``"unknown"``). ``assumed`` marks the
    frames where any unknown input was replaced by its default; ``assumptions`` maps each such
    input's name to its frames.
    """

    trunk: FloatArray  # 1-5, NaN where the trunk angle is unknown
    neck: FloatArray  # 1-3
    legs: FloatArray  # 1-4
    table_a: FloatArray  # 1-9
    load: FloatArray  # 0-3
    score_a: FloatArray  # 1-12
    coupling: int  # 0-3
    activity: FloatArray  # 0-3
    left: RebaSide
    right: RebaSide
    final: FloatArray
    worse_side: StrArray
    level: StrArray
    assumed: BoolArray
    assumptions: Mapping[str, BoolArray]


def reba(inputs: RebaInputs, tables: RebaTables | None = None) -> RebaResult:
    """Score every frame of ``inputs`` with REBA (see the module docstring for conventions)."""
    tb = tables if tables is not None else load_reba_tables()
    if inputs.coupling not in tb.coupling:
        raise InputError(f"coupling = {inputs.coupling!r} is not one of {', '.join(tb.coupling)}")
    assumptions: dict[str, BoolArray] = {}
    trunk, neck, legs = _group_a(inputs, tb, assumptions)
    load = _load_score(inputs, tb, assumptions)
    table_a = lookup(tb.table_a, trunk, neck, legs)
    score_a = table_a + load
    a = tb.adjust
    activity = (
        a["static_hold"] * inp.as_bool(inputs.static_hold)
        + a["repeated_small_range"] * inp.as_bool(inputs.repeated_small_range)
        + a["rapid_large_change"] * inp.as_bool(inputs.rapid_large_change)
    ).astype(np.float64)
    shared = dict(assumptions)
    sides = {s: _side(inputs, tb, s, score_a, activity, shared, assumptions) for s in SIDES}
    left, right = sides["left"], sides["right"]
    final = np.maximum(left.final, right.final)
    return RebaResult(
        trunk=trunk,
        neck=neck,
        legs=legs,
        table_a=table_a,
        load=load,
        score_a=score_a,
        coupling=tb.coupling[inputs.coupling],
        activity=activity,
        left=left,
        right=right,
        final=final,
        worse_side=inp.worse_side(left.final, right.final),
        level=tb.levels.of(final),
        assumed=left.assumed | right.assumed,
        assumptions=assumptions,
    )


def _group_a(
    x: RebaInputs, tb: RebaTables, assumptions: dict[str, BoolArray]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    a = tb.adjust
    trunk_bent = inp.as_bool(x.trunk_twisted) | inp.as_bool(x.trunk_side_bent)
    trunk = (
        tb.trunk.score(inp.as_float(x.trunk_flexion_deg))
        + a["trunk_twisted_or_side_bent"] * trunk_bent
    )
    neck_bent = inp.as_bool(x.neck_twisted) | inp.as_bool(x.neck_side_bent)
    neck = inp.banded(tb.neck, x, "neck_flexion_deg", assumptions)
    neck = neck + a["neck_twisted_or_side_bent"] * neck_bent

    seated = inp.as_bool(x.seated)
    knees = {s: inp.as_float(getattr(x, f"knee_flexion_{s}_deg")) for s in SIDES}
    for s, k in knees.items():
        missing = np.isnan(k) & ~seated
        if missing.any():
            assumptions[f"knee_flexion_{s}_deg"] = missing
    worst_knee = np.fmax(knees["left"], knees["right"])  # NaN only if both are unknown
    knee_adjust = np.nan_to_num(tb.knee.score(worst_knee), nan=tb.knee.min_score)
    bilateral = inp.as_bool(x.legs_bilateral_support) | seated
    base = np.where(bilateral, a["legs_bilateral"], a["legs_unilateral"])
    legs = np.where(seated, a["legs_bilateral"], base + knee_adjust).astype(np.float64)
    return trunk, neck, legs


def _load_score(x: RebaInputs, tb: RebaTables, assumptions: dict[str, BoolArray]) -> FloatArray:
    n = x.n_frames
    load_kg = inp.check_load(x.load_kg)
    if np.isnan(load_kg):
        assumptions["load_kg"] = np.ones(n, dtype=bool)
        load_kg = 0.0
    score = float(tb.load.score(load_kg)) + (tb.adjust["shock"] if x.shock else 0)
    return np.full(n, score)


def _side(
    x: RebaInputs,
    tb: RebaTables,
    side: str,
    score_a: FloatArray,
    activity: FloatArray,
    shared: Mapping[str, BoolArray],
    assumptions: dict[str, BoolArray],
) -> RebaSide:
    a = tb.adjust
    own: dict[str, BoolArray] = {}
    upper = inp.banded(tb.upper_arm, x, f"upper_arm_flexion_{side}_deg", own)
    upper = (
        upper
        + a["shoulder_raised"] * inp.as_bool(getattr(x, f"shoulder_raised_{side}"))
        + a["arm_abducted"] * inp.as_bool(getattr(x, f"arm_abducted_{side}"))
        + a["arm_supported"] * inp.as_bool(getattr(x, f"arm_supported_{side}"))
    )
    upper = np.maximum(upper, 1.0)  # "supported" never takes the score below 1
    lower = inp.banded(tb.elbow, x, f"elbow_flexion_{side}_deg", own)
    wrist = inp.banded(tb.wrist, x, f"wrist_flexion_{side}_deg", own)
    wrist = wrist + a["wrist_deviated_or_twisted"] * inp.as_bool(
        getattr(x, f"wrist_deviated_{side}")
    )
    table_b = lookup(tb.table_b, upper, lower, wrist)
    score_b = table_b + tb.coupling[x.coupling]
    table_c = lookup(tb.table_c, score_a, score_b)
    assumptions.update(own)
    assumed = inp.any_of([*shared.values(), *own.values()], x.n_frames)
    return RebaSide(upper, lower, wrist, table_b, score_b, table_c, table_c + activity, assumed)
