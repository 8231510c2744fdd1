"""Scoring tables as data: load, check and look up the bands and tables of REBA, RULA, OWAS, NIOSH.

The tables live in ``posture/data/scoring/*.toml``, each with its published source cited. They are
read with :mod:`importlib.resources` (or from a user's file), checked on load, and returned as
frozen, typed structures; a malformed table raises
:class:`~posture.core.errors.ConfigError` naming the
file and the key.

Bands
    A band table maps a measured value (an angle, a load) to a score. Each band is written in
    interval notation, ``"(20, 60]"``: a round bracket excludes the edge, a square one includes it,
    so the worksheets' "0-20 deg" / "> 20 deg" are written ``"[5, 20]"`` / ``"(20, 60]"`` with no
    ambiguity at 20. On load the bands must be ordered, contiguous and non-overlapping (each edge
    belongs to exactly one of its two bands) and run from -inf to +inf, so every real value has
    exactly one score. "Upright" or "neutral" is an ordinary band, e.g. ``"(-5, 5)"``: its edges
    are the upright tolerance, a table value like any other.

Lookup tables
    Integer arrays of a fixed published shape, indexed by 1-based sub-scores. A NaN sub-score
    (unknown) gives NaN.
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from posture.core.errors import ConfigError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
StrArray = npt.NDArray[np.str_]

#: Name given to frames whose score is unknown (NaN).
UNKNOWN = "unknown"

_NUMBER = r"[-+]?(?:inf|\d+(?:\.\d*)?|\.\d+)"
_INTERVAL = re.compile(rf"^\s*([\[(])\s*({_NUMBER})\s*,\s*({_NUMBER})\s*([\])])\s*$")


# ---------------------------------------------------------------------------------------------
# bands
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Interval:
    """One band's range of values; ``lo_closed`` / ``hi_closed`` say whether an edge belongs to it.

    An infinite edge always covers the infinite value itself, so a band to ``inf`` also scores
    ``inf``.
    """

    lo: float
    hi: float
    lo_closed: bool
    hi_closed: bool

    def contains(self, x: FloatArray) -> BoolArray:
        """Boolean mask of the values of ``x`` inside the interval (NaN is never inside)."""
        left = x >= self.lo if (self.lo_closed or math.isinf(self.lo)) else x > self.lo
        right = x <= self.hi if (self.hi_closed or math.isinf(self.hi)) else x < self.hi
        return np.asarray(left & right, dtype=bool)

    def __str__(self) -> str:
        left, right = "[" if self.lo_closed else "(", "]" if self.hi_closed else ")"
        return f"{left}{self.lo:g}, {self.hi:g}{right}"


@dataclass(frozen=True)
class Bands:
    """An ordered, contiguous partition of the real line into scored bands."""

    name: str
    intervals: tuple[Interval, ...]
    scores: tuple[int, ...]

    def score(self, x: npt.ArrayLike) -> FloatArray:
        """The score of every value of ``x`` (any shape), as floats; NaN where ``x`` is NaN."""
        a = np.asarray(x, dtype=np.float64)
        out = np.full(a.shape, np.nan)
        for interval, s in zip(self.intervals, self.scores, strict=True):
            out[interval.contains(a)] = s
        return out

    @property
    def min_score(self) -> int:
        """The lowest (most neutral) score of the table: the default for an unknown value."""
        return min(self.scores)

    @property
    def edges(self) -> tuple[float, ...]:
        """The finite edges between bands, ascending."""
        return tuple(i.hi for i in self.intervals[:-1])

    def band_of(self, value: float) -> Interval:
        """The band that holds ``value``."""
        for interval in self.intervals:
            if bool(interval.contains(np.asarray(value, dtype=np.float64))):
                return interval
        raise ValueError(f"{self.name}: {value!r} is in no band")


def parse_interval(text: object, where: str) -> Interval:
    """``"(20, 60]"`` -> :class:`Interval`; raises :class:`ConfigError` if malformed."""
    m = _INTERVAL.match(text) if isinstance(text, str) else None
    if m is None:
        raise ConfigError(f'{where}: {text!r} is not an interval like "(20, 60]" or "[-5, 5)"')
    lo, hi = float(m.group(2)), float(m.group(3))
    lo_closed, hi_closed = m.group(1) == "[", m.group(4) == "]"
    if not lo < hi:
        raise ConfigError(
            f"{where}: interval {text!r} is empty (its low edge is not below its high)"
        )
    if (math.isinf(lo) and lo_closed) or (math.isinf(hi) and hi_closed):
        raise ConfigError(f"{where}: an infinite edge must be open in {text!r}")
    return Interval(lo, hi, lo_closed, hi_closed)


def parse_bands(name: str, rows: object, *, lo: int, hi: int) -> Bands:
    """Rows ``[["(-inf, 5)", 0], ["[5, 10]", 1], ...]`` -> checked :class:`Bands`.

    Checks: at least one band; each row an interval and an integer score in ``[lo, hi]``; bands
    ascending, contiguous, non-overlapping, from -inf to +inf.
    """
    if not isinstance(rows, list) or not rows:
        raise ConfigError(f"{name}: expected a list of [interval, score] rows")
    intervals: list[Interval] = []
    scores: list[int] = []
    for k, row in enumerate(rows):
        where = f"{name}[{k}]"
        if not isinstance(row, list) or len(row) != 2:
            raise ConfigError(f"{where}: expected [interval, score], got {row!r}")
        intervals.append(parse_interval(row[0], where))
        scores.append(_int_in_range(row[1], lo, hi, where))
    if any(b.lo < a.lo for a, b in itertools.pairwise(intervals)):
        raise ConfigError(f"{name}: the bands are out of order; list them from -inf up")
    for k, (a, b) in enumerate(itertools.pairwise(intervals)):
        if a.hi != b.lo:
            problem = "overlap or are out of order" if a.hi > b.lo else "leave a gap"
            raise ConfigError(f"{name}: bands {k} {a} and {k + 1} {b} {problem}")
        if a.hi_closed == b.lo_closed:
            owner = "both bands" if a.hi_closed else "neither band"
            raise ConfigError(
                f"{name}: the edge {a.hi:g} between {a} and {b} belongs to {owner}; "
                "it must belong to exactly one"
            )
    if not math.isinf(intervals[0].lo) or not math.isinf(intervals[-1].hi):
        raise ConfigError(f"{name}: the bands must run from -inf to inf")
    return Bands(name, tuple(intervals), tuple(scores))


# ---------------------------------------------------------------------------------------------
# action levels
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Levels:
    """Named ranges of a final score: level k covers ``starts[k]`` up to the next start - 1."""

    name: str
    starts: tuple[int, ...]
    names: tuple[str, ...]
    max_score: int

    def of(self, score: npt.ArrayLike) -> StrArray:
        """The level name of every score (any shape); ``"unknown"`` where the score is NaN."""
        s = np.asarray(score, dtype=np.float64)
        known = np.isfinite(s)
        if np.any(known & ((s < self.starts[0]) | (s > self.max_score))):
            raise ValueError(f"{self.name}: score outside {self.starts[0]}..{self.max_score}")
        idx = np.searchsorted(np.asarray(self.starts, dtype=np.float64), s, side="right") - 1
        # names held by reference: a frame's level costs 8 bytes, not 4 a character (44 for
        # "investigate": 2 MB more a score held for 30 minutes of video)
        table = np.asarray([*self.names, UNKNOWN], dtype=object)
        return table[np.where(known, idx, len(self.names))]


def parse_levels(name: str, table: object) -> Levels:
    """``{starts = [[1, "negligible"], [2, "low"], ...], max_score = 15}`` -> :class:`Levels`."""
    data = _table(table, name)
    starts_rows = _key(data, "starts", name)
    max_score = _int_in_range(_key(data, "max_score", name), 1, 1000, f"{name}.max_score")
    if not isinstance(starts_rows, list) or not starts_rows:
        raise ConfigError(f"{name}.starts: expected a list of [lowest score, name] rows")
    starts: list[int] = []
    names: list[str] = []
    for k, row in enumerate(starts_rows):
        where = f"{name}.starts[{k}]"
        if not isinstance(row, list) or len(row) != 2 or not isinstance(row[1], str):
            raise ConfigError(f"{where}: expected [lowest score, name], got {row!r}")
        starts.append(_int_in_range(row[0], 0, max_score, where))
        names.append(row[1])
    if any(b <= a for a, b in itertools.pairwise(starts)):
        raise ConfigError(f"{name}.starts: the levels must start at increasing scores")
    if len(set(names)) != len(names) or UNKNOWN in names:
        raise ConfigError(f"{name}.starts: level names must be unique and not {UNKNOWN!r}")
    return Levels(name, tuple(starts), tuple(names), max_score)


# ---------------------------------------------------------------------------------------------
# lookup tables
# ---------------------------------------------------------------------------------------------
def parse_table(
    name: str, values: object, shape: tuple[int, ...], *, lo: float, hi: float, integer: bool = True
) -> npt.NDArray[Any]:
    """A nested list of the published ``shape`` with every cell in ``[lo, hi]`` -> array."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: not a rectangular table of numbers ({exc})") from exc
    if arr.shape != shape:
        raise ConfigError(f"{name}: expected a table of shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any((arr < lo) | (arr > hi)):
        raise ConfigError(f"{name}: every value must be a number in [{lo:g}, {hi:g}]")
    if integer:
        if np.any(arr != np.round(arr)):
            raise ConfigError(f"{name}: every value must be a whole number")
        arr = arr.astype(np.int64)
    arr.setflags(write=False)  # the tables are cached and shared: never edited in place
    return arr


def lookup(table: npt.NDArray[Any], *indices: npt.ArrayLike, clip: bool = False) -> FloatArray:
    """``table[i - 1, j - 1, ...]`` for 1-based score arrays ``indices`` (broadcast together).

    Where any index is NaN the result is NaN. With ``clip`` an index beyond the table's last row
    uses that row (RULA's "8+" and "7+"); without it an index out of range is a programming error
    and raises ``ValueError``.
    """
    idx = np.broadcast_arrays(*(np.asarray(i, dtype=np.float64) for i in indices))
    known = np.logical_and.reduce([np.isfinite(i) for i in idx])
    out = np.full(idx[0].shape, np.nan)
    pos = []
    for axis, i in enumerate(idx):
        k = i[known].astype(np.int64) - 1
        n = table.shape[axis]
        if clip:
            k = np.clip(k, 0, n - 1)
        elif k.size and (k.min() < 0 or k.max() >= n):
            raise ValueError(f"score out of range 1..{n} on axis {axis} of a lookup table")
        pos.append(k)
    out[known] = table[tuple(pos)]
    return out


# ---------------------------------------------------------------------------------------------
# reading TOML
# ---------------------------------------------------------------------------------------------
def read_table_file(standard: str, path: str | Path | None = None) -> tuple[dict[str, Any], str]:
    """The parsed TOML of ``standard`` (``"reba"`` ...) and a name for messages.

    ``path=None`` reads the packaged ``posture/data/scoring/<standard>.toml``; otherwise the
    user's file, which must hold the complete table set.
    """
    if path is None:
        resource = resources.files("posture").joinpath("data", "scoring", f"{standard}.toml")
        where, text = f"posture/data/scoring/{standard}.toml", resource.read_text(encoding="utf-8")
    else:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{standard} table file not found: {p}")
        where, text = str(p), p.read_text(encoding="utf-8")
    try:
        return tomllib.loads(text), where
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where} is not valid TOML: {exc}") from exc


