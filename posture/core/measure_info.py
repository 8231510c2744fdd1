"""Each measure's plain label, unit and meaning, written once.

The annotated video, the live readings, the dashboard, the report and the README's frames.csv
table all read their words from :data:`MEASURE_INFO` (the definitions, signs and maths are in
:mod:`posture.core.measures`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class MeasureInfo:
    """How a measure is named and shown: ``label`` (the dashboard and the report), ``short``
    (the narrow panel on the video), ``unit`` as written in text (``deg``, ``cm``, ``deg/s``,
    or empty), ``help`` (its meaning, as in the README's frames.csv table) and the number of
    ``decimals`` shown."""

    label: str
    short: str
    unit: str
    help: str
    decimals: int = 0

    @property
    def symbol(self) -> str:
        """The unit for the dashboard: ``°`` for degrees, `` cm`` (non-breaking) otherwise."""
        return {"deg": "°", "deg/s": "°/s", "": ""}.get(self.unit, "\u00a0" + self.unit)

    def text(self, value: float, *, symbol: bool = False) -> str:
        """``value`` rounded, with its unit (``46 deg``; ``46°`` with ``symbol``); ``unknown``
        for NaN."""
        if not math.isfinite(value):
            return "unknown"
        number = f"{value:.{self.decimals}f}"
        if symbol:
            return number + self.symbol
        return f"{number} {self.unit}" if self.unit else number


_MEASURES: tuple[tuple[str, MeasureInfo], ...] = (
    (
        "trunk_flexion_deg",
        MeasureInfo(
            "Trunk bend",
            "Trunk bend",
            "deg",
            "trunk line (mid-hip to mid-shoulder) from vertical in the person's sagittal "
            "plane; + forward, - backward",
        ),
    ),
    (
        "trunk_twist_deg",
        MeasureInfo(
            "Trunk twist",
            "Twist",
            "deg",
            "shoulder line turned against the hip line about the trunk; + to the person's left",
        ),
    ),
    (
        "trunk_side_bend_deg",
        MeasureInfo(
            "Side bend",
            "Side bend",
            "deg",
            "trunk line out of the sagittal plane; + to the person's right",
        ),
    ),
    (
        "shoulders_forward_deg",
        MeasureInfo(
            "Shoulders forward",
            "Shoulders fwd",
            "deg",
            "forward-rolled shoulders / rounded upper back: the shoulder-to-ear line ahead of "
            "the trunk line; 0 in a plumb posture",
        ),
    ),
    (
        "knee_flexion_deg",
        MeasureInfo("Knee bend", "Knees", "deg", "knee bend (0 straight), mean of the knees seen"),
    ),
    (
        "neck_flexion_deg",
        MeasureInfo(
            "Neck bend",
            "Neck",
            "deg",
            "head pitch relative to the trunk (ear-to-eye line); + looking down",
        ),
    ),
    (
        "hip_flexion_deg",
        MeasureInfo(
            "Hip bend",
            "Hips",
            "deg",
            "thigh ahead of the trunk line (0 standing, ~90 sitting), mean of the sides",
        ),
    ),
    ("knee_flexion_left_deg", MeasureInfo("Left knee bend", "L knee", "deg", "left knee bend")),
    ("knee_flexion_right_deg", MeasureInfo("Right knee bend", "R knee", "deg", "right knee bend")),
    (
        "upper_arm_flexion_left_deg",
        MeasureInfo(
            "Left upper arm", "L arm", "deg", "left upper arm from the trunk line, + forward"
        ),
    ),
    (
        "upper_arm_flexion_right_deg",
        MeasureInfo(
            "Right upper arm", "R arm", "deg", "right upper arm from the trunk line, + forward"
        ),
    ),
    (
        "upper_arm_abduction_left_deg",
        MeasureInfo("Left arm out", "L arm out", "deg", "left upper arm out to the side"),
    ),
    (
        "upper_arm_abduction_right_deg",
        MeasureInfo("Right arm out", "R arm out", "deg", "right upper arm out to the side"),
    ),
    (
        "elbow_flexion_left_deg",
        MeasureInfo("Left elbow bend", "L elbow", "deg", "left elbow bend, 0 straight"),
    ),
    (
        "elbow_flexion_right_deg",
        MeasureInfo("Right elbow bend", "R elbow", "deg", "right elbow bend, 0 straight"),
    ),
    (
        "hand_height_cm",
        MeasureInfo(
            "Hand height",
            "Hands up",
            "cm",
            "NIOSH V: mid-point of the hands above the floor (the lowest foot point)",
        ),
    ),
    (
        "hand_distance_cm",
        MeasureInfo(
            "Hand distance from feet",
            "Hands out",
            "cm",
            "NIOSH H: horizontal distance from the mid-point of the ankles to the hands",
        ),
    ),
    (
        "hand_asymmetry_deg",
        MeasureInfo(
            "Hands to one side",
            "Hands side",
            "deg",
            "NIOSH A: horizontal angle of the hands (seen from the ankles) from straight ahead "
            "of the pelvis and feet, so a trunk turned toward the load does not hide it",
        ),
    ),
    (
        "hand_height_difference_cm",
        MeasureInfo(
            "Hand height difference",
            "Hands diff",
            "cm",
            "how much higher one hand is than the other (both hands seen); two hands on one "
            "load are level, one far below the other makes a one-handed lift",
        ),
    ),
    (
        "hip_shift",
        MeasureInfo(
            "Hip shift",
            "Hip shift",
            "",
            "mid-hip over the feet sideways: 0 centred, +1 over the right foot, -1 over the left "
            "(beyond +-1: past the foot, e.g. leaning out on one leg or feet seen end-on in a "
            "front view)",
            decimals=2,
        ),
    ),
    (
        "trunk_twist_velocity_deg_s",
        MeasureInfo("Twist speed", "Twist spd", "deg/s", "how fast the trunk twists"),
    ),
    (
        "trunk_flexion_velocity_deg_s",
        MeasureInfo(
            "Bending speed", "Bend spd", "deg/s", "how fast the trunk bends or straightens"
        ),
    ),
)

#: Measure name -> how it is named and shown.
MEASURE_INFO: dict[str, MeasureInfo] = dict(_MEASURES)

#: The measures the annotated video's panel and the live readings show, in order.
PANEL_MEASURES = (
    "trunk_flexion_deg",
    "trunk_twist_deg",
    "trunk_side_bend_deg",
    "shoulders_forward_deg",
    "knee_flexion_deg",
)


def label(name: str) -> str:
    """The plain label of a measure."""
    return MEASURE_INFO[name].label


def measures_markdown(names: tuple[str, ...] | list[str]) -> str:
    """The measures ``names`` as a Markdown table (the README's frames.csv measures)."""
    rows = ["| column | unit | meaning |", "|---|---|---|"]
    for name in names:
        info = MEASURE_INFO[name]
        rows.append(f"| `{name}` | {info.unit or '-'} | {info.label}: {info.help} |")
    return "\n".join(rows)
