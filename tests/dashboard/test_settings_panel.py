"""The sidebar's settings come from the settings tree's own fields (the parts without widgets)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest

from app.settings_panel import (
    CAMERA,
    EXTRA_SECTIONS,
    FIELD_LABELS,
    NOT_GIVEN,
    TASK,
    _label,
    _load_toml,
    _rule_title,
    _step,
)
from posture.core.config import DEFAULTS, RulesSettings, dump_toml
from posture.core.errors import ConfigError


@pytest.mark.parametrize(("section", "name"), TASK + CAMERA + [("output", "blur_faces")])
def test_every_exposed_setting_exists_and_has_help(section: str, name: str) -> None:
    fields = {f.name: f for f in dataclasses.fields(getattr(DEFAULTS, section))}
    assert name in fields
    assert fields[name].metadata["help"]


@pytest.mark.parametrize(
    ("name", "unit", "label"),
    [
        ("load_kg", "kg", "Load weight (kg)"),
        ("trunk_flexion_high_deg", "deg", "Trunk bend high (deg)"),
        ("velocity_deg_s", "deg/s", "Velocity (deg/s)"),
        ("hip_shift", "", "Hip shift"),
    ],
)
def test_labels_are_plain_words_with_the_unit(name: str, unit: str, label: str) -> None:
    assert _label(name, unit) == label


def _threshold_fields() -> set[tuple[str, str]]:
    sections = [
        (f.name, getattr(DEFAULTS.rules, f.name)) for f in dataclasses.fields(DEFAULTS.rules)
    ]
    sections += [(n, getattr(DEFAULTS, n)) for n in EXTRA_SECTIONS if hasattr(DEFAULTS, n)]
    return {(name, f.name) for name, obj in sections for f in dataclasses.fields(obj)}


def test_the_thresholds_have_plain_labels_and_no_label_is_stale() -> None:
    fields = _threshold_fields()
    assert set(FIELD_LABELS) <= fields
    assert len(fields - set(FIELD_LABELS)) <= 2, "a new threshold needs a plain label"
    assert _label("max_carry_s", "s", "lifts") == "Longest carry after the rise (s)"
    assert not any("flexion" in label.lower() for label in FIELD_LABELS.values())


def test_steps_suit_the_unit_and_range() -> None:
    assert _step("", 0, 10_000, True) == 1
    assert _step("deg", 0, 90, False) == 1.0
    assert _step("kg", 0, 200, False) == 0.5
    assert _step("", 0.0, 1.0, False) == 0.05


def test_rule_titles_drop_their_references_to_the_source_documents() -> None:
    titles = [
        _rule_title(type(getattr(RulesSettings(), f.name)).__doc__ or "")
        for f in dataclasses.fields(RulesSettings)
    ]
    assert "Bending at the back instead of the knees" in titles
    assert "Load far from the body" in titles
    assert not any("seed" in t for t in titles)


def upload(text: str) -> SimpleNamespace:
    return SimpleNamespace(name="mine.toml", getvalue=lambda: text.encode())


def test_a_loaded_settings_file_becomes_the_base_and_round_trips() -> None:
    s = _load_toml(upload("[task]\nload_kg = 12.5\n[rules.twist]\ntwist_deg = 25\n"))
    assert s.task.load_kg == 12.5 and s.rules.twist.twist_deg == 25.0
    assert _load_toml(upload(dump_toml(s))) == s


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[task\nload_kg = 1", "mine.toml is not valid TOML"),
        ("[task]\nload_kg = 900", "task.load_kg = 900.0 is outside its valid range"),
        ("[task]\nweight = 3", "unknown setting 'task.weight'"),
    ],
)
def test_a_bad_settings_file_is_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("'", ".")):
        _load_toml(upload(text))


def test_a_task_figure_left_at_0_is_said_not_given_in_words() -> None:
    assert set(NOT_GIVEN) == {("task", "load_kg"), ("task", "lift_frequency_per_min")}
    for (section, name), text in NOT_GIVEN.items():
        assert getattr(getattr(DEFAULTS, section), name) == 0  # the default is "not given"
        assert text.startswith("Not given (0): ")
    frequency = NOT_GIVEN[("task", "lift_frequency_per_min")]
    assert "1 minute or more with 2 lifts or more" in frequency
    assert "0.2 lifts/min is assumed" in frequency
