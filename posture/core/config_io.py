"""Checking, overriding, loading and dumping a tree of settings dataclasses.

Generic over the tree: :mod:`posture.core.config` holds the tree itself and its defaults.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import types
import typing
from collections.abc import Iterator
from dataclasses import field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from posture.core.errors import ConfigError

T = TypeVar("T")

#: Settings that existed once and were taken out: a file naming one gets a message saying why.
RETIRED = {
    "rules.cues.margin": "cues no longer have a hysteresis margin (a cue held on below its "
    "threshold contradicted the threshold at that frame); delete this line",
}


def setting(
    default: Any,
    help: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
    choices: tuple[str, ...] | None = None,
    unit: str = "",
) -> Any:
    """A dataclass field with its help text, unit and valid range as metadata."""
    meta = {"help": help, "lo": lo, "hi": hi, "choices": choices, "unit": unit}
    return field(default=default, metadata=meta)


def _field_type(cls: type, name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def _coerce(path: str, f: dataclasses.Field[Any], ftype: Any, value: Any) -> Any:
    """Check one value against its field's type and range; return it in the field's type."""
    if isinstance(ftype, types.UnionType) or typing.get_origin(ftype) is typing.Union:
        args = [a for a in typing.get_args(ftype) if a is not type(None)]
        if value is None:
            return None
        ftype = args[0]
    if ftype is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path} must be true or false, got {value!r}")
        return value
    if ftype in (int, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{path} must be a number, got {value!r}")
        if ftype is int and float(value) != int(value):
            raise ConfigError(f"{path} must be a whole number, got {value!r}")
        value = ftype(value)
        if not math.isfinite(value):
            raise ConfigError(f"{path} must be a finite number, got {value!r}")
        lo, hi = f.metadata.get("lo"), f.metadata.get("hi")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ConfigError(f"{path} = {value} is outside its valid range [{lo}, {hi}]")
        return value
    if ftype is str:
        if not isinstance(value, str):
            raise ConfigError(f"{path} must be text, got {value!r}")
        choices = f.metadata.get("choices")
        if choices and value not in choices:
            raise ConfigError(f"{path} = {value!r} is not one of {', '.join(choices)}")
        return value
    return value


def override(obj: T, changes: dict[str, Any], *, prefix: str = "") -> T:
    """A copy of a settings dataclass with ``changes`` applied, every value checked.

    ``changes`` is nested like the tree (``{"task": {"load_kg": 12}}``); unknown keys, wrong
    types and out-of-range values raise :class:`ConfigError` naming the setting.
    """
    if not is_dataclass(obj) or isinstance(obj, type):
        raise TypeError("override() needs a settings dataclass instance")
    by_name = {f.name: f for f in fields(obj)}
    new: dict[str, Any] = {}
    for key, value in changes.items():
        path = f"{prefix}.{key}" if prefix else key
        if path in RETIRED:
            raise ConfigError(f"setting {path!r} was retired: {RETIRED[path]}")
        if key not in by_name:
            known = ", ".join(sorted(by_name))
            raise ConfigError(f"unknown setting {path!r}; known here: {known}")
        f = by_name[key]
        ftype = _field_type(type(obj), key)
        if is_dataclass(ftype):
            if not isinstance(value, dict):
                raise ConfigError(f"{path} must be a table of settings, got {value!r}")
            new[key] = override(getattr(obj, key), value, prefix=path)
        else:
            new[key] = _coerce(path, f, ftype, value)
    return replace(obj, **new)


def load_toml_over(path: str | Path | None, base: T) -> T:
    """A settings tree from a TOML file laid over ``base``; ``None`` gives ``base``."""
    if path is None:
        return base
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file not found: {p}")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{p} is not valid TOML: {exc}") from exc
    return override(base, data)


def as_dict(obj: Any) -> dict[str, Any]:
    """A settings tree as plain nested dicts (for summary.json and reports)."""
    return dataclasses.asdict(obj)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _limits(f: dataclasses.Field[Any]) -> str:
    """A field's unit and valid values, e.g. ``deg; 0.0..90.0``."""
    meta = f.metadata
    extra = []
    if meta.get("unit"):
        extra.append(meta["unit"])
    if meta.get("choices"):
        extra.append("one of " + ", ".join(meta["choices"]))
    elif meta.get("lo") is not None:
        extra.append(f"{meta['lo']}..{meta['hi']}")
    return "; ".join(extra)


