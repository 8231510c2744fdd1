"""The body frame: skeleton source, forward direction, view yaw, camera tilt, standing still."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from posture import synthetic
from posture.core.body import (
    UP,
    body_frame,
    build_skeleton,
    forward_direction,
    mid,
    model_depth_lean,
    still_frames,
)
from posture.core.config import DEFAULTS, override
from posture.core.geometry import angle_between_deg
from posture.core.gravity import LEVEL, Gravity, GravityCue, down_vector, fuse, pitch_roll_deg
from posture.core.landmarks import LM, MIRROR, PoseSequence
from posture.core.measures import trunk_angles

N_STAND = 40


def facing(yaw_deg: float) -> np.ndarray:
    """The person's forward in level camera axes for a yaw (0 faces the camera, 90 image right)."""
    y = np.radians(yaw_deg)
    return np.array([np.sin(y), 0.0, -np.cos(y)])


def seq_of(postures: list[synthetic.Angles], path: str = "world", **kw: object) -> PoseSequence:
    return synthetic.sequence(
        postures, world_only=path == "world", image_only=path == "image", **kw
    )


# ---------------------------------------------------------------------------------------------
# skeleton source
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "source", "has_depth"),
    [("world", "world", True), ("image", "image-2d", False), ("fused", "fused", True)],
)
def test_skeleton_source_follows_the_landmarks_given(
    path: str, source: str, has_depth: bool
) -> None:
    sk = build_skeleton(seq_of([synthetic.angles(yaw_deg=90)] * 3, path))
    assert (sk.source, sk.has_depth) == (source, has_depth)
    hips = mid(sk.points, [LM.LEFT_HIP, LM.RIGHT_HIP])
    assert np.allclose(hips, 0.0, atol=1e-6)  # origin at the mid-hip in every source
    if not has_depth:
        assert np.all(sk.points[..., 2] == 0.0)


_SH, _HIP = [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER], [LM.LEFT_HIP, LM.RIGHT_HIP]


@pytest.mark.parametrize("projection", ["pinhole", "weak"])
def test_fused_skeleton_is_in_metres(projection: str) -> None:
    camera = synthetic.Camera(projection=projection)
    seq = seq_of([synthetic.angles(yaw_deg=90)] * 3, "fused", camera=camera)
    fused = build_skeleton(seq).points
    world = seq.world_xyz_m
    trunk = np.linalg.norm(fused[:, _SH] - fused[:, _HIP], axis=-1).mean(axis=1)
    truth = np.linalg.norm(world[:, _SH] - world[:, _HIP], axis=-1).mean(axis=1)
    # the far side looks ~11 % smaller than the near side 3.5 m away; one scale per frame
    tol = 0.06 if projection == "pinhole" else 1e-3
    assert trunk == pytest.approx(truth, rel=tol)


# ---------------------------------------------------------------------------------------------
# forward direction and view yaw
# ---------------------------------------------------------------------------------------------
YAWS = [0, 45, 90, 135, 180, -90, -45, -135]


@pytest.mark.parametrize("yaw", YAWS)
@pytest.mark.parametrize(
    "posture",
    [{}, {"trunk_flexion_deg": 70, "knee_flexion_deg": 20}, {"knee_flexion_deg": 110}],
    ids=["upright", "stoop", "squat"],
)
def test_forward_direction_for_every_yaw(yaw: float, posture: dict) -> None:
    p = synthetic.pose(yaw_deg=yaw, **posture)[None]
    assert angle_between_deg(forward_direction(p)[0], facing(yaw)) < 0.1


@pytest.mark.parametrize("yaw", [90, -90])
@pytest.mark.parametrize("path", ["world", "fused", "image"])
def test_swapped_left_right_labels_in_a_side_view_do_not_flip_forward(
    path: str, yaw: float
) -> None:
    postures = [synthetic.angles(yaw_deg=yaw)] * N_STAND + [
        synthetic.angles(yaw_deg=yaw, trunk_flexion_deg=45, knee_flexion_deg=30)
    ]
    seq = seq_of(postures, path)
    swapped = replace(
        seq, world_xyz_m=seq.world_xyz_m[:, MIRROR], image_xyz=seq.image_xyz[:, MIRROR]
    )
    a = body_frame(seq, DEFAULTS.view)
    b = body_frame(swapped, DEFAULTS.view)
    # the picture's direction of forward is what a side view shows: it must stay the same
    assert np.all(np.sign(a.forward[:, 0]) == np.sign(facing(yaw)[0]))
    assert np.all(np.sign(b.forward[:, 0]) == np.sign(facing(yaw)[0]))
    assert np.all(np.abs(b.forward[:, 0]) > 0.95)
    assert np.all(np.abs(b.yaw_deg) > 65)  # still a side view


