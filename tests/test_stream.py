"""The streaming core (posture.assess.stream) at the edges of a person's stream."""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace

import numpy as np

from posture import synthetic
from posture.assess.analysis import analyze
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


def _held_bytes(obj: object, seen: set[int]) -> int:
    """Bytes of the numpy arrays reachable from ``obj`` (dataclasses, dicts, lists, tuples),
    each array's memory counted once."""
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        base = obj if obj.base is None else obj.base
        if base is not obj:
            return _held_bytes(base, seen) if isinstance(base, np.ndarray) else 0
        return obj.nbytes
    if is_dataclass(obj) and not isinstance(obj, type):
        return sum(_held_bytes(getattr(obj, f.name), seen) for f in fields(obj))
    if isinstance(obj, dict):
        return sum(_held_bytes(v, seen) for v in obj.values())
    if isinstance(obj, list | tuple):
        return sum(_held_bytes(v, seen) for v in obj)
    return 0


def test_a_finished_analysis_holds_its_frames_compactly_recorded_and_live() -> None:
    # a long recording's analysis stays in memory while its outputs are written: the landmarks
    # once (no cleaned copy, no skeleton's points), the rest a few columns
    poses = [
        synthetic.angles(yaw_deg=SIDE, trunk_flexion_deg=float(b), knee_flexion_deg=float(b))
        for b in 45 + 45 * np.sin(np.linspace(0, 6 * np.pi, 300))
    ]
    seq = synthetic.sequence(poses)
    core = StreamingAnalysis(DEFAULTS, image_size_px=seq.image_size_px)
    for i in range(len(seq)):
        pose = (seq.world_xyz_m[i], seq.image_xyz[i], seq.visibility[i])
        core.push(float(seq.t_s[i]), int(seq.frame_index[i]), pose)
    live = core.finish()
    assert live is not None
    # 2.3 KB a frame recorded (3.9 KB before); live's columns grow by doubling their room
    for a, most in ((analyze(seq, DEFAULTS), 2500), (live, 5500)):
        assert not hasattr(a, "cleaned")
        assert a.measures.body.points.size == 0
        assert _held_bytes(a, set()) / len(seq) < most
