"""Exact synthetic people: MediaPipe's 33 landmarks built from known joint angles.

Pure numpy (no cv2, no mediapipe). :mod:`posture.synthetic.body` is the body model and the
camera (tests feed these skeletons to the measures and check that each known angle comes back);
:mod:`posture.synthetic.scenes` builds lifts and the demo session for newcomers.
"""

from posture.synthetic.body import (
    EAR_AHEAD_DEG,
    EYE_ABOVE_DEG,
    SEGMENTS,
    Angles,
    Camera,
    angles,
    body_points,
    pose,
    project,
    sequence,
)
from posture.synthetic.scenes import (
    LIFT_POSTURES,
    demo_recording,
    interpolate,
    lift_keys,
    repeated_lifts,
    synthetic_lift,
)

__all__ = [
    "EAR_AHEAD_DEG",
    "EYE_ABOVE_DEG",
    "LIFT_POSTURES",
    "SEGMENTS",
    "Angles",
    "Camera",
    "angles",
    "body_points",
    "demo_recording",
    "interpolate",
    "lift_keys",
    "pose",
    "project",
    "repeated_lifts",
    "sequence",
    "synthetic_lift",
]
