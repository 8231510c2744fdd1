"""Acceptance: the camera found on the real calibrated clips (``../shared/media/CAMERAS.md``)
through the real pipeline, and the upright man read upright (issue 14's "Done when")."""

from __future__ import annotations

import pytest

from posture.validation.clips import (
    CALIBRATED_CLIPS,
    VARIANTS,
    ClipResult,
    ClipTruth,
    body_cue_switch,
    validate_clips,
)
from posture.validation.compare import angle_error_deg
from posture.validation.mocap import default_shared_dir
from posture.validation.report import TARGET_CAMERA_DEG, TARGET_UPRIGHT_DEG

MEDIA = default_shared_dir() / "media"
pytestmark = [
    pytest.mark.media,
    pytest.mark.skipif(
        not all((MEDIA / c.clip).is_file() for c in CALIBRATED_CLIPS),
        reason=f"the calibrated clips are not in {MEDIA.resolve()} (../shared/media)",
    ),
]
AS_A_USER, _, NO_BODY = VARIANTS

Results = dict[tuple[str, str], ClipResult]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Results:
    variants = [AS_A_USER] + ([NO_BODY] if body_cue_switch() else [])
    out = validate_clips(MEDIA, tmp_path_factory.mktemp("clips"), variants=variants)
    return {(r.truth.clip, r.variant.label): r for r in out}


def _camera_errors(r: ClipResult) -> tuple[float, float]:
    assert not r.note, r.note
    assert r.estimate is not None, "summary.json states no camera geometry"
    return (
        angle_error_deg(r.estimate.pitch_deg, r.truth.pitch_deg),
        angle_error_deg(r.estimate.roll_deg, r.truth.roll_deg),
    )


REAR, TILTED = CALIBRATED_CLIPS
CAMERA_CASES = [
    pytest.param(REAR, "pitch"),
    pytest.param(REAR, "roll"),
    pytest.param(TILTED, "pitch"),
    pytest.param(TILTED, "roll"),
]


@pytest.mark.parametrize(("truth", "angle"), CAMERA_CASES, ids=lambda x: getattr(x, "clip", x))
def test_the_camera_is_found_within_3_deg(results: Results, truth: ClipTruth, angle: str) -> None:
    pitch_err, roll_err = _camera_errors(results[(truth.clip, AS_A_USER.label)])
    err = pitch_err if angle == "pitch" else roll_err
    assert abs(err) <= TARGET_CAMERA_DEG, f"{angle} off by {err:+.1f} deg"


#: Both clips read upright within 5 deg (the tilted camera's front view -4.2 deg: the
#: hip-to-shoulder joint line of an upright stance leans back ~5 deg, the motion-capture
#: subject's -6.5, so it sits near the line).
UPRIGHT_CASES = [REAR, TILTED]


@pytest.mark.parametrize("truth", UPRIGHT_CASES, ids=lambda t: t.clip)
def test_the_upright_man_reads_upright(results: Results, truth: ClipTruth) -> None:
    r = results[(truth.clip, AS_A_USER.label)]
    assert not r.note, r.note
    assert abs(r.flexion_median_deg) <= TARGET_UPRIGHT_DEG


NO_BODY_CASES = [
    pytest.param(
        REAR,
        marks=pytest.mark.xfail(
            strict=False,
            reason="the scene alone with the lens given reads the rear-oblique camera's pitch "
            "25.8 +- 1.9 for 22.5 (3.3 off; with the lens from the scene, or with the man's "
            "upright moments, it is within 1 deg)",
        ),
    ),
    pytest.param(TILTED),
]


@pytest.mark.parametrize("truth", NO_BODY_CASES, ids=lambda t: t.clip)
def test_the_camera_is_found_without_the_body(results: Results, truth: ClipTruth) -> None:
    """The scene alone (the man's upright stance switched off as a cue)."""
    if body_cue_switch() is None:
        pytest.skip("this version has no setting to switch off the body's gravity cues")
    pitch_err, roll_err = _camera_errors(results[(truth.clip, NO_BODY.label)])
    assert abs(pitch_err) <= TARGET_CAMERA_DEG
    assert abs(roll_err) <= TARGET_CAMERA_DEG
