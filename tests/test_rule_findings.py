"""Every rule at one frame, on exact synthetic people: a frame where it must fire, one where it
must not, and one where what it needs is not seen (unknown: no finding, no cue, and no
confirmation of its absence either). Each case is checked in the recorded analysis and in the
streaming core fed the same frames one by one."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from posture import synthetic
from posture.assess.analysis import Analysis, analyze
from posture.assess.cues import RISK_LEVELS
from posture.assess.explain import FrameReport
from posture.assess.stream import StreamingAnalysis
from posture.core.config import DEFAULTS
from posture.core.landmarks import LM, PoseSequence

FPS = 30.0
KNEES = [LM.LEFT_KNEE, LM.RIGHT_KNEE, LM.LEFT_ANKLE, LM.RIGHT_ANKLE]
HANDS = [
    LM.LEFT_WRIST,
    LM.RIGHT_WRIST,
    LM.LEFT_INDEX,
    LM.RIGHT_INDEX,
    LM.LEFT_PINKY,
    LM.RIGHT_PINKY,
    LM.LEFT_THUMB,
    LM.RIGHT_THUMB,
]
EARS = [LM.LEFT_EAR, LM.RIGHT_EAR]
HIPS = [LM.LEFT_HIP, LM.RIGHT_HIP]


def posture(seconds: float, fps: float = FPS, **angles: float) -> list:
    return [synthetic.angles(**{"yaw_deg": 90, **angles})] * round(seconds * fps)


def hidden(seq: PoseSequence, landmarks: list[LM], after_s: float = 1.0) -> PoseSequence:
    """``seq`` with ``landmarks`` not visible from ``after_s`` on (the pose model's visibility
    0: cleaning drops them)."""
    vis = seq.visibility.copy()
    rows = np.flatnonzero(seq.t_s >= after_s - 1e-9)
    vis[np.ix_(rows, landmarks)] = 0.0
    return replace(seq, visibility=vis)


def streamed(seq: PoseSequence) -> list[FrameReport]:
    core = StreamingAnalysis(DEFAULTS, image_size_px=seq.image_size_px)
    return [
        core.push(
            float(seq.t_s[i]),
            int(seq.frame_index[i]),
            (seq.world_xyz_m[i], seq.image_xyz[i], seq.visibility[i])
            if seq.pose_found[i]
            else None,
        )
        for i in range(len(seq))
    ]


def check(seq: PoseSequence, rule: str, severity: float, cue: bool) -> Analysis:
    """At the last frame, recorded and streamed: the rule's confirmed finding is ``severity``
    (NaN: cannot tell) and its cue shows or not."""
    a = analyze(seq, DEFAULTS)
    live = streamed(seq)[-1].rule(rule)
    for got, shown in (
        (float(a.cues.severity[rule][-1]), a.cues.state[rule][-1] in ("on", "lingering")),
        (live.severity, live.shown),
    ):
        assert (math.isnan(got) and math.isnan(severity)) or got == severity
        assert shown is cue
    if math.isnan(severity):  # unknown never raises the risk level: the other rules make it
        others = max(
            np.nan_to_num(a.cues.severity[f.rule][-1], nan=0.0)
            for f in a.findings
            if f.rule != rule
        )
        assert a.cues.risk_level[-1] == RISK_LEVELS[int(others)]
    return a


UPRIGHT = posture(1.0)


# --- bending at the back ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("trunk", "knee", "hide", "severity", "cue"),
    [
        (40, 0, [], 1, True),  # knees straight: bending at the back
        (40, 60, [], 0, False),  # knees bent: no finding
        (40, 60, KNEES, math.nan, False),  # knees not seen: cannot tell, never "straight"
        (70, 0, KNEES, 2, True),  # past 60 deg the knees do not matter
    ],
    ids=["fires", "knees_bent", "knees_unknown", "high_whatever_the_knees"],
)
def test_bend_knees(trunk: float, knee: float, hide: list, severity: float, cue: bool) -> None:
    seq = synthetic.sequence(UPRIGHT + posture(3.0, trunk_flexion_deg=trunk, knee_flexion_deg=knee))
    check(hidden(seq, hide), "bend_knees", severity, cue)


# --- twisting under load ----------------------------------------------------------------------
REACH = {"upper_arm_flexion_deg": 60, "elbow_flexion_deg": 10}  # hands out in front: a load


@pytest.mark.parametrize(
    ("yaw", "arms", "severity", "cue"),
    [
        (0, REACH, 2, True),  # 35 deg twist with the hands out: high
        (0, {}, 0, False),  # the same twist, hands hanging free: no load, no finding
        (90, REACH, math.nan, False),  # a side view cannot see twist
    ],
    ids=["fires", "no_load", "side_view_unknown"],
)
def test_twist(yaw: float, arms: dict, severity: float, cue: bool) -> None:
    frames = posture(1.0, yaw_deg=yaw) + posture(3.0, yaw_deg=yaw, trunk_twist_deg=35, **arms)
    check(synthetic.sequence(frames), "twist", severity, cue)


FEET = [
    LM.LEFT_ANKLE,
    LM.RIGHT_ANKLE,
    LM.LEFT_HEEL,
    LM.RIGHT_HEEL,
    LM.LEFT_FOOT_INDEX,
    LM.RIGHT_FOOT_INDEX,
]


@pytest.mark.parametrize(
    ("arms", "severity", "cue"),
    [
        (REACH, 2, True),  # arms held out: the reach shows the load the feet cannot
        ({}, math.nan, False),  # arms down: the hands' distance unknown, cannot tell
    ],
    ids=["arms_out", "arms_down"],
)
def test_twist_with_the_feet_hidden(arms: dict, severity: float, cue: bool) -> None:
    """A seated worker behind a cabinet: the hands' distance (from the ankles) is unknown."""
    frames = posture(1.0, yaw_deg=0) + posture(3.0, yaw_deg=0, trunk_twist_deg=35, **arms)
    check(hidden(synthetic.sequence(frames), FEET), "twist", severity, cue)