@pytest.mark.parametrize("yaw", YAWS)
@pytest.mark.parametrize("path", ["world", "fused"])
def test_view_yaw_is_the_persons_turn_from_the_camera(path: str, yaw: float) -> None:
    bf = body_frame(seq_of([synthetic.angles(yaw_deg=yaw)] * 10, path), DEFAULTS.view)
    err = (bf.yaw_deg - yaw + 180) % 360 - 180
    # fused: the hips' depth is refined by their foreshortening in a perspective picture
    assert np.all(np.abs(err) < (1.0 if path == "fused" else 0.5)), bf.yaw_deg


@pytest.mark.parametrize(("yaw", "sign"), [(90, 1), (-90, -1), (0, 0), (180, 0)])
def test_view_yaw_from_a_2d_picture_tells_side_from_front(yaw: float, sign: int) -> None:
    bf = body_frame(seq_of([synthetic.angles(yaw_deg=yaw)] * 10, "image"), DEFAULTS.view)
    if sign:
        assert np.all(np.sign(bf.yaw_deg) == sign)
        assert np.all(np.abs(np.abs(bf.yaw_deg) - 90) < 3)
    else:
        assert np.all(np.abs(np.cos(np.radians(bf.yaw_deg))) > 0.99)


def test_view_yaw_does_not_depend_on_camera_roll() -> None:
    seq = seq_of([synthetic.angles(yaw_deg=45)] * N_STAND, camera=synthetic.Camera(roll_deg=30))
    bf = body_frame(seq, DEFAULTS.view)
    assert np.all(np.abs(bf.yaw_deg - 45) < 1.0), bf.yaw_deg


# ---------------------------------------------------------------------------------------------
# camera tilt
# ---------------------------------------------------------------------------------------------
def lean_deg(points: np.ndarray) -> np.ndarray:
    """How far the ankle-to-shoulder line leans from vertical, per frame."""
    body = mid(points, [LM.LEFT_SHOULDER, LM.RIGHT_SHOULDER]) - mid(
        points, [LM.LEFT_ANKLE, LM.RIGHT_ANKLE]
    )
    return angle_between_deg(body, UP)


def tilted(path: str, yaw: float, roll: float, pitch: float, bend: bool = True) -> PoseSequence:
    postures = [synthetic.angles(yaw_deg=yaw)] * N_STAND
    if bend:
        postures.append(synthetic.angles(yaw_deg=yaw, trunk_flexion_deg=45))
    return seq_of(postures, path, camera=synthetic.Camera(roll_deg=roll, pitch_deg=pitch))


TILTS = [  # (path, yaw, roll, pitch, tolerance on the corrected lean, on a 45 deg bend after)
    ("world", 90, 0, 0, 0.01, 0.01),
    ("world", 90, 15, 0, 0.01, 0.01),
    ("world", 90, 30, 0, 0.01, 0.01),
    ("world", 90, -15, 0, 0.01, 0.01),
    ("world", 90, 0, 20, 0.01, 0.01),
    ("world", 90, 15, 20, 0.01, 0.01),
    ("world", 0, 30, 0, 0.01, 0.01),
    ("world", 0, 0, 20, 0.01, 0.01),
    ("world", 45, 15, 20, 0.01, 0.01),
    ("world", 90, 0, -10, 0.01, 0.01),
    ("fused", 90, 30, 0, 0.1, 0.1),
    ("fused", 0, 15, 0, 0.1, 3.5),  # front view: the bend is the world landmarks' depth
    ("fused", 90, 0, 20, 1.0, 1.0),  # perspective: the feet are far below the optical axis
    ("fused", 0, 15, 20, 1.0, 3.5),
    ("image", 90, 15, 0, 0.1, 0.2),
    ("image", 90, 30, 0, 0.1, 0.2),
    ("image", 0, -30, 0, 0.1, None),  # 2D front view: the bend is depth, unseen
    ("image", 45, 15, 0, 0.1, None),  # 2D oblique view: the bend is foreshortened
]


