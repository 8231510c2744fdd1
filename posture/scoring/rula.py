"""RULA, the Rapid Upper Limb Assessment (McAtamney & Corlett 1993), vectorised over frames.

Conventions (every angle in degrees, per frame, NaN = not measured) are those of
:mod:`posture.scoring.reba`: trunk from vertical and neck from the trunk line, + flexion,
- extension; upper arm from the trunk line, + flexion; elbow 0 = straight arm; wrist + flexion.

Every band, adjustment and table comes from ``posture/data/scoring/rula.toml`` (sources cited
there). Group A (arm and wrist) is scored for each side; the reported grand score is the worse
side. Muscle use and force are added to both groups, as on the worksheet; score C is capped at
"8+" and score D at "7+" when reading Table C.

Unknown inputs (NaN), and what is assumed instead - each such frame is marked in ``assumed`` and
the input named in ``assumptions``:

* trunk angle: nothing is assumed; the frame's grand score is NaN and its level ``"unknown"``,
  except in frames marked ``seated_supported``, whose trunk scores 1 whatever its angle;
* neck, upper arm, elbow, wrist angles: the best (lowest-scoring) band, i.e. neck 0-10 deg,
  upper arm within +-20 deg, elbow 60-100 deg, wrist neutral;
* load: 0 kg.

Trunk extension beyond the upright tolerance scores 2 (RULA scores no trunk extension; see the
data file).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from posture.core.errors import ConfigError
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
    "shoulder_raised",
    "arm_abducted",
    "arm_supported",
    "arm_across_midline_or_out_to_side",
    "wrist_deviated",
    "wrist_twist_mid_range",
    "wrist_twist_end_of_range",
    "neck_twisted",
    "neck_side_bent",
    "trunk_twisted",
    "trunk_side_bent",
    "trunk_seated_supported",
    "legs_supported",
    "legs_unsupported",
    "muscle_use",
    "shock_score",
)


@dataclass(frozen=True)
class RulaTables:
    """RULA's bands, adjustments and tables, checked on load.

    ``table_a`` is ``(6, 3, 4, 2)``: upper arm 1-6 x lower arm 1-3 x wrist 1-4 x wrist twist 1-2.
    ``table_b`` is ``(6, 6, 2)``: neck 1-6 x trunk 1-6 x legs 1-2. ``table_c`` is ``(8, 7)``:
    score C 1-8+ x score D 1-7+.
    """

    upper_arm: Bands
    elbow: Bands
    wrist: Bands
    neck: Bands
    trunk: Bands
    load_intermittent: Bands
    load_static_or_repeated: Bands
    adjust: Mapping[str, int]
    table_a: IntArray
    table_b: IntArray
    table_c: IntArray
    levels: Levels

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> RulaTables:
        b = section(data, "bands", where)
        adjust = int_map(section(data, "adjust", where), f"{where} [adjust]", _ADJUST_KEYS, -1, 3)

        def bands(key: str, lo: int, hi: int) -> Bands:
            return parse_bands(f"{where} [bands].{key}", b.get(key), lo=lo, hi=hi)

        def table(key: str, shape: tuple[int, ...], hi: int) -> IntArray:
            values = section(data, key, where).get("values")
            return parse_table(f"{where} [{key}].values", values, shape, lo=1, hi=hi)

        t = cls(
            upper_arm=bands("upper_arm_flexion_deg", 1, 4),
            elbow=bands("elbow_flexion_deg", 1, 2),
            wrist=bands("wrist_flexion_deg", 1, 3),
            neck=bands("neck_flexion_deg", 1, 4),
            trunk=bands("trunk_flexion_deg", 1, 4),
            load_intermittent=bands("load_intermittent_kg", 0, 3),
            load_static_or_repeated=bands("load_static_or_repeated_kg", 0, 3),
            adjust=adjust,
            # Published layouts (see rula.toml), reshaped to one axis per sub-score.
            table_a=table("table_a", (6, 3, 8), 9).reshape(6, 3, 4, 2),
            table_b=table("table_b", (6, 12), 9).reshape(6, 6, 2),
            table_c=table("table_c", (8, 7), 7),
            levels=parse_levels(f"{where} [levels]", data.get("levels")),
        )
        t._check_ranges(where)
        return t

    def _check_ranges(self, where: str) -> None:
        """Every reachable sub-score must have a row in its table; grand scores fit the levels."""
        a = self.adjust
        reach = {
            "upper arm score": (
                max(self.upper_arm.scores) + a["shoulder_raised"] + a["arm_abducted"],
                6,
            ),
            "lower arm score": (max(self.elbow.scores) + a["arm_across_midline_or_out_to_side"], 3),
            "wrist score": (max(self.wrist.scores) + a["wrist_deviated"], 4),
            "wrist twist score": (a["wrist_twist_end_of_range"], 2),
            "neck score": (max(self.neck.scores) + a["neck_twisted"] + a["neck_side_bent"], 6),
            "trunk score": (max(self.trunk.scores) + a["trunk_twisted"] + a["trunk_side_bent"], 6),
            "legs score": (a["legs_unsupported"], 2),
        }
        for name, (top, rows) in reach.items():
            if top > rows:
                raise ConfigError(
                    f"{where}: the {name} can reach {top} but its table has {rows} rows"
                )
        if int(self.table_c.max()) > self.levels.max_score:
            raise ConfigError(f"{where}: Table C holds scores above [levels] max_score")


@lru_cache(maxsize=8)
def load_rula_tables(path: str | Path | None = None) -> RulaTables:
    """RULA tables from ``path`` (a complete rula.toml) or the packaged defaults; cached."""
    data, where = read_table_file("rula", path)
    return RulaTables.from_dict(data, where)


@dataclass(frozen=True)
class RulaInputs:
    """RULA inputs for ``T`` frames: every per-frame field becomes a ``(T,)`` array.

    Fields ending ``_deg`` are float degrees (NaN = unknown; unset = unknown in every frame); the
    other per-frame fields are booleans (unset = no, unless the comment says otherwise). A scalar
    is repeated over all frames. ``T`` comes from ``trunk_flexion_deg``. ``load_kg`` (NaN =
    unknown), ``load_static_or_repeated`` and ``shock`` hold for the whole task.
    """

    FLAG_DEFAULTS: ClassVar[Mapping[str, bool]] = {"legs_supported": True}

    trunk_flexion_deg: npt.ArrayLike  # (T,) degrees, required: sets T
    trunk_twisted: Frames = None  # trunk twisted
    trunk_side_bent: Frames = None  # trunk bent sideways
    seated_supported: Frames = None  # seated, trunk well supported (hip-trunk >= 90 deg)
    neck_flexion_deg: Frames = None  # head from the trunk line, + flexion
    neck_twisted: Frames = None  # neck twisted
    neck_side_bent: Frames = None  # neck bent sideways
    legs_supported: Frames = None  # legs and feet supported, weight balanced (default: yes)
    upper_arm_flexion_left_deg: Frames = None  # left upper arm, + flexion
    upper_arm_flexion_right_deg: Frames = None  # right upper arm, + flexion
    shoulder_raised_left: Frames = None  # left shoulder raised
    shoulder_raised_right: Frames = None  # right shoulder raised
    arm_abducted_left: Frames = None  # left upper arm abducted
    arm_abducted_right: Frames = None  # right upper arm abducted
    arm_supported_left: Frames = None  # left arm supported or person leaning
    arm_supported_right: Frames = None  # right arm supported or person leaning
    elbow_flexion_left_deg: Frames = None  # left elbow, 0 = straight arm
    elbow_flexion_right_deg: Frames = None  # right elbow, 0 = straight arm
    arm_across_midline_left: Frames = None  # left forearm across the midline or out to the side
    arm_across_midline_right: Frames = None  # right forearm across the midline or out to the side
    wrist_flexion_left_deg: Frames = None  # left wrist, + flexion
    wrist_flexion_right_deg: Frames = None  # right wrist, + flexion
    wrist_deviated_left: Frames = None  # left wrist bent from the midline
    wrist_deviated_right: Frames = None  # right wrist bent from the midline
    wrist_twist_end_of_range_left: Frames = None  # left wrist twisted near the end of range
    wrist_twist_end_of_range_right: Frames = None  # right wrist twisted near the end of range
    static_hold: Frames = None  # posture mainly static, held > 1 min
    repeated: Frames = None  # action repeated 4 times/min or more
    load_kg: float | None = 0.0  # kg; NaN or None = unknown (assumed 0, flagged)
    load_static_or_repeated: bool = False
    shock: bool = False
    n_frames: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "n_frames", inp.normalise(self, "trunk_flexion_deg", self.FLAG_DEFAULTS)
        )
        object.__setattr__(self, "load_kg", inp.check_load(self.load_kg))


@dataclass(frozen=True)
class RulaSide:
    """Group A and the grand score of one side; every array ``(T,)`` float (NaN unknown)."""

    upper_arm: FloatArray  # 1-6
    lower_arm: FloatArray  # 1-3
    wrist: FloatArray  # 1-4
    wrist_twist: FloatArray  # 1-2
    table_a: FloatArray  # 1-9
    score_c: FloatArray  # table A + muscle use + force
    final: FloatArray  # grand score 1-7 (Table C), NaN where the trunk is unknown
    assumed: BoolArray  # a default replaced an unknown input of this side or of group B


@dataclass(frozen=True)
class RulaResult:
    """RULA for ``T`` frames. Scores are ``(T,)`` float arrays, NaN where unknown.

    ``final`` is the worse side's grand score (1-7), ``worse_side`` which side (``"left"``,
    ``"right"``, ``"both"``, ``"unknown"``), ``level`` its action level (``"acceptable"``,
    ``"investigate"``, ``"change_soon"``, ``"change_now"``, ``"unknown"``). ``assumed`` and
    ``assumptions`` as in :class:`~posture.scoring.reba.RebaResult`.
    """

    neck: FloatArray  # 1-6
    trunk: FloatArray  # 1-6
    legs: FloatArray  # 1-2
    table_b: FloatArray  # 1-9
    muscle_use: FloatArray  # 0-1
    force: FloatArray  # 0-3
    score_d: FloatArray  # table B + muscle use + force
    left: RulaSide
    right: RulaSide
    final: FloatArray
    worse_side: StrArray
    level: StrArray
    assumed: BoolArray
    assumptions: Mapping[str, BoolArray]


def rula(inputs: RulaInputs, tables: RulaTables | None = None) -> RulaResult:
    """Score every frame of ``inputs`` with RULA (see the module docstring for conventions)."""
    tb = tables if tables is not None else load_rula_tables()
    a = tb.adjust
    n = inputs.n_frames
    assumptions: dict[str, BoolArray] = {}
    neck, trunk, legs = _group_b(inputs, tb, assumptions)
    busy = inp.as_bool(inputs.static_hold) | inp.as_bool(inputs.repeated)
    muscle = (a["muscle_use"] * busy).astype(np.float64)
    force = np.full(n, _force_score(inputs, tb, assumptions))
    table_b = lookup(tb.table_b, neck, trunk, legs)
    score_d = table_b + muscle + force
    shared = dict(assumptions)
    sides = {s: _side(inputs, tb, s, muscle + force, score_d, shared, assumptions) for s in SIDES}
    left, right = sides["left"], sides["right"]
    final = np.maximum(left.final, right.final)
    return RulaResult(
        neck=neck,
        trunk=trunk,
        legs=legs,
        table_b=table_b,
        muscle_use=muscle,
        force=force,
        score_d=score_d,
        left=left,
        right=right,
        final=final,
        worse_side=inp.worse_side(left.final, right.final),
        level=tb.levels.of(final),
        assumed=left.assumed | right.assumed,
        assumptions=assumptions,
    )


def _group_b(
    x: RulaInputs, tb: RulaTables, assumptions: dict[str, BoolArray]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    a = tb.adjust
    neck = inp.banded(tb.neck, x, "neck_flexion_deg", assumptions)
    neck = (
        neck
        + a["neck_twisted"] * inp.as_bool(x.neck_twisted)
        + a["neck_side_bent"] * inp.as_bool(x.neck_side_bent)
    )
    posture = tb.trunk.score(inp.as_float(x.trunk_flexion_deg))
    posture = np.where(inp.as_bool(x.seated_supported), a["trunk_seated_supported"], posture)
    trunk = (
        posture
        + a["trunk_twisted"] * inp.as_bool(x.trunk_twisted)
        + a["trunk_side_bent"] * inp.as_bool(x.trunk_side_bent)
    )
    supported = inp.as_bool(x.legs_supported)
    legs = np.where(supported, a["legs_supported"], a["legs_unsupported"]).astype(np.float64)
    return neck, trunk, legs


def _force_score(x: RulaInputs, tb: RulaTables, assumptions: dict[str, BoolArray]) -> float:
    """Force/load score 0-3 of the task (one value for every frame)."""
    load_kg = inp.check_load(x.load_kg)
    if np.isnan(load_kg):
        assumptions["load_kg"] = np.ones(x.n_frames, dtype=bool)
        load_kg = 0.0
    if x.shock:
        return float(tb.adjust["shock_score"])
    bands = tb.load_static_or_repeated if x.load_static_or_repeated else tb.load_intermittent
    return float(bands.score(load_kg))


def _side(
    x: RulaInputs,
    tb: RulaTables,
    side: str,
    muscle_and_force: FloatArray,
    score_d: FloatArray,
    shared: Mapping[str, BoolArray],
    assumptions: dict[str, BoolArray],
) -> RulaSide:
    a = tb.adjust

    def yes(name: str) -> BoolArray:
        return inp.as_bool(getattr(x, f"{name}_{side}"))

    own: dict[str, BoolArray] = {}
    upper = inp.banded(tb.upper_arm, x, f"upper_arm_flexion_{side}_deg", own)
    upper = (
        upper
        + a["shoulder_raised"] * yes("shoulder_raised")
        + a["arm_abducted"] * yes("arm_abducted")
        + a["arm_supported"] * yes("arm_supported")
    )
    upper = np.maximum(upper, 1.0)  # "supported" never takes the score below 1
    lower = inp.banded(tb.elbow, x, f"elbow_flexion_{side}_deg", own)
    lower = lower + a["arm_across_midline_or_out_to_side"] * yes("arm_across_midline")
    wrist = inp.banded(tb.wrist, x, f"wrist_flexion_{side}_deg", own)
    wrist = wrist + a["wrist_deviated"] * yes("wrist_deviated")
    twist = np.where(
        yes("wrist_twist_end_of_range"), a["wrist_twist_end_of_range"], a["wrist_twist_mid_range"]
    ).astype(np.float64)
    table_a = lookup(tb.table_a, upper, lower, wrist, twist)
    score_c = table_a + muscle_and_force
    final = lookup(tb.table_c, score_c, score_d, clip=True)
    assumptions.update(own)
    assumed = inp.any_of([*shared.values(), *own.values()], x.n_frames)
    return RulaSide(upper, lower, wrist, twist, table_a, score_c, final, assumed)