# --- the load far from the body ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("arm", "hide", "severity", "cue"),
    [
        (80, [], 2, True),  # bent over, hands far out
        (0, [], 0, False),  # bent over, hands hanging close
        (80, HANDS, math.nan, False),  # hands not seen
    ],
    ids=["fires", "hands_close", "hands_unknown"],
)
def test_load_far(arm: float, hide: list, severity: float, cue: bool) -> None:
    frames = UPRIGHT + posture(
        3.0, trunk_flexion_deg=35, knee_flexion_deg=60, upper_arm_flexion_deg=arm
    )
    check(hidden(synthetic.sequence(frames), hide), "load_far", severity, cue)


# --- rounded shoulders ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("forward", "hide", "severity", "cue"),
    [
        (40, [], 2, True),
        (0, [], 0, False),
        (40, EARS, math.nan, False),  # the ears not seen: the neck line is unknown
    ],
    ids=["fires", "upright", "ears_unknown"],
)
def test_shoulders(forward: float, hide: list, severity: float, cue: bool) -> None:
    frames = UPRIGHT + posture(4.0, head_forward_deg=forward)
    check(hidden(synthetic.sequence(frames), hide), "shoulders", severity, cue)


def test_shoulders_forward_counts_once_held_its_duration() -> None:
    seq = synthetic.sequence(UPRIGHT + posture(1.5, head_forward_deg=40))
    a = check(seq, "shoulders", 0, False)  # 1.5 s of the 2 s it takes
    report = a.report(a.n_frames - 1).rule("shoulders")
    assert report.verdict.startswith("held 1.5 s of the 2 s")


# --- weight on one side -----------------------------------------------------------------------
LOADED_STANCE = {
    "trunk_flexion_deg": 45,
    "upper_arm_flexion_deg": 60,
    "elbow_flexion_deg": 10,
    "yaw_deg": 45,
}


