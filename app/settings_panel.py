"""The sidebar: the settings the dashboard exposes, built from the settings' own fields.

Widgets take their type, range, unit, help text and default from the dataclass field metadata
(``posture.core.config``), the same source the CLI's ``--help`` and ``posture config`` read. A TOML
file can be loaded (it becomes the base the widgets start from) and the current settings
downloaded as TOML for ``posture analyze --config``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
import typing
from dataclasses import dataclass
from typing import Any

import streamlit as st

from posture.assess.scores import INFREQUENT_PER_MIN, MIN_FREQUENCY_CLIP_S, MIN_FREQUENCY_LIFTS
from posture.core.assessment import ASSESSMENT_LABELS, MAX_CHARS, MAX_CHARS_DEFAULT, Assessment
from posture.core.config import DEFAULTS, Settings, dump_toml, help_for, override
from posture.core.errors import ConfigError

#: (section, field) shown in each sidebar group; labels override the field names.
TASK = [
    ("task", "load_kg"),
    ("task", "lift_frequency_per_min"),
    ("task", "duration_h"),
    ("task", "coupling"),
    ("task", "shock_or_rapid_force"),
]
CAMERA = [("view", "hint"), ("subject", "height_cm"), ("view", "min_confidence")]
LABELS = {
    "load_kg": "Load weight",
    "lift_frequency_per_min": "Lift frequency",
    "duration_h": "Task duration per shift",
    "coupling": "Grip on the load (coupling)",
    "shock_or_rapid_force": "Load applied with a shock",
    "hint": "Camera view",
    "height_cm": "Person's height",
    "min_confidence": "Minimum confidence to trust a measure",
    "blur_faces": "Blur faces in the annotated video",
}
#: (section, field) -> plain label of the thresholds (the unit is added). The section is the
#: rule's name under ``rules``, or a top-level section. Fields not listed get their name in
#: words, with "bend" for "flexion" as everywhere else in the dashboard.
FIELD_LABELS = {
    ("bend_knees", "trunk_flexion_deg"): "Trunk bend, medium risk with straight knees",
    ("bend_knees", "trunk_flexion_high_deg"): "Trunk bend, high risk",
    ("bend_knees", "knee_flexion_max_deg"): "Knees count as straight when bent less than",
    ("twist", "twist_deg"): "Twist under load, medium risk",
    ("twist", "twist_high_deg"): "Twist under load, high risk",
    ("twist", "side_bend_deg"): "Side bend under load",
    ("twist", "velocity_deg_s"): "Sudden twisting faster than",
    ("twist", "loaded_hand_height_cm"): "Handling a load: hands lower than",
    ("twist", "loaded_hand_distance_cm"): "Handling a load: hands farther than",
    ("shoulders", "shoulders_forward_deg"): "Shoulders forward, medium risk",
    ("shoulders", "shoulders_forward_high_deg"): "Shoulders forward, high risk",
    ("shoulders", "min_duration_s"): "Raised when held for",
    ("load_far", "hand_distance_cm"): "Hands from the ankles, medium risk",
    ("load_far", "hand_distance_high_cm"): "Hands from the ankles, high risk",
    ("load_far", "bent_trunk_deg"): "Outside lifts: trunk bent past",
    ("static", "static_s"): "Static posture after",
    ("static", "still_range_deg"): "Still: trunk moves less than",
    ("static", "flexed_deg"): "Flexed posture: trunk bend from",
    ("static", "flexed_s"): "Prolonged flexed posture after",
    ("static", "sitting_s"): "Long sitting after",
    ("repetition", "lifts_per_min"): "Repetitive lifting above",
    ("repetition", "lifts_per_min_high"): "Repetitive lifting, high risk above",
    ("repetition", "window_s"): "Lifts counted over the last",
    ("asymmetry", "knee_difference_deg"): "Knee bends differ by",
    ("asymmetry", "hip_shift"): "Hips shifted over one foot (share of stance)",
    ("asymmetry", "min_duration_s"): "Raised when held for",
    ("cues", "on_s"): "A cue shows after",
    ("cues", "off_s"): "A cue stays for",
    ("lifts", "min_drop_cm"): "Hands go down at least",
    ("lifts", "min_duration_s"): "Shortest lift",
    ("lifts", "max_duration_s"): "Longest lift",
    ("lifts", "max_carry_s"): "Longest carry after the rise",
    ("lifts", "min_trunk_drop_deg"): "Hands out of view: trunk bends at least",
    ("lifts", "min_bend_trunk_deg"): "Lowest point: trunk bend at least",
    ("lifts", "min_bend_knee_deg"): "Lowest point: or knee bend at least",
    ("lifts", "squat_knee_deg"): "Squat: knee bend from",
    ("lifts", "stoop_knee_max_deg"): "Stoop: knee bend below",
    ("lifts", "stoop_trunk_deg"): "Stoop: trunk bend from",
    ("lifts", "back_lift_trunk_deg"): "Back lift: trunk bend from",
    ("scores", "twisted_deg"): "Counts as twisted from",
    ("scores", "side_bent_deg"): "Counts as side-bent from",
    ("scores", "arm_abducted_deg"): "Arm counts as raised sideways from",
    ("scores", "rapid_change_deg_s"): "Rapid change: faster than",
}
#: Top-level sections shown with the thresholds when the settings tree has them.
EXTRA_SECTIONS = ("lifts", "scores")
_SUFFIXES = ("_deg_s", "_deg", "_cm", "_kg", "_s", "_per_min", "_hz", "_h")


@dataclass(frozen=True)
class PageSettings:
    """What the sidebar decided: the analysis settings, the report's privacy choice and the
    assessment written on it (task, worker, ...: no number depends on them)."""

    settings: Settings
    blur_report: bool
    assessment: Assessment = dataclasses.field(default_factory=Assessment)


def _label(name: str, unit: str, section: str = "") -> str:
    if (section, name) in FIELD_LABELS:
        text = FIELD_LABELS[(section, name)]
    elif name in LABELS:
        text = LABELS[name]
    else:
        stem = next((name[: -len(s)] for s in _SUFFIXES if name.endswith(s)), name)
        text = stem.replace("_", " ").replace("flexion", "bend").capitalize()
    return f"{text} ({unit})" if unit else text


def _step(unit: str, lo: float, hi: float, is_int: bool) -> float | int:
    if is_int:
        return 1
    if unit in ("kg", "h", "1/min"):
        return 0.5
    if unit in ("deg", "cm", "deg/s") or hi - lo >= 200:
        return 1.0
    return 0.05 if hi - lo <= 5 else 0.1


def field_input(obj: Any, name: str, key: str, section: str = "") -> Any:
    """One widget for one settings field, from its metadata; returns the chosen value."""
    f = {f.name: f for f in dataclasses.fields(obj)}[name]
    meta, value = f.metadata, getattr(obj, name)
    ftype = typing.get_type_hints(type(obj))[name]
    label = _label(name, meta.get("unit", ""), section)
    help_text = help_for(type(obj), name)
    if ftype is bool:
        return st.toggle(label, value=value, help=help_text, key=key)
    if meta.get("choices"):
        choices = list(meta["choices"])
        return st.selectbox(label, choices, index=choices.index(value), help=help_text, key=key)
    lo, hi = meta.get("lo"), meta.get("hi")
    is_int = ftype is int
    cast = int if is_int else float
    step = _step(meta.get("unit", ""), lo or 0.0, hi or 1.0, is_int)
    fmt = "%d" if is_int else "%.2f" if step < 0.1 else "%.1f" if step < 1 else "%.0f"
    return st.number_input(
        label,
        min_value=None if lo is None else cast(lo),
        max_value=None if hi is None else cast(hi),
        value=cast(value),
        step=step,
        format=fmt,
        help=help_text,
        key=key,
    )


#: What 0 means where a task figure is entered: "not given", and what follows, in words.
NOT_GIVEN = {
    ("task", "load_kg"): "Not given (0): no NIOSH lifting index; the recommended weight limit "
    "is still shown.",
    ("task", "lift_frequency_per_min"): (
        f"Not given (0): measured from the clip when it lasts {MIN_FREQUENCY_CLIP_S / 60:g} "
        f"minute or more with {MIN_FREQUENCY_LIFTS} lifts or more, otherwise "
        f"{INFREQUENT_PER_MIN:g} lifts/min is assumed (the report says which)."
    ),
}


def _group(base: Settings, fields: list[tuple[str, str]], prefix: str) -> dict[str, Any]:
    changes: dict[str, dict[str, Any]] = {}
    for section, name in fields:
        value = field_input(getattr(base, section), name, f"{prefix}.{section}.{name}")
        changes.setdefault(section, {})[name] = value
        if (section, name) in NOT_GIVEN and not value:
            st.caption(NOT_GIVEN[(section, name)])
    return changes


def _section(obj: Any, title: str, key: str, section: str) -> dict[str, Any]:
    with st.expander(title):
        return {
            g.name: field_input(obj, g.name, f"{key}.{g.name}", section)
            for g in dataclasses.fields(obj)
        }


def _thresholds(base: Settings, prefix: str) -> dict[str, Any]:
    """Every rule's thresholds, and lift detection and score inputs when the tree has them."""
    rules = {
        f.name: _section(
            getattr(base.rules, f.name),
            _rule_title(type(getattr(base.rules, f.name)).__doc__ or f.name),
            f"{prefix}.rules.{f.name}",
            f.name,
        )
        for f in dataclasses.fields(base.rules)
    }
    changes: dict[str, Any] = {"rules": rules}
    for name in EXTRA_SECTIONS:
        section = getattr(base, name, None)
        if dataclasses.is_dataclass(section):
            title = _rule_title(type(section).__doc__ or name)
            changes[name] = _section(section, title, f"{prefix}.{name}", name)
    return changes


