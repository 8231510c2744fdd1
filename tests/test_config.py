"""Settings: every override checked (type, range, choices, unknown keys), TOML in and out."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

import pytest

from posture.core.config import (
    DEFAULTS,
    FilterSettings,
    Settings,
    ViewSettings,
    as_dict,
    dump_toml,
    help_for,
    load_config,
    override,
)
from posture.core.errors import ConfigError


@pytest.mark.parametrize(
    ("changes", "check"),
    [
        ({"task": {"load_kg": 12}}, lambda s: s.task.load_kg == 12.0),
        ({"task": {"load_kg": 0}}, lambda s: s.task.load_kg == 0.0),  # the low edge
        ({"task": {"load_kg": 200.0}}, lambda s: s.task.load_kg == 200.0),  # the high edge
        ({"pose": {"num_poses": 2.0}}, lambda s: s.pose.num_poses == 2),  # whole float -> int
        ({"view": {"hint": "side"}}, lambda s: s.view.hint == "side"),
        ({"view": {"correct_tilt": False}}, lambda s: s.view.correct_tilt is False),
        (
            {"rules": {"bend_knees": {"trunk_flexion_deg": 45}}},
            lambda s: s.rules.bend_knees.trunk_flexion_deg == 45.0,
        ),
        ({}, lambda s: s == DEFAULTS),
    ],
)
def test_valid_overrides(changes: dict, check: Any) -> None:
    s = override(DEFAULTS, changes)
    assert check(s)
    assert Settings() == DEFAULTS  # the defaults themselves never change


def test_override_keeps_types() -> None:
    s = override(DEFAULTS, {"task": {"load_kg": 12}, "pose": {"num_poses": 3}})
    assert type(s.task.load_kg) is float and type(s.pose.num_poses) is int


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"nope": 1}, "unknown setting 'nope'"),
        ({"task": {"weight": 3}}, r"unknown setting 'task\.weight'"),
        ({"rules": {"bend_knees": {"x": 1}}}, r"rules\.bend_knees\.x"),
        ({"task": {"load_kg": "12"}}, r"task\.load_kg must be a number"),
        ({"task": {"load_kg": True}}, r"task\.load_kg must be a number"),  # bool is not a number
        ({"task": {"load_kg": -0.1}}, "outside its valid range"),  # just past the low edge
        ({"task": {"load_kg": 200.1}}, "outside its valid range"),  # just past the high edge
        ({"task": {"load_kg": float("nan")}}, "finite"),
        ({"task": {"load_kg": float("inf")}}, "finite|outside"),
        ({"pose": {"num_poses": 2.5}}, "whole number"),
        ({"pose": {"num_poses": 0}}, "outside its valid range"),
        ({"view": {"hint": "top"}}, "is not one of"),
        ({"view": {"hint": 3}}, "must be text"),
        ({"view": {"correct_tilt": 1}}, "true or false"),
        ({"view": 5}, r"view must be a table"),
        ({"rules": {"cues": {"margin": 0.1}}}, r"rules\.cues\.margin' was retired: cues no"),
    ],
)
def test_bad_overrides_raise_config_error_naming_the_setting(changes: dict, message: str):
    with pytest.raises(ConfigError, match=message):
        override(DEFAULTS, changes)


def test_override_needs_an_instance() -> None:
    with pytest.raises(TypeError):
        override(Settings, {})  # type: ignore[type-var]


def test_every_numeric_default_is_inside_its_own_range() -> None:
    def walk(obj: Any, path: str) -> None:
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            if dataclasses.is_dataclass(v):
                walk(v, f"{path}{f.name}.")
                continue
            assert f.metadata.get("help"), f"{path}{f.name} has no help text"
            lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
            if lo is not None and v is not None:  # None: an optional setting left unset
                assert lo <= v <= hi, f"{path}{f.name}"
            if f.metadata.get("choices"):
                assert v in f.metadata["choices"], f"{path}{f.name}"

    walk(DEFAULTS, "")


# ---------------------------------------------------------------------------------------------
# TOML
# ---------------------------------------------------------------------------------------------
def test_load_config_lays_a_file_over_the_defaults(tmp_path: Path) -> None:
    p = tmp_path / "my.toml"
    p.write_text(
        "[task]\nload_kg = 12.0\n[rules.bend_knees]\ntrunk_flexion_deg = 45\n", encoding="utf-8"
    )
    s = load_config(p)
    assert s.task.load_kg == 12.0 and s.rules.bend_knees.trunk_flexion_deg == 45.0
    assert s.view == DEFAULTS.view
    assert load_config(None) is DEFAULTS


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[task\nload_kg = 1", "not valid TOML"),
        ("[task]\nload_kg = 'heavy'", "must be a number"),
        ("[tasks]\nload_kg = 1", "unknown setting 'tasks'"),
    ],
)
def test_bad_config_files(tmp_path: Path, text: str, message: str) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(p)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "none.toml")


def _without_none(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: _without_none(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None
    }


def test_dump_toml_round_trips_to_the_defaults(tmp_path: Path) -> None:
    text = dump_toml(DEFAULTS)
    p = tmp_path / "defaults.toml"
    p.write_text(text, encoding="utf-8")
    assert load_config(p) == DEFAULTS
    # every key, nothing extra; an unset optional setting (None) is a commented-out line
    assert tomllib.loads(text) == _without_none(as_dict(DEFAULTS))
    assert "# camera_pitch_deg = " in text


def test_dump_toml_round_trips_changed_settings(tmp_path: Path) -> None:
    changed = override(
        DEFAULTS,
        {
            "task": {"load_kg": 7.5, "coupling": "poor"},
            "view": {"hint": "front", "correct_tilt": False},
            "pose": {"model": 'C:\\models\\pose "full".task'},  # quotes and backslashes
            "rules": {"cues": {"off_s": 2.5}},
        },
    )
    p = tmp_path / "changed.toml"
    p.write_text(dump_toml(changed), encoding="utf-8")
    assert load_config(p) == changed


def test_dump_toml_comments_every_key_with_its_help() -> None:
    text = dump_toml(DEFAULTS)
    assert "# cut-off of the zero-phase low-pass filter for recorded video [Hz; 0.5..30.0]" in text
    assert "[rules.bend_knees]" in text


@pytest.mark.parametrize(
    ("cls", "name", "expected"),
    [
        (FilterSettings, "lowpass_cutoff_hz", "(default: 6.0 Hz)"),
        (ViewSettings, "hint", "(default: auto)"),
    ],
)
def test_help_shows_the_default_from_the_field(cls: type, name: str, expected: str) -> None:
    assert help_for(cls, name).endswith(expected)