@pytest.mark.parametrize(
    ("right_knee", "hide", "severity", "cue"),
    [
        (60, [], 1, True),  # one knee bent 60 deg more than the other while loaded
        (0, [], 0, False),
        (60, [LM.LEFT_KNEE, LM.LEFT_ANKLE], math.nan, False),  # one knee not seen
    ],
    ids=["fires", "even", "knee_unknown"],
)
def test_asymmetry(right_knee: float, hide: list, severity: float, cue: bool) -> None:
    frames = posture(1.0, yaw_deg=45) + posture(
        3.0, knee_flexion_right_deg=right_knee, **LOADED_STANCE
    )
    check(hidden(synthetic.sequence(frames), hide), "asymmetry", severity, cue)


# --- static posture ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("moving", "hide", "severity", "cue"),
    [
        (False, [], 1, True),  # the trunk still for over a minute
        (True, [], 0, False),  # bending and straightening every few seconds
        (False, HIPS, math.nan, False),  # hips not seen: the trunk is unknown
    ],
    ids=["fires", "moving", "trunk_unknown"],
)
def test_static(moving: bool, hide: list, severity: float, cue: bool) -> None:
    fps = 10.0
    frames = []
    for k in range(62):  # 62 s, one second at a time
        bend = 30.0 if moving and k % 4 == 0 else 5.0
        frames += posture(1.0, fps=fps, trunk_flexion_deg=bend)
    check(hidden(synthetic.sequence(frames, fps=fps), hide), "static", severity, cue)


# --- repetitive lifting -----------------------------------------------------------------------
def test_repetition_fires_on_the_fifth_lift_in_a_minute_and_not_before() -> None:
    seq = synthetic.repeated_lifts(7)
    a = analyze(seq, DEFAULTS)
    sev = a.cues.severity["repetition"]
    rate = a.context.lift_rate_per_min
    assert np.all(sev[rate > 4] == 1) and np.all(sev[rate <= 4] == 0)
    assert "slow_down" in {c for cs in a.cues.cues for c in cs}


def test_repetition_cannot_tell_without_a_pose() -> None:
    seq = synthetic.repeated_lifts(7)
    gone = np.flatnonzero(seq.t_s > seq.t_s[-1] - 0.5)
    world, image = seq.world_xyz_m.copy(), seq.image_xyz.copy()
    world[gone], image[gone] = np.nan, np.nan
    a = analyze(replace(seq, world_xyz_m=world, image_xyz=image), DEFAULTS)
    assert math.isnan(a.cues.severity["repetition"][-1])
    assert a.cues.risk_level[-1] == "unknown" and a.cues.cues[-1] == ()


# --- the frame says why -----------------------------------------------------------------------
def test_the_frame_report_says_why_no_cue_shows_with_the_knees_bent() -> None:
    seq = synthetic.sequence(UPRIGHT + posture(2.0, trunk_flexion_deg=46, knee_flexion_deg=104))
    rule = analyze(seq, DEFAULTS).report(len(seq) - 1).rule("bend_knees")
    assert rule.why == "trunk 46 deg, knees 104 deg: knees bent - no finding, no cue"


def test_the_frame_report_counts_down_a_lingering_cue() -> None:
    seq = synthetic.sequence(UPRIGHT + posture(2.0, trunk_flexion_deg=40) + posture(0.6))
    a = analyze(seq, DEFAULTS)
    rule = a.report(len(seq) - 1).rule("bend_knees")
    finding_ended = seq.t_s[np.flatnonzero(a.cues.severity["bend_knees"] > 0)[-1]]
    left = DEFAULTS.rules.cues.off_s - (seq.t_s[-1] - finding_ended)
    assert 0.3 < left < 0.5
    assert rule.cue_state == "lingering" and rule.verdict == "no finding"
    assert rule.timing == f"cue ends in {left:.1f} s"
