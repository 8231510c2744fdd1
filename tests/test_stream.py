"""The streaming core (posture.assess.stream) at the edges of a person's stream."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from posture import synthetic
from posture.assess.stream import StreamingAnalysis
from posture.core.config import DEFAULTS
from posture.core.landmarks import PoseSequence

SIDE = 90.0


def streamed_lowest_rows(seq: PoseSequence) -> list[int]:
    core = StreamingAnalysis(DEFAULTS, image_size_px=seq.image_size_px)
    for i in range(len(seq)):
        seen = seq.pose_found[i]
        pose = (seq.world_xyz_m[i], seq.image_xyz[i], seq.visibility[i]) if seen else None
        core.push(float(seq.t_s[i]), int(seq.frame_index[i]), pose)
    a = core.finish()
    return [] if a is None else [lift.lowest_row for lift in a.lifts]


def test_no_lift_has_its_lowest_point_in_a_frame_without_the_person() -> None:
    # standing, one last frame crouched (the pose model's guess as a person walks out of the
    # picture), then nobody: the cleaner holds that frame's landmarks through a short gap and
    # its low-pass, lagging a frame behind, settles on them while nobody is there; those
    # frames are no evidence of a movement (they made a lift as a man walked out of view)
    standing = synthetic.angles(yaw_deg=SIDE)
    crouched = synthetic.angles(yaw_deg=SIDE, trunk_flexion_deg=90, knee_flexion_deg=130)
    seq = synthetic.sequence([standing] * 60 + [crouched] + [standing] * 20)
    gone = np.arange(len(seq)) > 60
    nan = np.where(gone[:, None, None], np.nan, 1.0).astype(np.float32)
    seq = replace(
        seq,
        world_xyz_m=seq.world_xyz_m * nan,
        image_xyz=seq.image_xyz * nan,
        visibility=np.where(gone[:, None], 0.0, seq.visibility).astype(np.float32),
    )
    assert all(seq.pose_found[row] for row in streamed_lowest_rows(seq))
