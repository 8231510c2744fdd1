"""Scoring, the tool's camera from summary.json, the grids and the Markdown tables, without the
command line."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from posture.core.errors import InputError
from posture.validation.clips import CALIBRATED_CLIPS, ClipResult, Variant
from posture.validation.compare import (
    MEASURES,
    CameraEstimate,
    Score,
    ViewResult,
    aligned,
    angle_error_deg,
    parse_geometry,
    score_measure,
    score_series,
    score_view,
)
from posture.validation.reference import Reference
from posture.validation.report import (
    BEGIN,
    END,
    clips_table,
    headline,
    in_acceptance_grid,
    write_docs,
)
from posture.validation.run import read_frames_csv
from posture.validation.tables import (
    camera_table,
    detail_table,
    summary_table,
    trust_table,
    view_name,
)
from posture.validation.views import (
    DOC_VIEWS,
    FROM_THE_BEND_S,
    HIGH,
    LEVEL,
    TEST_VIEWS,
    View,
)

NAN = float("nan")


@pytest.mark.parametrize(
    ("measured", "reference", "expected"),
    [
        ([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], (0.0, 0.0, 0.0, 1.0)),
        ([2.0, 0.0, 3.0], [1.0, 2.0, 3.0], (1.0, 2.0, -1 / 3, 1.0)),
        ([NAN, 4.0, NAN, 0.0], [1.0, 2.0, 3.0, 1.0], (1.5, 2.0, 0.5, 0.5)),
    ],
)
def test_score_series(
    measured: list[float], reference: list[float], expected: tuple[float, ...]
) -> None:
    assert score_series(np.array(measured), np.array(reference)) == pytest.approx(expected)


def test_a_measure_without_values_scores_nan_with_zero_coverage() -> None:
    mae, worst, bias, coverage = score_series(np.full(3, np.nan), np.ones(3))
    assert np.isnan([mae, worst, bias]).all()
    assert coverage == 0.0


def test_frames_csv_rows_are_matched_by_time(tmp_path: Path) -> None:
    csv = tmp_path / "frames.csv"
    csv.write_text("time_s,trunk_flexion_deg,label\n0.0,1.5,a\n0.0333,,b\n0.05,7,c\n")
    cols = read_frames_csv(csv)
    t = np.arange(4) / 60.0
    got = aligned(cols, t, "trunk_flexion_deg")
    assert got[0] == 1.5
    assert np.isnan(got[1])  # no row at t = 1/60
    assert np.isnan(got[2])  # an empty cell
    assert got[3] == 7.0
    assert np.isnan(aligned(cols, t, "no_such_column")).all()


def _reference(n: int) -> Reference:
    z = np.zeros(n)
    return Reference(
        t_s=np.arange(n) / 60.0,
        trunk_flexion_deg=np.linspace(0, 90, n),
        trunk_inclination_deg=z,
        trunk_line_flexion_deg=np.linspace(0, 90, n) - 5.0,
        trunk_side_bend_deg=z - 4.0,
        trunk_twist_deg=z + 3.0,
        knee_flexion_left_deg=z + 10,
        knee_flexion_right_deg=z + 20,
        knee_flexion_deg=z + 15,
        hand_height_cm=z + 80,
        wrist_height_cm=z + 72,
        floor_y_m=0.04,
        stature_m=1.8,
    )


def test_trunk_flexion_is_scored_against_both_lines_and_trust_is_counted() -> None:
    ref = _reference(5)
    cols = {
        "time_s": ref.t_s,
        "trunk_flexion_deg": ref.trunk_line_flexion_deg + np.array([0, 0, 0, 0, 20.0]),
        "trunk_flexion_deg_conf": np.array([0.9, 0.9, 0.2, 0.9, 0.9]),
    }
    line = score_measure("trunk_flexion", cols, ref)
    pelvis = score_measure("trunk_flexion_pelvis", cols, ref)
    assert line.mae == pytest.approx(4.0)
    assert pelvis.bias == pytest.approx(-1.0)  # 20 / 5 - 5
    assert line.n_frames == 5
    assert line.trusted_share == pytest.approx(0.8)
    assert line.trusted_right == pytest.approx(0.75)  # 3 of the 4 trusted within 10 deg
    assert line.max_abs_trusted == pytest.approx(20.0)
    none = score_measure("hand_height", cols, ref)
    assert none.coverage == 0.0
    assert math.isnan(none.trusted_right)


@pytest.mark.parametrize(
    ("tilt", "expected"),
    [
        # the tool's own signs are opposite to ours (measured: 20 deg down reads pitch -17)
        ({"source": "upright moments (roll -13, pitch -17 deg)"}, (17.0, 13.0)),
        ({"source": "upright moments (roll 2, pitch 4 deg)"}, (-4.0, -2.0)),
        ({"source": "camera level (within 5 deg)"}, (0.0, 0.0)),
        ({"source": "camera assumed level"}, (0.0, 0.0)),
        (
            {"source": "estimate (roll 50, pitch 3 deg) not trusted; camera assumed level"},
            (0.0, 0.0),
        ),
    ],
)
def test_the_tools_camera_is_read_from_summary_json(
    tilt: dict[str, str], expected: tuple[float, float]
) -> None:
    est = parse_geometry({"skeleton": "world", "tilt": {"angle_deg": 1.0, **tilt}})
    assert est is not None
    assert (est.pitch_deg, est.roll_deg) == pytest.approx(expected)
    assert est.source == tilt["source"]


def test_the_camera_section_of_summary_json_is_read_as_it_is() -> None:
    geometry = {
        "tilt": {"source": "upright moments (roll 5, pitch 5 deg)"},  # not used when camera is
        "camera": {
            "pitch_deg": 21.5,
            "roll_deg": -13.0,
            "sigma_pitch_deg": 2.0,
            "sigma_roll_deg": None,
            "sources": ["scene", "upright moments"],
            "note": "fused",
        },
    }
    est = parse_geometry(geometry)
    assert est is not None
    assert (est.pitch_deg, est.roll_deg, est.pitch_sd_deg) == (21.5, -13.0, 2.0)
    assert math.isnan(est.roll_sd_deg)
    assert est.source == "scene, upright moments; fused"


def test_no_geometry_is_no_estimate() -> None:
    assert parse_geometry(None) is None
    assert parse_geometry({"skeleton": "world"}) is None


@pytest.mark.parametrize(
    ("est", "truth", "err"), [(10.0, 350.0, 20.0), (-170.0, 170.0, 20.0), (5.0, 7.5, -2.5)]
)
def test_angle_errors_wrap(est: float, truth: float, err: float) -> None:
    assert angle_error_deg(est, truth) == pytest.approx(err)


@pytest.mark.parametrize(
    ("yaw", "name"),
    [
        (0.0, "front"),
        (45.0, "front-oblique (right)"),
        (90.0, "side (right)"),
        (135.0, "back-oblique (right)"),
        (180.0, "back"),
        (-180.0, "back"),
        (-90.0, "side (left)"),
        (-45.0, "front-oblique (left)"),
    ],
)
def test_view_names(yaw: float, name: str) -> None:
    assert view_name(yaw) == name


def test_the_grids_cover_issue_14() -> None:
    names = [v.name for v in DOC_VIEWS]
    assert len(names) == len(set(names))
    yaws = {v.yaw_deg for v in DOC_VIEWS}
    assert {0.0, 90.0, 180.0, -90.0} <= yaws  # front, side, back, the other side
    cams = [v.camera for v in DOC_VIEWS]
    assert max(c.pitch_deg or 0 for c in cams) == 30.0
    assert min(c.roll_deg for c in cams) == -25.0 and max(c.roll_deg for c in cams) == 25.0
    assert {c.height_m for c in cams} >= {1.0, 3.0}
    assert any(v.start_s == FROM_THE_BEND_S for v in DOC_VIEWS)
    assert any(not v.give_hfov for v in DOC_VIEWS)
    # the tests' grid: the hardest cases of the acceptance grid, no upright start
    assert {v.yaw_deg for v in TEST_VIEWS} >= {0.0, 90.0, 180.0, -90.0}
    assert all(v.start_s == FROM_THE_BEND_S for v in TEST_VIEWS)
    assert max(v.camera.pitch_deg or 0 for v in TEST_VIEWS) == 30.0
    assert {v.camera.roll_deg for v in TEST_VIEWS} >= {25.0, -25.0}


def _result(view: View, path: str = "3d", mae: float = 1.25, pitch: float = 30.0) -> ViewResult:
    scores = {m: Score(m, mae, 2 * mae, -mae, 1.0, 100, 0.9, 0.5, 0.8, mae + 1) for m in MEASURES}
    est = CameraEstimate(pitch - 2, 1.0, "upright moments (roll -1, pitch -28 deg)")
    return ViewResult(view, path, pitch, 0.0, scores, est)


def test_summary_and_camera_tables_have_a_row_per_placement_and_a_column_per_yaw() -> None:
    results = [
        _result(View(HIGH, 0.0, FROM_THE_BEND_S)),
        _result(View(HIGH, 90.0, FROM_THE_BEND_S), mae=7.0),
        _result(View(LEVEL, 0.0), pitch=0.0),
        _result(View(LEVEL, 0.0), path="2d", mae=30.0),
    ]
    lines = summary_table(results, "3d").splitlines()
    assert lines[0].endswith("| 0 | 90 |")
    assert len(lines) == 4
    assert "| 1.2 / 1.2 / 1.2 | 7.0 / 7.0 / 7.0 |" in lines[2]
    assert lines[3].endswith("| 1.2 / 1.2 / 1.2 | - |")  # level: no yaw 90 run
    assert "30.0" not in summary_table(results, "3d")  # the 2D path has its own table
    camera = camera_table(results, "3d").splitlines()
    assert "| 30 / 0 | 28 / 1 | 28 / 1 |" in camera[2]


def test_trust_table_pools_frames_over_placements() -> None:
    a = _result(View(HIGH, 0.0))
    b = ViewResult(
        View(LEVEL, 0.0),
        "3d",
        0.0,
        0.0,
        {m: Score(m, 1, 1, 1, 1.0, 300, 0.9, 0.0) for m in MEASURES},
    )
    rows = trust_table([a, b]).splitlines()
    assert len(rows) == 3
    # 50 % of 100 frames trusted, none of 300: 12 %; 80 % of the 50 trusted right
    assert "| 12 % / 80 % / 2.2 |" in rows[2]
    assert "front" in rows[2]
    per_view = trust_table([a, b], per_view=True).splitlines()
    assert len(per_view) == 4
    assert "| 0 % / - / - |" in per_view[3]


def test_detail_table_and_failures() -> None:
    failed = ViewResult(View(LEVEL, 90.0), "3d", 0.0, 0.0, note="no pose")
    lines = detail_table([_result(View(HIGH, 0.0)), failed], "3d").splitlines()
    assert len(lines) == 4
    assert "1.2 / 2.5 (-1.2)" in lines[2]
    assert "| 28 / 30 | 1 / 0 |" in lines[2]
    assert lines[3].endswith("| - | - | no pose |")


def test_headline_takes_the_worst_view_of_the_acceptance_grid() -> None:
    cut = [_result(View(HIGH, y, FROM_THE_BEND_S), mae=m) for y, m in ((0.0, 2.0), (90.0, 6.5))]
    whole = _result(View(HIGH, 180.0), mae=50.0)  # an upright start: not in the grid
    assert [in_acceptance_grid(r) for r in (*cut, whole)] == [True, True, False]
    bend = _result(View(HIGH, 0.0, FROM_THE_BEND_S, 4.4), mae=9.0)
    text = headline([*cut, whole, bend]).splitlines()
    assert text[0].startswith("- the trial from 2.4 s: it starts in the bend, upright again")
    assert "largest MAE 6.5 deg (3 m, 30 deg down, yaw 90); 1 of 2 views over 5 deg" in text[1]
    assert text[4] == "- the trial 2.4-4.4 s: it starts in the bend, no upright moment at all"
    assert "largest MAE 9.0 deg (3 m, 30 deg down, yaw 0); 1 of 1 views over 5 deg" in text[5]


def test_clips_table_shows_errors_and_notes() -> None:
    rear, tilted = CALIBRATED_CLIPS
    est = CameraEstimate(21.0, 27.5, "upright moments (roll -28, pitch -21 deg)", 2.0)
    rows = clips_table(
        [
            ClipResult(tilted, Variant("v", True, True), est, 1.5, 2.5, -0.5, 1.0),
            ClipResult(rear, Variant("w", True, False), note="no switch"),
        ]
    ).splitlines()
    assert "| 21.8 / +26.1 | 21.0 ±2 / +27.5 | -0.8 / +1.4 |" in rows[2]
    assert "| +1.5 (2.5) | -0.5 |" in rows[2]
    assert "no switch" in rows[3]


def test_calibrated_clips_field_of_view_from_the_focal_length() -> None:
    rear, tilted = CALIBRATED_CLIPS
    assert rear.hfov_deg == pytest.approx(36.0, abs=0.2)  # CAMERAS.md: "about 36 deg"
    assert tilted.hfov_deg < rear.hfov_deg  # a narrower picture, the same lens


def test_write_docs_replaces_only_the_generated_block(tmp_path: Path) -> None:
    doc = tmp_path / "validation.md"
    doc.write_text(f"# Title\n\nprose\n\n{BEGIN}\nold table\n{END}\n\nmore prose\n")
    write_docs(doc, [_result(View(HIGH, 0.0, FROM_THE_BEND_S))], _reference(5))
    text = doc.read_text()
    assert text.startswith("# Title\n\nprose\n\n")
    assert text.endswith("\n\nmore prose\n")
    assert "old table" not in text
    assert "1.2 / 2.5 (-1.2)" in text


def test_write_docs_refuses_a_file_without_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "validation.md"
    doc.write_text("# hand-written only\n")
    with pytest.raises(InputError, match="generated block"):
        write_docs(doc, [], _reference(5))


def test_score_view_reads_every_measure_and_the_camera() -> None:
    ref = _reference(4)
    cols = {"time_s": ref.t_s, "trunk_twist_deg": np.full(4, 3.0)}
    summary = {"geometry": {"tilt": {"source": "upright moments (roll 1, pitch -20 deg)"}}}
    r = score_view(View(HIGH, 0.0), "3d", (30.0, 0.0), cols, summary, ref)
    assert set(r.scores) == set(MEASURES)
    assert r.scores["twist"].mae == 0.0
    assert r.estimate is not None and r.estimate.pitch_deg == 20.0