@pytest.mark.parametrize(("path", "yaw", "roll", "pitch", "tol", "tol_flex"), TILTS)
def test_tilted_camera_is_corrected_to_upright(
    path: str, yaw: float, roll: float, pitch: float, tol: float, tol_flex: float | None
) -> None:
    seq = tilted(path, yaw, roll, pitch)
    bf = body_frame(seq, DEFAULTS.view)
    assert np.all(lean_deg(bf.points[:N_STAND]) < tol)
    before = lean_deg(build_skeleton(seq).points[:N_STAND])
    assert bf.gravity.angle_deg == pytest.approx(float(np.median(before)), abs=tol)
    assert "upright moments" in bf.gravity.sources
    if tol_flex is not None:
        flex = trunk_angles(bf)["trunk_flexion_deg"]
        assert flex[-1] == pytest.approx(45.0, abs=tol_flex)


@pytest.mark.parametrize(("path", "roll", "pitch"), [("world", 20, 25), ("fused", -15, 20)])
def test_pitch_and_roll_are_reported_as_the_camera_has_them(
    path: str, roll: float, pitch: float
) -> None:
    g = body_frame(tilted(path, 45, roll, pitch), DEFAULTS.view).gravity
    assert g.pitch_deg == pytest.approx(pitch, abs=1.5)
    assert g.roll_deg == pytest.approx(roll, abs=1.5)
    assert g.as_dict()["sources"] == list(g.sources)


@pytest.mark.parametrize("path", ["world", "fused", "image"])
def test_a_2d_picture_cannot_see_camera_pitch(path: str) -> None:
    g = body_frame(tilted(path, 90, 0, 20), DEFAULTS.view).gravity
    if path == "image":
        assert g.angle_deg == 0.0  # the upright person stands upright in the picture
        assert "pitch not seen" in g.note
        assert g.sigma_pitch_deg == LEVEL.sigma_pitch_deg
    else:
        assert g.angle_deg == pytest.approx(20.0, abs=1.0)


@pytest.mark.parametrize("path", ["world", "fused", "image"])
@pytest.mark.parametrize("sign", [1, -1])
def test_from_the_person_alone_a_lean_sized_tilt_is_not_corrected(path: str, sign: int) -> None:
    roll = sign * 3.0
    seq = tilted(path, 90, roll, 0, bend=False)
    g = body_frame(seq, DEFAULTS.view).gravity
    assert g.angle_deg == 0.0
    assert "lean" in g.note
    assert g.sigma_roll_deg >= abs(roll) - 0.5  # and the uncertainty says it could be a tilt
    assert np.allclose(lean_deg(body_frame(seq, DEFAULTS.view).points), abs(roll), atol=0.1)


def test_a_lean_the_user_contradicts_is_kept() -> None:
    # the person leans 3 deg in a level camera's picture; the user says the camera is level
    seq = tilted("world", 90, 3.0, 0, bend=False)
    view = override(DEFAULTS, {"view": {"camera_roll_deg": 0.0, "camera_pitch_deg": 0.0}}).view
    bf = body_frame(seq, view)
    assert bf.gravity.angle_deg == pytest.approx(0.0, abs=0.6)
    assert "given in the settings" in bf.gravity.sources
    assert np.allclose(lean_deg(bf.points), 3.0, atol=0.7)


def test_a_camera_given_in_the_settings_outweighs_the_person() -> None:
    seq = tilted("fused", 0, 10, 20)
    view = override(DEFAULTS, {"view": {"camera_roll_deg": 10.0, "camera_pitch_deg": 20.0}}).view
    g = body_frame(seq, view).gravity
    assert (g.pitch_deg, g.roll_deg) == (pytest.approx(20, abs=1), pytest.approx(10, abs=1))
    assert g.sigma_pitch_deg < 1.0 and g.sigma_roll_deg < 1.0


def test_without_upright_or_standing_moments_the_camera_is_assumed_level() -> None:
    crouched = [synthetic.angles(yaw_deg=90, knee_flexion_deg=70)] * N_STAND
    seq = seq_of(crouched, "world", camera=synthetic.Camera(roll_deg=15))
    g = body_frame(seq, DEFAULTS.view).gravity
    assert g.angle_deg == 0.0
    assert g.sources == () and not g.known
    assert g.sigma_roll_deg == LEVEL.sigma_roll_deg  # and the uncertainty says how little is known
    assert np.allclose(g.rotation, np.eye(3))


