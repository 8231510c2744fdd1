"""Acceptance: the motion-capture views through ``posture analyze --landmarks`` against the
markers (issue 14's "Done when", 3D path), and what the tool trusts.

The views are :data:`~posture.validation.views.TEST_VIEWS` (the steepest pitch, the largest
roll either way, front, side, oblique, back and the other side, the trial cut to start in the
bend), both paths, plus the level side view of the whole trial. ``docs/validation.md`` has the
full grid (``python -m posture.validation --write-docs``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from posture.validation.compare import MEASURES, MIN_CONFIDENCE, ViewResult, validate
from posture.validation.mocap import MocapTrial
from posture.validation.reference import Reference
from posture.validation.report import TARGET_MAE_DEG, in_acceptance_grid
from posture.validation.views import LEVEL, TEST_VIEWS, View

# The ``trial`` fixture skips every test here when ../shared/mocap is absent.
pytestmark = pytest.mark.slow

LEVEL_SIDE = View(LEVEL, 90.0)
#: A confident value may be off by less than one REBA / RULA trunk band (20 deg).
TRUSTED_ERROR_DEG = 20.0
#: Knee flexion is a 3D angle no camera rotation changes: only the smoothing moves it.
KNEE_3D_MAE_DEG = 1.0

Results = dict[tuple[str, str], ViewResult]


@pytest.fixture(scope="module")
def results(
    trial: MocapTrial, reference: Reference, tmp_path_factory: pytest.TempPathFactory
) -> Results:
    work: Path = tmp_path_factory.mktemp("mocap_views")
    table = validate(trial, reference, work, (*TEST_VIEWS, LEVEL_SIDE))
    return {(r.path, r.view.name): r for r in table}


def _get(results: Results, path: str, view: View) -> ViewResult:
    r = results[(path, view.name)]
    assert not r.note, r.note
    return r


NO_UPRIGHT_START = [v for v in TEST_VIEWS if v.end_s is None]
NO_UPRIGHT_AT_ALL = [v for v in TEST_VIEWS if v.end_s is not None]


def _over_target(results: Results, measure: str, views: list[View]) -> list[str]:
    """The acceptance views whose ``measure`` MAE exceeds the target, with their numbers."""
    assert views
    over = []
    for view in views:
        r = _get(results, "3d", view)
        assert in_acceptance_grid(r), view.name
        s = r.scores[measure]
        assert s.coverage > 0.99, f"{view.name}: {measure} only in {s.coverage:.0%} of frames"
        if not s.mae <= TARGET_MAE_DEG:
            over.append(f"{view.name}: MAE {s.mae:.1f}")
    return over


def _xfail(today: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=False, reason=f"issue 14, not met today: {today}")


#: (measure, views, today's shortfall or None where the target is met today)
ACCEPTANCE = [
    (
        "trunk_flexion",
        NO_UPRIGHT_START,
        "1 of 24 views at 5.0 deg (handheld, 5 deg down, roll -25, seen from the front): from "
        "the person alone a 5 deg pitch cannot be told from a lean, and is not corrected",
    ),
    ("side_bend", NO_UPRIGHT_START, None),
    ("twist", NO_UPRIGHT_START, None),
    ("trunk_flexion", NO_UPRIGHT_AT_ALL, None),
    ("side_bend", NO_UPRIGHT_AT_ALL, None),
    ("twist", NO_UPRIGHT_AT_ALL, None),
]


@pytest.mark.parametrize(
    ("measure", "views"),
    [
        pytest.param(m, v, marks=[] if today is None else [_xfail(today)])
        for m, v, today in ACCEPTANCE
    ],
    ids=[
        f"{m}-{'no_upright_start' if v is NO_UPRIGHT_START else 'no_upright_at_all'}"
        for m, v, _ in ACCEPTANCE
    ],
)
def test_trunk_angles_meet_issue_14_from_any_camera(
    results: Results, measure: str, views: list[View]
) -> None:
    """MAE <= 5 deg on the 3D path for pitch <= 30, roll <= 25 either way, any yaw including
    behind, the trial cut to start in the bend (then with its upright end, and without)."""
    assert _over_target(results, measure, views) == []


def test_knee_flexion_does_not_depend_on_the_camera_in_3d(results: Results) -> None:
    for view in (*TEST_VIEWS, LEVEL_SIDE):
        s = _get(results, "3d", view).scores["knee"]
        assert s.mae <= KNEE_3D_MAE_DEG, f"{view.name}: {s.mae:.2f}"


def test_level_side_view_of_the_whole_trial_meets_the_first_targets(results: Results) -> None:
    """The original targets: against the dataset's pelvis-thorax angle, trunk flexion MAE <= 5
    deg; knee flexion MAE <= 8 deg."""
    r = _get(results, "3d", LEVEL_SIDE)
    assert r.scores["trunk_flexion_pelvis"].coverage == 1.0
    assert r.scores["trunk_flexion_pelvis"].mae <= 5.0
    for knee in ("knee", "knee_left", "knee_right"):
        assert r.scores[knee].coverage == 1.0
        assert r.scores[knee].mae <= 8.0, knee


@pytest.mark.parametrize(
    ("path", "views"),
    [
        pytest.param("3d", [*NO_UPRIGHT_START, LEVEL_SIDE], id="3d-upright_moments"),
        pytest.param("3d", NO_UPRIGHT_AT_ALL, id="3d-no_upright_at_all"),
        pytest.param(
            "2d",
            [*TEST_VIEWS, LEVEL_SIDE],
            id="2d",
            marks=_xfail(
                "the 2D path reads the yaw of an oblique view of a pitched camera 15-20 deg "
                "nearer the side (62 for 45, -117 for -135, 3 m 30 deg down), so it trusts "
                "trunk flexion off by up to 34 deg (back obliques, cameras 22-30 deg down) "
                "and the near knee off by 21-42 deg (front obliques, every pitched camera)"
            ),
        ),
    ],
)
def test_the_tool_does_not_trust_wrong_angles(
    results: Results, path: str, views: list[View]
) -> None:
    """Never a confident angle off by a REBA band: the view must lower the confidence."""
    wrong = []
    for view in views:
        r = _get(results, path, view)
        for name in ("trunk_flexion", "side_bend", "twist", "knee_left", "knee_right"):
            s = r.scores[name]
            if s.trusted_share > 0 and not s.max_abs_trusted < TRUSTED_ERROR_DEG:
                wrong.append(
                    f"{view.name} {MEASURES[name].title}: trusted (conf >= {MIN_CONFIDENCE}) in "
                    f"{100 * s.trusted_share:.0f} % of frames, off by up to "
                    f"{s.max_abs_trusted:.1f} deg"
                )
    assert wrong == []