def _table(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: expected a table of keys, got {value!r}")
    return value


def _key(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise ConfigError(f"{where}: missing key {key!r}")
    return data[key]


def section(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    """The sub-table ``key`` of ``data``; raises :class:`ConfigError` if missing or not a table."""
    return _table(_key(data, key, where), f"{where} [{key}]")


def int_value(data: Mapping[str, Any], key: str, where: str, lo: int, hi: int) -> int:
    """The integer ``data[key]`` in ``[lo, hi]``."""
    return _int_in_range(_key(data, key, where), lo, hi, f"{where}.{key}")


def float_value(data: Mapping[str, Any], key: str, where: str, lo: float, hi: float) -> float:
    """The finite number ``data[key]`` in ``[lo, hi]``."""
    v = _key(data, key, where)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ConfigError(f"{where}.{key}: expected a finite number, got {v!r}")
    if not lo <= v <= hi:
        raise ConfigError(f"{where}.{key} = {v} is outside [{lo:g}, {hi:g}]")
    return float(v)


def int_map(
    data: Mapping[str, Any], where: str, keys: Sequence[str], lo: int, hi: int
) -> Mapping[str, int]:
    """``{key: int}`` for exactly ``keys``, each in ``[lo, hi]``."""
    unknown = sorted(set(data) - set(keys))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; expected {list(keys)}")
    return MappingProxyType({k: int_value(data, k, where, lo, hi) for k in keys})


def _int_in_range(v: object, lo: int, hi: int, where: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise ConfigError(f"{where}: expected a whole number, got {v!r}")
    if not lo <= v <= hi:
        raise ConfigError(f"{where} = {v} is outside [{lo}, {hi}]")
    return v
