"""Issue acceptance on the real clips: what every run writes, and what each clip must read.

The thresholds are the issue's own (15 deg upright, 45 deg bending, 95 % / 90 % of frames);
they are wide enough for the pose model's noise on these clips and tight enough that a wrong
sign, a missing tilt correction or a lift detector that fires on walking fails them.
"""

from __future__ import annotations

import numpy as np
import pytest

from posture.assess.cues import CUE_TEXT
from posture.assess.rules import RULES

from .conftest import SEATED_CLIPS, Runs, all_clips, worker_and_helper

pytestmark = [pytest.mark.media, pytest.mark.slow]

FLOOR_LIFT = "floor_lift_knees_bent_side"
HIP_HINGE = "hip_hinge_straight_knees_side"
UPRIGHT_CLIPS = (
    "static_upright_rear_oblique",
    "static_upright_tilted_camera",
    "walking_upright_side",
)

#: The measures the issue names; each must come with its ``<measure>_conf`` column.
ISSUE_MEASURES = (
    "trunk_flexion_deg",
    "trunk_twist_deg",
    "shoulders_forward_deg",
    "knee_flexion_deg",
    "trunk_side_bend_deg",
    "neck_flexion_deg",
    "hip_flexion_deg",
    "knee_flexion_left_deg",
    "knee_flexion_right_deg",
    "hand_height_cm",
    "hand_distance_cm",
)
ISSUE_COLUMNS = (
    "frame",
    "time_s",
    "person",
    "pose_found",
    "view",
    *ISSUE_MEASURES,
    *(f"{m}_conf" for m in ISSUE_MEASURES),
    "risk_level",
    "cues",
    "reba_score",
    "reba_level",
    "rula_score",
    "owas_back",
    *(f"{rule.name}_severity" for rule in RULES),
    *(f"{rule.name}_cue" for rule in RULES),
)
RISK_LEVELS = {"low", "medium", "high", "unknown"}


# --- what every run writes --------------------------------------------------------------------
@pytest.mark.parametrize("clip", all_clips())
def test_every_clip_writes_frames_summary_and_landmarks_but_no_video_when_off(
    runs: Runs, clip: str
) -> None:
    run = runs.clip(clip)
    for name in ("frames.csv", "summary.json", "landmarks.npz"):
        assert (run.out / name).is_file(), f"{clip}: {name} missing"
    assert not (run.out / "annotated.mp4").exists(), "--no-video still wrote annotated.mp4"


@pytest.mark.parametrize(
    "clip",
    [
        FLOOR_LIFT,  # square frames, drawn at their own size
        "static_upright_rear_oblique",  # portrait 1088x1920, scaled down to 720 rows
    ],
)
def test_clip_with_video_on_also_writes_annotated_mp4(runs: Runs, clip: str) -> None:
    run = runs.clip(clip, video=True)
    for name in ("frames.csv", "summary.json", "landmarks.npz", "annotated.mp4"):
        assert (run.out / name).is_file(), f"{clip}: {name} missing"
    assert (run.out / "annotated.mp4").stat().st_size > 0


@pytest.mark.parametrize("clip", all_clips())
def test_frames_csv_has_every_column_the_issue_asks_for(runs: Runs, clip: str) -> None:
    frames = runs.clip(clip).frames
    missing = [c for c in ISSUE_COLUMNS if c not in frames]
    assert not missing, f"{clip}: frames.csv lacks {missing}"
    assert len(frames["frame"]) > 0


@pytest.mark.parametrize("clip", all_clips())
def test_risk_levels_and_cues_are_only_known_values(runs: Runs, clip: str) -> None:
    frames = runs.clip(clip).frames
    assert set(frames["risk_level"]) <= RISK_LEVELS
    cue_ids = {c for text in frames["cues"] for c in text.split(";") if c}
    assert cue_ids <= set(CUE_TEXT), f"unknown cue ids {cue_ids - set(CUE_TEXT)}"


# --- trunk flexion ----------------------------------------------------------------------------
@pytest.mark.parametrize("clip", UPRIGHT_CLIPS)
def test_upright_clip_reads_trunk_flexion_under_15_deg_on_95_percent_of_frames(
    runs: Runs, clip: str
) -> None:
    run = runs.clip(clip)
    flexion = run.num("trunk_flexion_deg")[run.pose_found]
    assert flexion.size > 0, f"{clip}: no frame with a pose"
    # a frame without a reading (NaN) counts against the clip: it did not read upright
    share = np.mean(np.abs(np.nan_to_num(flexion, nan=np.inf)) < 15.0)
    assert share >= 0.95, f"{clip}: only {share:.0%} of frames under 15 deg"