def _rule_title(doc: str) -> str:
    """A rule's first docstring line without its references to the source documents."""
    line = doc.strip().splitlines()[0].rstrip(".")
    return re.sub(r"\s*\((?:seeds?|see) [^)]*\)", "", line).strip()


def _load_toml(upload: Any) -> Settings:
    try:
        data = tomllib.loads(upload.getvalue().decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{upload.name} is not valid TOML: {exc}") from exc
    return override(DEFAULTS, data)


def _base() -> tuple[Settings, str]:
    """The settings the widgets start from: the loaded TOML file, else the defaults."""
    generation = st.session_state.get("settings_generation", 0)
    upload = st.file_uploader(
        "Load a settings file (TOML)",
        type=["toml"],
        key=f"config_upload{generation}",
        help="A file from `posture config` or a download below; the widgets start from it.",
    )
    base = DEFAULTS
    if upload is not None:
        try:
            base = _load_toml(upload)
            st.caption(f"Loaded {upload.name}.")
        except ConfigError as exc:
            st.error(str(exc))
    digest = hashlib.sha256(dump_toml(base).encode()).hexdigest()[:8]
    return base, f"cfg{generation}-{digest}"


def sidebar() -> PageSettings:
    """Draw the sidebar; returns the settings it describes (always valid)."""
    with st.sidebar:
        st.header("Settings")
        st.caption("Used by every tab. Hover over (?) for what each one means.")
        with st.expander("Settings file", expanded=False):
            base, prefix = _base()
        changes: dict[str, Any] = {}
        st.subheader("The task")
        changes |= _group(base, TASK, prefix)
        st.subheader("Camera and person")
        changes |= _merge(changes, _group(base, CAMERA, prefix))
        st.subheader("Privacy")
        changes |= _merge(changes, _group(base, [("output", "blur_faces")], prefix))
        blur_report = st.toggle(
            "Blur faces in the report",
            value=True,
            key="blur_report",
            help="On by default: the pictures in the report (HTML and PDF) show no face.",
        )
        st.caption("Reports blur faces unless you turn this off.")
        assessment = _assessment()
        st.subheader("Risk thresholds")
        changes |= _thresholds(base, prefix)
        settings = override(base, changes)
        st.download_button(
            "Download these settings (TOML)",
            dump_toml(settings),
            file_name="posture-settings.toml",
            mime="application/toml",
            width="stretch",
            on_click="ignore",
        )
        if st.button("Reset to defaults", width="stretch"):
            st.session_state["settings_generation"] = (
                st.session_state.get("settings_generation", 0) + 1
            )
            st.rerun()
    return PageSettings(settings, bool(blur_report), assessment)


#: The assessment's help texts in the sidebar.
ASSESSMENT_HELP = {
    "task": "The task assessed, e.g. 'loading pallets at line 2'.",
    "worker": "The worker's name, or an id if the report must not name them.",
    "site": "The site, hall, line or workstation.",
    "assessor": "Who made this assessment.",
    "date": "When the task was observed or filmed (empty: not given).",
    "notes": "Anything the reader of the report should know.",
}


def _assessment() -> Assessment:
    """The assessment's fields: written on the report (HTML and PDF) and in summary.json."""
    st.subheader("Assessment (on the report)")
    values: dict[str, str] = {}
    for key, label in ASSESSMENT_LABELS.items():
        limit = MAX_CHARS.get(key, MAX_CHARS_DEFAULT)
        if key == "date":
            day = st.date_input(
                label, value=None, format="YYYY-MM-DD", help=ASSESSMENT_HELP[key], key=f"a_{key}"
            )
            values[key] = day.isoformat() if day else ""
        elif key == "notes":
            values[key] = st.text_area(
                label, max_chars=limit, help=ASSESSMENT_HELP[key], key=f"a_{key}", height=90
            )
        else:
            values[key] = st.text_input(
                label, max_chars=limit, help=ASSESSMENT_HELP[key], key=f"a_{key}"
            )
    return Assessment(**values)


def _merge(into: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """``more`` with each section merged into the same section of ``into``."""
    return {k: {**into.get(k, {}), **v} for k, v in more.items()}
