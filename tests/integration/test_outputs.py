"""What a run writes, checked against itself: re-scoring, summary.json, annotated.mp4, npz input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import av
import numpy as np
import pytest

import posture
from posture.assess.cues import CUE_TEXT
from posture.assess.tables import CSV_MEASURES
from posture.cli import commands as cli
from posture.core.config import DEFAULTS, as_dict, override
from posture.core.landmarks import PoseRecording, save_npz
from posture.synthetic import synthetic_lift

from .conftest import Run, Runs

pytestmark = [pytest.mark.media, pytest.mark.slow]

FLOOR_LIFT = "floor_lift_knees_bent_side"
MEASURE_COLUMNS = [c for m in CSV_MEASURES for c in (m, f"{m}_conf")]


# --- --landmarks reproduces the run -----------------------------------------------------------
@pytest.mark.parametrize(
    "clip",
    [
        FLOOR_LIFT,  # one person, a pose in every frame
        "seated_twist_light_box_front",  # two people, frames without the subject
    ],
)
def test_rescoring_landmarks_npz_reproduces_every_measure_column(runs: Runs, clip: str) -> None:
    run = runs.clip(clip)
    again = runs.rescore(run)
    assert again.summary["subject"] == run.summary["subject"]
    assert len(again.frames["frame"]) == len(run.frames["frame"])
    for col in [*MEASURE_COLUMNS, "time_s", "pose_found"]:
        np.testing.assert_array_equal(again.num(col), run.num(col), err_msg=col)  # NaN == NaN
    for col in ("risk_level", "cues", "view"):
        np.testing.assert_array_equal(again.frames[col], run.frames[col], err_msg=col)


# --- summary.json -----------------------------------------------------------------------------
@pytest.mark.parametrize("clip", [FLOOR_LIFT, "walking_upright_side"])
def test_summary_clip_facts_agree_with_frames_csv(runs: Runs, clip: str) -> None:
    run = runs.clip(clip)
    c = run.summary["clip"]
    t = run.num("time_s")
    assert c["frames"] == len(t)
    assert c["frames_with_pose"] == int(run.pose_found.sum())
    assert 0 < c["frames_with_pose"] <= c["frames"]
    assert c["fps"] == pytest.approx(30.0, abs=0.05)  # both clips are 30 fps (MANIFEST)
    # time_s is rounded to 0.1 ms in frames.csv, duration_s to 1 ms in summary.json
    assert c["duration_s"] == pytest.approx(t[-1] - t[0], abs=1e-3)
    assert c["duration_s"] == pytest.approx((c["frames"] - 1) / c["fps"], abs=2e-3)


def test_summary_peak_and_typical_of_each_measure_agree_with_frames_csv(runs: Runs) -> None:
    run = runs.clip(FLOOR_LIFT)
    measures = run.summary["measures"]
    assert set(measures) == set(CSV_MEASURES)
    assert measures["trunk_flexion_deg"] is not None
    for name, figures in measures.items():
        v = run.num(name)[run.pose_found]
        v = v[np.isfinite(v)]
        if figures is None:
            assert v.size == 0, f"{name}: values in frames.csv but none in the summary"
            continue
        # frames.csv holds values rounded to 0.1 (0.01 for hip_shift); the summary rounds the
        # unrounded values, so the two may differ by one rounding step
        tol = 0.11
        assert figures["peak"] == pytest.approx(v[np.argmax(np.abs(v))], abs=tol), name
        assert figures["median"] == pytest.approx(np.median(v), abs=tol), name
        assert 0.0 <= figures["trusted_share"] <= 1.0


@pytest.mark.parametrize("clip", [FLOOR_LIFT, "hip_hinge_straight_knees_side"])
@pytest.mark.parametrize("key", ["risk_time_share", "reba_time_share"])
def test_summary_time_shares_sum_to_one(runs: Runs, clip: str, key: str) -> None:
    shares = runs.clip(clip).summary[key]
    assert all(0.0 <= v <= 1.0 for v in shares.values())
    # each share is rounded to 3 decimals: up to 6 x 0.0005 off
    assert sum(shares.values()) == pytest.approx(1.0, abs=0.003)


@pytest.mark.parametrize(
    ("clip", "has_lifts"),
    [("hip_hinge_straight_knees_side", True), ("static_upright_rear_oblique", False)],
)
def test_summary_cues_and_lifts_agree_with_the_csv_files(
    runs: Runs, clip: str, has_lifts: bool
) -> None:
    run = runs.clip(clip)
    s = run.summary
    assert s["lifts"] == len(run.lifts)
    assert bool(s["lifts"]) is has_lifts
    minutes = s["clip"]["duration_s"] / 60
    if minutes >= 1 and s["lifts"] >= 2:
        assert s["lifts_per_min"] == pytest.approx(s["lifts"] / minutes, abs=0.01)
    else:  # no rate from under a minute of video or a single lift
        assert s["lifts_per_min"] is None
    if has_lifts:
        assert s["worst_lift"]["lift"] in {int(lf["lift"]) for lf in run.lifts}
    else:
        assert s["worst_lift"] is None
    raised = {c for text in run.frames["cues"] for c in text.split(";") if c}
    assert {c["id"] for c in s["cues"]} == raised
    for c in s["cues"]:
        assert c["text"] == CUE_TEXT[c["id"]]
        assert c["seconds"] > 0


def test_summary_records_model_version_and_the_full_settings(runs: Runs) -> None:
    run = runs.clip(FLOOR_LIFT, "--load-kg", "15")
    s = run.summary
    assert s["posture_version"] == posture.__version__
    model = s["model"]
    assert {"path", "source", "name", "sha256"} <= set(model)
    assert re.fullmatch(r"[0-9a-f]{64}", model["sha256"])
    expected = override(DEFAULTS, {"task": {"load_kg": 15.0}, "output": {"video": False}})
    assert s["settings"] == json.loads(json.dumps(as_dict(expected)))


# --- annotated.mp4 ----------------------------------------------------------------------------
@pytest.mark.parametrize("clip", [FLOOR_LIFT, "static_upright_rear_oblique"])
def test_annotated_video_is_h264_yuv420p_with_every_frame_and_decodes_fully(
    runs: Runs, clip: str
) -> None:
    run = runs.clip(clip, video=True)
    with av.open(str(run.out / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert stream.codec_context.width % 2 == 0 and stream.codec_context.height % 2 == 0
        assert stream.codec_context.height <= DEFAULTS.output.video_max_height
        decoded = sum(1 for _ in container.decode(stream))  # raises if a packet is broken
    assert decoded == run.summary["clip"]["frames"]


# --- --landmarks with world landmarks only ----------------------------------------------------
def _save_world_only(path: Path, bare: bool) -> int:
    seq = synthetic_lift("stoop", world_only=True)
    if bare:  # the smallest file the format allows: (T, 33, 3) world landmarks and times
        np.savez(path, world_xyz_m=seq.world_xyz_m, t_s=seq.t_s)
    else:
        save_npz(path, PoseRecording(people=(seq,), subject_id=seq.person_id))
    return len(seq)


@pytest.mark.parametrize("bare", [False, True], ids=["save_npz", "bare_T_33_3"])
def test_world_only_landmarks_are_scored_and_replayed(tmp_path: Path, bare: bool) -> None:
    npz = tmp_path / "world.npz"
    n = _save_world_only(npz, bare)
    out = tmp_path / "out"
    assert cli.main(["analyze", "--landmarks", str(npz), "--out", str(out)]) == 0
    run = Run("world-only", [], out, 0.0)
    assert len(run.frames["frame"]) == n
    assert run.pose_found.all()
    assert [lf["style"] for lf in run.lifts] == ["stoop"]
    with av.open(str(out / "annotated.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == n
