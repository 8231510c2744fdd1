"""Plain explanations of the figures the dashboard shows (tooltips and captions), in one place.

The risk level and the scores answer different questions: the risk level comes from the
back-strain risk factors of the project's risk model (RISK_MODEL.md, the rules behind the cues);
REBA, RULA and OWAS are published whole-body posture scores.
"""

from __future__ import annotations

RISK_LEVEL = (
    "The risk level (low / medium / high) comes from the back-strain risk factors behind the "
    "cues: bending at the back with straight knees, twisting or side-bending under load, the "
    "load far from the body, rounded shoulders, a static or repeated posture. Only findings "
    "the camera's view confirms count."
)
TIME_AT_HIGH_RISK = (
    "Share of the frames whose risk level is high. " + RISK_LEVEL + " REBA and RULA are "
    "separate whole-body scores and can be high when this is 0% (e.g. a deep squat)."
)
REBA = (
    "REBA (Rapid Entire Body Assessment): a whole-body posture score, 1-15, that adds up the "
    "trunk, neck, legs (deep knee bends count), arms and wrists, the load and the grip. "
    "1 negligible, 2-3 low, 4-7 medium, 8-10 high, 11+ very high."
)
RULA = (
    "RULA (Rapid Upper Limb Assessment): a posture score, 1-7, weighted to the arms, wrists, "
    "neck and trunk, with the load and repetition. 1-2 acceptable, 3-4 investigate, 5-6 "
    "change soon, 7 change now."
)
OWAS = (
    "OWAS back code (Ovako Working posture Analysing System): 1 straight, 2 bent forward, "
    "3 twisted or bent sideways, 4 bent forward and twisted or bent sideways."
)
CUE_TIMING = (
    "The risk level and each rule's finding are what the measures show at this very frame, "
    "against the rule's thresholds. A cue shows once its finding has lasted a moment "
    "(rules.cues.on_s, 0.3 s), stays while the finding holds and lingers a second after it "
    "ends (rules.cues.off_s), so that it does not flicker. A rule cannot tell where the "
    "camera's view does not show what it needs; a '?' marks a value the view cannot confirm."
)
SCORES_VS_RISK = (
    "How they relate: the risk level (and the cues) is about the back-strain risk factors "
    "only. REBA and RULA score the whole body's posture, deep knee bends, arm positions and "
    "the load included, so a good squat lift can be low risk and still score REBA high."
)
LIFTING_INDEX = (
    "Lifting index (NIOSH) = load / recommended weight limit (RWL) for that lift's geometry "
    "and frequency: up to 1 most workers can do it safely, above 1 the risk rises, above 3 it "
    "is high for nearly everyone. Needs the load weight (sidebar)."
)
RWL = (
    "Recommended weight limit (NIOSH), kg: the load nearly all healthy workers could lift "
    "with this lift's hand position, distance, twist and frequency."
)
VIEW = (
    "How the camera sees the person: side, front, back or oblique. A side view shows "
    "forward bending best; twisting and side bending need a front or back view."
)
LIFTS_PER_MINUTE = "Lifts divided by the clip's length in minutes."
LIFTS_PER_MINUTE_EMPTY = "Needs a clip of at least a minute with two lifts."
DEEPEST_BEND = "The largest forward trunk bend in the clip (0° upright)."
WORST_LIFT = (
    "The lift with the highest lifting index, or without a load weight the deepest trunk bend."
)
CONFIDENCE = (
    "How far the view and the landmarks' visibility let a measure be trusted (0-1); below "
    "the minimum (sidebar) it is shown but raises no confident cue."
)
