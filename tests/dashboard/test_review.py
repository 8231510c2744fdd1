"""The review tab's pure parts: the lift table (words and empty cells; lifts.csv keeps the exact
data) and the people to pick from."""

from __future__ import annotations

from app.review import LIFT_TABLE, lift_table, person_labels
from posture.report import lift_notes

ROW = {
    "lift": 2,
    "start_s": 7.8,
    "lowest_s": 8.9667,
    "end_s": 10.767,
    "duration_s": 2.967,
    "partial": 0,
    "style": "semi_squat",
    "trunk_flexion_at_lowest_deg": 80.04,
    "peak_twist_deg": None,
    "twisting_under_load": 1,
    "reba_peak": 9.0,
    "rula_peak": 7.0,
    "owas_back_worst": 4.0,
    "rwl_origin_kg": 7.89,
    "li_origin": 1.5234,
    "li_destination": float("nan"),
    "niosh_note": "frequency assumed",
}


def test_cells_are_words_and_rounded_numbers_and_missing_values_are_empty() -> None:
    row = lift_table([ROW]).iloc[0]
    assert row["style"] == "semi-squat"
    assert row["twisting_under_load"] == "yes" and row["partial"] == "no"
    assert row["lowest_s"] == "8.97" and row["li_origin"] == "1.52"
    assert row["trunk_flexion_at_lowest_deg"] == "80.0"
    assert row["peak_twist_deg"] == "" and row["li_destination"] == ""
    assert "None" not in lift_table([ROW]).to_string()


def test_the_posture_comes_first_then_the_scores_and_notes_are_not_columns() -> None:
    columns = list(lift_table([ROW]))
    assert columns[:5] == ["lift", "style", "start_s", "lowest_s", "duration_s"]
    assert columns[5:8] == ["trunk_flexion_at_lowest_deg", "peak_twist_deg", "twisting_under_load"]
    assert columns[8:] == [
        "reba_peak",
        "rula_peak",
        "owas_back_worst",
        "li_origin",
        "li_destination",
        "rwl_origin_kg",
        "partial",
    ]
    assert lift_table([ROW]).iloc[0]["reba_peak"] == "9"
    assert "niosh_note" not in columns and "niosh_note" not in LIFT_TABLE


def test_a_note_shared_by_every_lift_is_written_once() -> None:
    rows = [ROW, {**ROW, "lift": 3}]
    assert lift_notes(rows) == ["Every lift: frequency assumed"]
    assert lift_notes([ROW, {**ROW, "lift": 3, "niosh_note": "other"}]) == [
        "Lift 2: frequency assumed",
        "Lift 3: other",
    ]
    # two notes of one lift ("; "-joined in lifts.csv) are two lines
    both = {**ROW, "niosh_note": "frequency assumed; asymmetry assumed"}
    assert lift_notes([both]) == ["Lift 2: frequency assumed", "Lift 2: asymmetry assumed"]


def test_people_are_named_by_presence_place_and_size() -> None:
    people = [
        {"person_id": 1, "frames": 90, "share_of_clip": 0.95, "mean_x": 0.2, "mean_size": 0.3},
        {"person_id": 2, "frames": 30, "share_of_clip": 0.31, "mean_x": 0.7, "mean_size": 0.1},
        {"person_id": 3, "frames": 12},  # a landmarks file's person: id and frames only
    ]
    labels = person_labels(people)
    assert labels[1] == "Person #1 — in view 95% of the clip, left of frame, largest"
    assert labels[2] == "Person #2 — in view 31% of the clip, right of frame"
    assert labels[3] == "Person #3 — in view in 12 frames"
