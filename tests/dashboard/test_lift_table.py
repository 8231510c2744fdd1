"""The review tab's lift table: words and empty cells for people, lifts.csv for the exact data."""

from __future__ import annotations

from app.review import LIFT_TABLE, _lift_notes, lift_table

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


def test_the_lifting_index_comes_right_after_the_times_and_notes_are_not_columns() -> None:
    columns = list(lift_table([ROW]))
    assert columns[:5] == ["lift", "style", "start_s", "lowest_s", "duration_s"]
    assert columns[5:8] == ["li_origin", "li_destination", "rwl_origin_kg"]
    assert "niosh_note" not in columns and "niosh_note" not in LIFT_TABLE


def test_a_note_shared_by_every_lift_is_written_once() -> None:
    rows = [ROW, {**ROW, "lift": 3}]
    assert _lift_notes(rows) == ["Every lift: frequency assumed"]
    assert _lift_notes([ROW, {**ROW, "lift": 3, "niosh_note": "other"}]) == [
        "Lift 2: frequency assumed",
        "Lift 3: other",
    ]