def test_too_few_upright_frames_leave_the_camera_level() -> None:
    postures = [synthetic.angles(yaw_deg=90)] * 3 + [
        synthetic.angles(yaw_deg=90, knee_flexion_deg=70)
    ] * 20
    seq = seq_of(postures, "world", camera=synthetic.Camera(roll_deg=15))
    assert not body_frame(seq, DEFAULTS.view).gravity.known


def test_tilt_beyond_the_limit_is_not_trusted() -> None:
    limit = DEFAULTS.view.max_tilt_deg
    g = body_frame(tilted("world", 90, limit + 5, 0), DEFAULTS.view).gravity
    assert g.angle_deg == 0.0
    assert "not trusted" in g.note


def test_tilt_correction_can_be_switched_off() -> None:
    view = override(DEFAULTS, {"view": {"correct_tilt": False}}).view
    g = body_frame(tilted("world", 90, 20, 0), view).gravity
    assert "correction off" in g.note
    assert np.allclose(g.rotation, np.eye(3))
    assert g.cues  # what the person showed is still reported


def test_upright_moments_anywhere_in_the_clip_count() -> None:
    # crouched first (no upright start), standing at the end: the camera's roll is found
    postures = [synthetic.angles(yaw_deg=90, knee_flexion_deg=70)] * N_STAND + [
        synthetic.angles(yaw_deg=90)
    ] * N_STAND
    seq = seq_of(postures, "world", camera=synthetic.Camera(roll_deg=15))
    g = body_frame(seq, DEFAULTS.view).gravity
    assert g.roll_deg == pytest.approx(15.0, abs=0.5)


@pytest.mark.parametrize("path", ["world", "fused"])
def test_standing_balance_finds_gravity_without_an_upright_moment(path: str) -> None:
    # bent over 35 deg with straight knees the whole clip: never upright, always still
    bent = [synthetic.angles(yaw_deg=90, trunk_flexion_deg=35)] * N_STAND
    seq = seq_of(bent, path, camera=synthetic.Camera(roll_deg=15, pitch_deg=10))
    g = body_frame(seq, DEFAULTS.view).gravity
    assert g.sources == ("standing balance",)
    # the synthetic body does not shift its hips back to balance: a few degrees off
    assert g.roll_deg == pytest.approx(15.0, abs=6.0)


def test_the_fusion_leaves_out_a_cue_that_contradicts_the_others() -> None:
    cues = [
        GravityCue("a", 20.0, 5.0, 1.0, 1.0, "scene"),
        GravityCue("b", 21.0, 4.0, 1.5, 1.5, "user"),
        GravityCue("c", 0.0, 30.0, 3.0, 3.0, "body"),
    ]
    g = fuse(cues)
    assert g.rejected == ("c",)
    assert g.pitch_deg == pytest.approx(20.3, abs=0.2)
    assert g.sigma_pitch_deg < 1.0


def test_pitch_and_roll_round_trip_through_the_gravity_vector() -> None:
    for pitch, roll in [(0, 0), (22.5, -13.4), (21.8, 26.1), (-10, 40)]:
        p, r = pitch_roll_deg(down_vector(pitch, roll))
        assert (float(p), float(r)) == (pytest.approx(pitch), pytest.approx(roll))
        g = Gravity(pitch, roll)
        assert np.allclose(g.rotation @ g.down, [0.0, 1.0, 0.0])


# ---------------------------------------------------------------------------------------------
# standing still
# ---------------------------------------------------------------------------------------------
def gait(t_s: np.ndarray, phase: float) -> tuple[np.ndarray, np.ndarray]:
    """Hip and knee flexion of one leg walking at 1 stride/s: stance (60 %) sweeps the thigh
    back from +25 to -20 deg, swing (40 %) brings it forward with the knee bent up to 60."""
    c = (t_s + phase) % 1.0
    stance = c < 0.6
    hip = np.where(stance, 25 - 45 * c / 0.6, -20 + 45 * (c - 0.6) / 0.4)
    knee = np.where(stance, 5.0, 5 + 55 * np.sin(np.pi * (c - 0.6) / 0.4))
    return hip, knee


