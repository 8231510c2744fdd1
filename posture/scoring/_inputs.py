"""Per-frame inputs of the posture scores: coerced and checked once, on construction.

An input dataclass types each per-frame field ``Frames`` with default ``None``: a name ending in
``_deg`` is an angle (float degrees, ``None`` = unknown in every frame, NaN = unknown in a
frame); any other is a yes/no flag (``None`` = its default: ``False`` unless listed in the
class's ``FLAG_DEFAULTS``). ``__post_init__`` calls :func:`normalise`, after which every such
field holds a ``(T,)`` array, ``T`` taken from the first (required) field; a scalar is repeated
over all frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

import numpy as np
import numpy.typing as npt

from posture.core.errors import InputError
from posture.scoring.tables import Bands, BoolArray, FloatArray, StrArray

#: A per-frame input as given by the caller: ``(T,)`` array-like, a scalar for all frames, or None.
Frames = npt.ArrayLike | None


def normalise(obj: object, first: str, flag_defaults: Mapping[str, bool]) -> int:
    """Replace every per-frame field of the frozen dataclass ``obj`` by a ``(T,)`` array.

    ``T`` is the length of the 1-D field ``first``. Returns ``T``. Raises :class:`InputError`
    naming the field when a value has the wrong shape or cannot be read as numbers / booleans.
    """
    ref = np.asarray(getattr(obj, first), dtype=np.float64)
    if ref.ndim != 1:
        raise InputError(f"{first} must be a 1-D array of frames, got shape {ref.shape}")
    t = ref.shape[0]
    for f in fields(obj):  # type: ignore[arg-type]
        if f.name != first and f.default is not None:
            continue  # a task-level scalar (load, coupling, ...) or a derived field
        value = getattr(obj, f.name)
        if f.name.endswith("_deg"):
            object.__setattr__(obj, f.name, _frames(f.name, value, t))
        else:
            default = flag_defaults.get(f.name, False) if value is None else value
            object.__setattr__(obj, f.name, _flags(f.name, default, t))
    return t


def _frames(name: str, value: npt.ArrayLike | None, t: int) -> FloatArray:
    if value is None:
        return np.full(t, np.nan)
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be numbers (degrees), got {value!r}") from exc
    return _shape(name, a, t)


def _flags(name: str, value: npt.ArrayLike, t: int) -> BoolArray:
    a = np.asarray(value)
    if a.dtype != np.bool_:
        raise InputError(f"{name} must be true/false values, got dtype {a.dtype}")
    return _shape(name, a, t)


def _shape(name: str, a: npt.NDArray[Any], t: int) -> npt.NDArray[Any]:
    if a.ndim == 0:
        return np.full(t, a.item(), dtype=a.dtype)
    if a.shape != (t,):
        raise InputError(f"{name} must have shape ({t},) like the other inputs, got {a.shape}")
    return a.copy()


def as_float(value: object) -> FloatArray:
    """A normalised angle field, typed (no copy)."""
    return np.asarray(value, dtype=np.float64)


def as_bool(value: object) -> BoolArray:
    """A normalised flag field, typed (no copy)."""
    return np.asarray(value, dtype=np.bool_)


def filled(
    values: FloatArray, default: float, name: str, assumptions: dict[str, BoolArray]
) -> FloatArray:
    """``values`` with NaN replaced by ``default``; records the replaced frames under ``name``."""
    missing = np.isnan(values)
    if missing.any():
        assumptions[name] = missing
        return np.where(missing, default, values)
    return values


def check_choice(name: str, value: str, choices: tuple[str, ...] | list[str]) -> str:
    """``value`` if it is one of ``choices``; else :class:`InputError` listing them."""
    if value not in choices:
        raise InputError(f"{name} = {value!r} is not one of {', '.join(choices)}")
    return value


def check_load(load_kg: float | None) -> float:
    """A load in kg: a number >= 0, or NaN (also for ``None``) when unknown."""
    try:
        v = float("nan") if load_kg is None else float(load_kg)
    except (TypeError, ValueError) as exc:
        raise InputError(f"load_kg must be a number of kg, got {load_kg!r}") from exc
    if v < 0 or v == float("inf"):
        raise InputError(f"load_kg must be 0 or more kg (NaN if unknown), got {load_kg!r}")
    return v


def banded(
    bands: Bands, inputs: object, name: str, assumptions: dict[str, BoolArray]
) -> FloatArray:
    """Band scores of the angle field ``name`` of ``inputs``; where the angle is unknown, the
    best (lowest) band, with the frames recorded in ``assumptions[name]``."""
    values = as_float(getattr(inputs, name))
    return filled(bands.score(values), bands.min_score, name, assumptions)


def any_of(masks: list[BoolArray], n: int) -> BoolArray:
    """Frames set in any of ``masks`` (all ``(n,)``)."""
    out = np.zeros(n, dtype=bool)
    for m in masks:
        out |= m
    return out


_SIDES = np.asarray(["left", "right", "both", "unknown"], dtype=object)


def worse_side(left: FloatArray, right: FloatArray) -> StrArray:
    """Per frame ``"left"``, ``"right"``, ``"both"`` (equal) or ``"unknown"`` (either NaN)."""
    side = np.select(
        [np.isnan(left) | np.isnan(right), left > right, right > left], [3, 0, 1], default=2
    )
    return _SIDES[side]  # names held by reference (as Levels.of)