def test_tilted_camera_reads_upright_within_10_deg_of_zero(runs: Runs) -> None:
    # a naive 2D angle reads about 20 deg here (MANIFEST); the tilt correction must remove it
    run = runs.clip("static_upright_tilted_camera")
    flexion = run.num("trunk_flexion_deg")[run.pose_found]
    assert np.isfinite(flexion).any()
    assert np.nanmedian(np.abs(flexion)) <= 10.0


@pytest.mark.parametrize("clip", [FLOOR_LIFT, HIP_HINGE])
def test_bending_clip_peaks_above_45_deg_trunk_flexion(runs: Runs, clip: str) -> None:
    run = runs.clip(clip)
    assert np.nanmax(run.num("trunk_flexion_deg")) > 45.0


# --- lifts ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("clip", "styles"),
    [
        (FLOOR_LIFT, {"squat", "semi_squat"}),  # knees bent, back flat
        pytest.param(
            HIP_HINGE,
            {"stoop"},  # knees nearly straight, trunk inclined
            marks=pytest.mark.xfail(
                reason="knee hidden behind the barbell plate at the lowest point: the pose "
                "model places it bent ~98 deg with visibility 0.9 (truth ~35 deg), so the lift "
                "reads semi-squat; nothing in the landmarks tells it is hidden (lengths "
                "plausible); see the issue 14 closing note",
                strict=False,
            ),
        ),
    ],
)
def test_lift_is_detected_with_the_style_of_the_clip(
    runs: Runs, clip: str, styles: set[str]
) -> None:
    run = runs.clip(clip)
    assert len(run.lifts) >= 1, f"{clip}: no lift detected"
    assert {lf["style"] for lf in run.lifts} <= styles
    assert run.summary["lifts"] == len(run.lifts)


#: The upright man from behind and above among them: his feet (toes hidden) read turned some
#: 60 deg from his hips, so his forward, and the twist measured from it, are unsure.
@pytest.mark.parametrize("clip", UPRIGHT_CLIPS)
def test_upright_clip_has_no_lift_and_low_risk(runs: Runs, clip: str) -> None:
    run = runs.clip(clip)
    assert run.lifts == []
    assert run.summary["lifts"] == 0
    risk = run.frames["risk_level"][run.pose_found]
    assert risk.size > 0
    assert "high" not in set(risk)
    assert np.mean(risk == "low") >= 0.90


def test_load_kg_gives_a_lifting_index_for_every_lift(runs: Runs) -> None:
    run = runs.clip(FLOOR_LIFT, "--load-kg", "15")
    assert run.lifts, "no lift to score"
    for lf in run.lifts:
        pairs = [(lf[f"li_{e}"], lf[f"rwl_{e}_kg"]) for e in ("origin", "destination")]
        given = [(float(li), float(rwl)) for li, rwl in pairs if li != ""]
        assert given, f"lift {lf['lift']} has no lifting index: {lf}"
        for li, rwl in given:
            # LI = load / RWL; both are rounded to 2 decimals in lifts.csv
            assert li == pytest.approx(15.0 / rwl, abs=0.02)


def test_without_a_load_no_lifting_index_is_given(runs: Runs) -> None:
    run = runs.clip(FLOOR_LIFT)
    assert run.lifts
    assert all(lf["li_origin"] == "" and lf["li_destination"] == "" for lf in run.lifts)


# --- the seated twist clips -------------------------------------------------------------------
@pytest.mark.parametrize("clip", SEATED_CLIPS)
def test_seated_worker_is_flagged_for_twisting_during_the_hand_over(runs: Runs, clip: str) -> None:
    default = runs.clip(clip)
    worker, _helper = worker_and_helper(default)
    run = runs.rescore(default, "--person", str(worker))
    assert run.summary["subject"] == worker
    twisting_lifts = [lf for lf in run.lifts if lf["twisting_under_load"] == "1"]
    turn_feet = np.array(["turn_feet" in c.split(";") for c in run.frames["cues"]])
    twist_flagged = run.num("twist_severity") > 0
    assert twisting_lifts or turn_feet.any() or twist_flagged.any(), (
        f"{clip}: no twisting flag for the worker (person {worker})"
    )