def _sections(obj: Any, prefix: str = "") -> Iterator[tuple[str, str, list[Any]]]:
    """``(name, doc, fields)`` of each table of a settings tree with keys of its own, depth
    first; the root's name and doc are empty."""
    own = [f for f in fields(obj) if not is_dataclass(getattr(obj, f.name))]
    doc = (type(obj).__doc__ or "").strip().splitlines()[0] if prefix else ""
    if own:
        yield prefix.rstrip("."), doc, own
    for f in fields(obj):
        value = getattr(obj, f.name)
        if is_dataclass(value):
            yield from _sections(value, f"{prefix}{f.name}.")


def dump_toml(obj: Any) -> str:
    """The settings tree as commented TOML: every key with its help, unit and range."""
    parts = []
    for name, doc, own in _sections(obj):
        lines = [f"[{name}]", f"# {doc}"] if name else []
        for f in own:
            limits = _limits(f)
            lines.append(f"# {f.metadata.get('help', '')}" + (f" [{limits}]" if limits else ""))
            value = getattr(_get(obj, name), f.name)
            # TOML has no "nothing": an unset optional setting is a commented-out line
            lines.append(f"# {f.name} = " if value is None else f"{f.name} = {_toml_value(value)}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts).strip() + "\n"


def settings_markdown(obj: Any) -> str:
    """The settings tree as Markdown tables (the README's settings reference)."""
    parts = []
    for name, doc, own in _sections(obj):
        rows = ["| key | default | unit, range | meaning |", "|---|---|---|---|"]
        for f in own:
            text = str(f.metadata.get("help", "")).replace("|", "/")
            raw = getattr(_get(obj, name), f.name)
            value = "(not set)" if raw is None else _toml_value(raw)
            rows.append(f"| `{f.name}` | `{value}` | {_limits(f)} | {text} |")
        head = f"**`[{name}]`** {doc}\n\n" if name else ""
        parts.append(head + "\n".join(rows))
    return "\n\n".join(parts).strip()


def _get(obj: Any, dotted: str) -> Any:
    for part in filter(None, dotted.split(".")):
        obj = getattr(obj, part)
    return obj


def help_for(cls: type, name: str) -> str:
    """Help text of one field with its default, for CLI ``--help`` and dashboard tooltips."""
    f = {f.name: f for f in fields(cls)}[name]
    if f.default is None:
        return f"{f.metadata.get('help', '')} (default: not set)"
    unit = f.metadata.get("unit", "")
    default = f.default
    shown = "none" if default == "" else f"{default}{' ' + unit if unit else ''}"
    return f"{f.metadata.get('help', '')} (default: {shown})"


def field_at(tree: Any, path: str) -> tuple[type, dataclasses.Field[Any], Any]:
    """The settings class, field and value at a dotted ``path`` of a tree (``task.coupling``)."""
    section, _, name = path.rpartition(".")
    obj = _get(tree, section)
    by_name = {f.name: f for f in fields(obj)}
    if name not in by_name:
        raise KeyError(f"no setting {path!r}")
    return type(obj), by_name[name], getattr(obj, name)


def nested(flat: dict[str, Any]) -> dict[str, Any]:
    """``{"task.load_kg": 12}`` as ``{"task": {"load_kg": 12}}`` (for :func:`override`)."""
    out: dict[str, Any] = {}
    for path, value in flat.items():
        *sections, name = path.split(".")
        node = out
        for part in sections:
            node = node.setdefault(part, {})
        node[name] = value
    return out