def walking(path: str, n: int = 60) -> PoseSequence:
    """Walking to the image's right at 1.2 m/s."""
    t = np.arange(n) / 30
    (hl, kl), (hr, kr) = gait(t, 0.0), gait(t, 0.5)
    postures = [
        synthetic.Angles(
            yaw_deg=90,
            hip_flexion_left_deg=float(hl[i]),
            hip_flexion_right_deg=float(hr[i]),
            knee_flexion_left_deg=float(kl[i]),
            knee_flexion_right_deg=float(kr[i]),
            x_m=1.2 * float(t[i]) - 1.0,
        )
        for i in range(n)
    ]
    return seq_of(postures, path)


@pytest.mark.parametrize("path", ["world", "image", "fused"])
def test_standing_is_still_and_walking_is_not(path: str) -> None:
    stand = seq_of([synthetic.angles(yaw_deg=90)] * 30, path)
    assert still_frames(stand, build_skeleton(stand).points).all()
    walk = walking(path)
    moving = still_frames(walk, build_skeleton(walk).points)
    assert moving.mean() < 0.2


def test_bending_on_the_spot_counts_as_still_in_the_picture() -> None:
    seq = synthetic.synthetic_lift("stoop", image_only=True)
    assert still_frames(seq, build_skeleton(seq).points).mean() > 0.9


@pytest.mark.parametrize("n", [1, 2])
def test_very_short_sequences_count_as_still(n: int) -> None:
    seq = seq_of([synthetic.angles(yaw_deg=90)] * n, "world")
    assert still_frames(seq, build_skeleton(seq).points).tolist() == [True] * n


# ---------------------------------------------------------------------------------------------
# the pose model's lean in depth
# ---------------------------------------------------------------------------------------------
def leaned_in_depth(leans_deg: list[float]) -> np.ndarray:
    """Upright side-view skeletons, each turned about the camera's horizontal axis (a lean
    toward or away from the camera, as the pose model's depth gives it) by its own angle."""
    points = build_skeleton(seq_of([synthetic.angles(yaw_deg=90)] * len(leans_deg))).points
    out = points.copy()
    for k, lean in enumerate(np.radians(leans_deg)):
        c, s = np.cos(lean), np.sin(lean)
        turn = np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])
        out[k] = points[k] @ turn.T
    return out


@pytest.mark.parametrize("lean", [-8.0, -2.0, 3.0, 12.0])
def test_a_steady_depth_lean_is_measured(lean: float) -> None:
    points = leaned_in_depth([lean] * 12)
    got = model_depth_lean(points, np.ones(12, bool), LEVEL)
    assert abs(got) == pytest.approx(abs(lean), abs=0.2)
    other = model_depth_lean(leaned_in_depth([-lean] * 12), np.ones(12, bool), LEVEL)
    assert np.sign(got) == -np.sign(other)


def test_upright_moments_that_disagree_on_the_lean_give_none() -> None:
    """Leans of +10 and -10 deg in one clip (a walk toward the camera, a seated worker rising):
    no steady lean of the model to take out."""
    points = leaned_in_depth([10.0, -10.0] * 6)
    assert np.isnan(model_depth_lean(points, np.ones(12, bool), LEVEL))


def test_too_few_upright_moments_give_no_lean() -> None:
    assert np.isnan(model_depth_lean(leaned_in_depth([4.0] * 4), np.ones(4, bool), LEVEL))


@pytest.mark.parametrize(("stretch", "trust"), [(1.0, 1.0), (1.2, 1.0), (1.45, 0.5), (1.7, 0.0)])
def test_a_thigh_not_the_length_of_its_mirror_is_not_trusted(stretch: float, trust: float) -> None:
    """Left and right thighs have one length: a knee the pose model misplaced (held where it was
    last seen while the hips moved) makes one much longer, whatever the person's own lengths,
    known or not yet (the first frames of a stream)."""
    from posture.core.skeleton import segment_plausibility

    p = body_frame(synthetic.sequence([synthetic.angles(yaw_deg=90)] * 10), DEFAULTS.view).points
    p = p.copy()  # the left thigh stretched in every frame: the person's own lengths agree
    hip, knee = p[:, LM.LEFT_HIP].copy(), p[:, LM.LEFT_KNEE].copy()
    p[:, LM.LEFT_KNEE] = hip + (knee - hip) * stretch
    p[:, LM.LEFT_ANKLE] += p[:, LM.LEFT_KNEE] - knee  # the lower leg moves with the knee
    got = segment_plausibility(p, np.zeros(10, bool))
    for part in ("knee_left", "knee_right", "hips"):
        np.testing.assert_allclose(got[part], trust, atol=0.05)
