"""Scoring and the Markdown table, without the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posture.core.errors import InputError
from posture.validation.camera import VirtualCamera
from posture.validation.compare import (
    MEASURES,
    Score,
    aligned,
    read_frames_csv,
    score_series,
    score_view,
)
from posture.validation.reference import Reference
from posture.validation.report import BEGIN, END, error_table, failures, trust_table, write_docs

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
        trunk_line_flexion_deg=z,
        knee_flexion_left_deg=z + 10,
        knee_flexion_right_deg=z + 20,
        knee_flexion_deg=z + 15,
        hand_height_cm=z + 80,
        wrist_height_cm=z + 72,
        floor_y_m=0.04,
        stature_m=1.8,
    )


def test_score_view_scores_every_measure() -> None:
    ref = _reference(5)
    cols = {
        "time_s": ref.t_s,
        "trunk_flexion_deg": ref.trunk_flexion_deg + 2.0,
        "trunk_flexion_deg_conf": np.full(5, 0.5),
        "knee_flexion_left_deg": np.full(5, 10.0),
    }
    scores = {s.measure: s for s in score_view(VirtualCamera(), "3d", cols, ref)}
    assert set(scores) == set(MEASURES)
    assert scores["trunk_flexion_deg"].mae == pytest.approx(2.0)
    assert scores["trunk_flexion_deg"].bias == pytest.approx(2.0)
    assert scores["trunk_flexion_deg"].mean_conf == pytest.approx(0.5)
    assert scores["knee_flexion_left_deg"].mae == 0.0
    assert scores["hand_height_cm"].coverage == 0.0


def _score(measure: str, mae: float, coverage: float = 1.0, path: str = "3d") -> Score:
    return Score("yaw0_h1m", 0.0, 1.0, path, measure, mae, 2 * mae, -mae, coverage, 0.9, 0.8, mae)


def test_error_table_has_one_row_per_view() -> None:
    scores = [
        _score("trunk_flexion_deg", 1.25),
        _score("hand_height_cm", 3.0, coverage=0.5),
        _score("trunk_flexion_deg", 7.0, path="2d"),
    ]
    lines = error_table(scores, "3d").splitlines()
    assert len(lines) == 3
    assert "1.2 / 2.5 (-1.2)" in lines[2]
    assert "50 % of frames" in lines[2]
    assert "| - |" in lines[2]  # knee columns: not scored
    assert "7.0" not in lines[2]  # the 2D path has its own table


def test_trust_table_and_failures() -> None:
    failed = Score("yaw90_h1m", 90.0, 1.0, "2d", "trunk_flexion_deg", *[NAN] * 3, 0.0, NAN,
                   note="no pose")  # fmt: skip
    scores = [_score("trunk_flexion_deg", 2.0), failed]
    trust = trust_table(scores).splitlines()
    assert "0.90 / 80 % / 2.0" in trust[2]
    assert len(trust) == 3  # the failed view has no row
    assert failures(scores) == "- `posture analyze` failed (yaw90_h1m 2D): no pose"


def test_write_docs_replaces_only_the_generated_block(tmp_path: Path) -> None:
    doc = tmp_path / "validation.md"
    doc.write_text(f"# Title\n\nprose\n\n{BEGIN}\nold table\n{END}\n\nmore prose\n")
    write_docs(doc, [_score("trunk_flexion_deg", 1.0)], _reference(5))
    text = doc.read_text()
    assert text.startswith("# Title\n\nprose\n\n")
    assert text.endswith("\n\nmore prose\n")
    assert "old table" not in text
    assert "1.0 / 2.0 (-1.0)" in text


def test_write_docs_refuses_a_file_without_the_markers(tmp_path: Path) -> None:
    doc = tmp_path / "validation.md"
    doc.write_text("# hand-written only\n")
    with pytest.raises(InputError, match="generated block"):
        write_docs(doc, [], _reference(5))
