"""The revised NIOSH lifting equation (Waters et al. 1993; Applications Manual 94-110), metric.

``RWL = LC x HM x VM x DM x AM x FM x CM`` and ``LI = load / RWL``, with LC = 23 kg and

* HM = 25 / H, H = horizontal distance of the hands from the midpoint between the inner ankles,
  cm (H < 25 counts as 25; H > 63: HM = 0);
* VM = 1 - 0.003 |V - 75|, V = height of the hands above the floor, cm (V > 175: VM = 0);
* DM = 0.82 + 4.5 / D, D = vertical travel |V destination - V origin|, cm (D < 25 counts as 25;
  D > 175: DM = 0);
* AM = 1 - 0.0032 A, A = asymmetry angle, degrees (A > 135: AM = 0);
* FM from Table 5 by lifts/min, lifting duration (<= 1, <= 2, <= 8 h) and V at the origin,
  linearly interpolated between rows, 0 above the column's highest frequency;
* CM from Table 7 by coupling (good, fair, poor) and V at the point evaluated.

All constants and tables come from ``posture/data/scoring/niosh.toml`` (sources cited there). The
functions take scalars or arrays (one value per lift) and broadcast them; NaN in gives NaN out.
The equation only applies to some lifts: :func:`check_applicable` lists why it does not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from posture.core.errors import ConfigError, InputError
from posture.scoring.tables import (
    FloatArray,
    IntArray,
    float_value,
    parse_table,
    read_table_file,
    section,
)

_CONSTANTS = {  # key: (lowest, highest) plausible value, checked on load
    "load_constant_kg": (1.0, 100.0),
    "h_numerator_cm": (1.0, 100.0),
    "h_min_cm": (1.0, 100.0),
    "h_max_cm": (1.0, 200.0),
    "vm_slope_per_cm": (0.0, 0.1),
    "v_optimum_cm": (0.0, 200.0),
    "v_max_cm": (1.0, 300.0),
    "dm_intercept": (0.0, 1.0),
    "dm_numerator_cm": (0.0, 100.0),
    "d_min_cm": (1.0, 100.0),
    "d_max_cm": (1.0, 300.0),
    "am_slope_per_deg": (0.0, 0.1),
    "a_max_deg": (0.0, 180.0),
    "v_split_cm": (0.0, 200.0),
}
_POSTURES = ("standing", "seated", "kneeling")


@dataclass(frozen=True)
class NioshTables:
    """Constants (``constants[name]``, units in the names), Table 5 (``fm`` ``(rows, 6)`` for the
    frequencies ``fm_frequencies``) and Table 7 (``cm[coupling] = (V < split, V >= split)``)."""

    constants: Mapping[str, float]
    duration_limits_h: tuple[float, ...]
    fm_frequencies: FloatArray
    fm: FloatArray
    cm: Mapping[str, tuple[float, float]]
    coupling_aliases: Mapping[str, str]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> NioshTables:
        c = section(data, "constants", where)
        constants = {
            k: float_value(c, k, f"{where} [constants]", lo, hi)
            for k, (lo, hi) in _CONSTANTS.items()
        }
        freq = section(data, "frequency", where)
        limits = parse_table(
            f"{where} [frequency].duration_limits_h",
            freq.get("duration_limits_h"),
            (3,),
            lo=0.01,
            hi=24,
            integer=False,
        )
        if np.any(np.diff(limits) <= 0):
            raise ConfigError(f"{where} [frequency].duration_limits_h must increase")
        rows = freq.get("rows")
        n = len(rows) if isinstance(rows, list) else 0
        table = parse_table(
            f"{where} [frequency].rows", rows, (n, 7), lo=0.0, hi=60.0, integer=False
        )
        fm_frequencies, fm = table[:, 0], table[:, 1:]
        _check_fm(fm_frequencies, fm, f"{where} [frequency].rows")
        cm_data = section(data, "coupling", where)
        cm = {}
        for key, value in cm_data.items():
            pair = parse_table(
                f"{where} [coupling].{key}", value, (2,), lo=0.0, hi=1.0, integer=False
            )
            cm[key] = (float(pair[0]), float(pair[1]))
        if not cm:
            raise ConfigError(f"{where} [coupling]: no coupling classes")
        aliases = dict(data.get("coupling_aliases", {}))
        for alias, target in aliases.items():
            if target not in cm:
                raise ConfigError(
                    f"{where} [coupling_aliases].{alias} = {target!r} is no coupling class"
                )
        return cls(constants, tuple(float(x) for x in limits), fm_frequencies, fm, cm, aliases)

    def max_frequency(self, column: int) -> float:
        """The highest frequency (lifts/min) with a non-zero FM in a column of Table 5."""
        nonzero = np.nonzero(self.fm[:, column] > 0)[0]
        return float(self.fm_frequencies[nonzero[-1]]) if nonzero.size else 0.0


def _check_fm(freqs: FloatArray, fm: FloatArray, where: str) -> None:
    if freqs.size < 2 or freqs[0] <= 0 or np.any(np.diff(freqs) <= 0):
        raise ConfigError(f"{where}: the frequencies (first column) must be positive and increase")
    if fm.shape[1] != 6 or np.any(fm > 1.0):
        raise ConfigError(f"{where}: each row needs a frequency and six multipliers in [0, 1]")
    if np.any(np.diff(fm, axis=0) > 0):  # so a 0.00 is followed by 0.00 only
        raise ConfigError(f"{where}: FM must not increase with frequency in any column")


@lru_cache(maxsize=8)
def load_niosh_tables(path: str | Path | None = None) -> NioshTables:
    """NIOSH constants and tables from ``path`` (a complete niosh.toml) or the defaults; cached."""
    data, where = read_table_file("niosh", path)
    return NioshTables.from_dict(data, where)


@dataclass(frozen=True)
class Multipliers:
    """The six multipliers and the RWL (kg) at one end of a lift; arrays of the inputs' shape."""

    hm: FloatArray
    vm: FloatArray
    dm: FloatArray
    am: FloatArray
    fm: FloatArray
    cm: FloatArray
    rwl_kg: FloatArray


@dataclass(frozen=True)
class LiftAssessment:
    """RWL and LI of a lift (or of each lift of an array) at its origin and its destination.

    ``rwl_kg`` is the RWL that governs the lift: the origin's, or the lower of origin and
    destination when the lift needs significant control at the destination (manual, p. 21).
    ``li_*`` are ``None`` when no load was given; an RWL of 0 gives an LI of ``inf``.
    """

    origin: Multipliers
    destination: Multipliers
    significant_control: bool
    rwl_kg: FloatArray
    load_kg: FloatArray | None
    li_origin: FloatArray | None
    li_destination: FloatArray | None
    li: FloatArray | None


def _nonneg(name: str, value: npt.ArrayLike) -> FloatArray:
    a = np.asarray(value, dtype=np.float64)
    if np.any(a < 0):
        raise InputError(f"{name} must be 0 or more (NaN if unknown), got {a[a < 0].tolist()}")
    return a


def duration_column(duration_h: npt.ArrayLike, tables: NioshTables | None = None) -> IntArray:
    """0, 1, 2 for a lifting duration of <= 1 h, <= 2 h, <= 8 h; -1 beyond 8 h or unknown."""
    tb = tables if tables is not None else load_niosh_tables()
    d = np.asarray(duration_h, dtype=np.float64)
    if np.any(d <= 0):
        raise InputError(f"duration_h must be more than 0 hours, got {d[d <= 0].tolist()}")
    col = np.searchsorted(np.asarray(tb.duration_limits_h), d, side="left")
    return np.where(np.isfinite(d) & (col < len(tb.duration_limits_h)), col, -1).astype(np.int64)


def frequency_multiplier(
    frequency_per_min: npt.ArrayLike,
    duration_h: npt.ArrayLike,
    v_origin_cm: npt.ArrayLike,
    tables: NioshTables | None = None,
) -> FloatArray:
    """FM from Table 5: F below the first row counts as the first row (0.2/min), linear between
    rows, 0 above the column's highest non-zero row; NaN beyond 8 h or when an input is NaN."""
    tb = tables if tables is not None else load_niosh_tables()
    f, dur, v = np.broadcast_arrays(
        _nonneg("frequency_per_min", frequency_per_min),
        duration_column(duration_h, tb),
        _nonneg("v_origin_cm", v_origin_cm),
    )
    col = np.where(dur >= 0, 2 * dur + (v >= tb.constants["v_split_cm"]), -1)
    f = np.maximum(f, tb.fm_frequencies[0])
    out = np.full(f.shape, np.nan)
    for c in range(tb.fm.shape[1]):
        m = (col == c) & np.isfinite(f) & np.isfinite(v)
        fmax = tb.max_frequency(c)
        last = int(np.searchsorted(tb.fm_frequencies, fmax)) + 1
        value = np.interp(f[m], tb.fm_frequencies[:last], tb.fm[:last, c])
        out[m] = np.where(f[m] > fmax, 0.0, value)
    return out


def coupling_multiplier(
    coupling: str, v_cm: npt.ArrayLike, tables: NioshTables | None = None
) -> FloatArray:
    """CM from Table 7 for the coupling class at the height ``v_cm`` of the point evaluated."""
    tb = tables if tables is not None else load_niosh_tables()
    key = tb.coupling_aliases.get(coupling, coupling)
    if key not in tb.cm:
        choices = ", ".join([*tb.cm, *tb.coupling_aliases])
        raise InputError(f"coupling = {coupling!r} is not one of {choices}")
    v = _nonneg("v_cm", v_cm)
    low, high = tb.cm[key]
    return np.where(np.isnan(v), np.nan, np.where(v >= tb.constants["v_split_cm"], high, low))


def multipliers(
    *,
    h_cm: npt.ArrayLike,
    v_cm: npt.ArrayLike,
    d_cm: npt.ArrayLike,
    a_deg: npt.ArrayLike,
    frequency_per_min: npt.ArrayLike,
    duration_h: npt.ArrayLike,
    coupling: str,
    v_origin_cm: npt.ArrayLike | None = None,
    tables: NioshTables | None = None,
) -> Multipliers:
    """The six multipliers and the RWL at one end of a lift (hands at ``h_cm``, ``v_cm``).

    ``d_cm`` is the lift's vertical travel; ``v_origin_cm`` the origin height that selects the FM
    column (default ``v_cm``, i.e. evaluating at the origin). Each multiplier is in [0, 1].
    """
    tb = tables if tables is not None else load_niosh_tables()
    k = tb.constants
    h, v, d, a = np.broadcast_arrays(
        _nonneg("h_cm", h_cm), _nonneg("v_cm", v_cm), _nonneg("d_cm", d_cm), _nonneg("a_deg", a_deg)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        hm = np.where(h > k["h_max_cm"], 0.0, k["h_numerator_cm"] / np.maximum(h, k["h_min_cm"]))
        vm = np.where(
            v > k["v_max_cm"], 0.0, 1.0 - k["vm_slope_per_cm"] * np.abs(v - k["v_optimum_cm"])
        )
        dm = np.where(
            d > k["d_max_cm"],
            0.0,
            k["dm_intercept"] + k["dm_numerator_cm"] / np.maximum(d, k["d_min_cm"]),
        )
        am = np.where(a > k["a_max_deg"], 0.0, 1.0 - k["am_slope_per_deg"] * a)
    v_fm = v if v_origin_cm is None else v_origin_cm
    fm = frequency_multiplier(frequency_per_min, duration_h, v_fm, tb)
    cm = coupling_multiplier(coupling, v, tb)
    # NaN stays NaN: np.where above keeps NaN because NaN > limit is False.
    hm, vm, dm, am, fm, cm = np.broadcast_arrays(hm, vm, dm, am, fm, cm)
    rwl = k["load_constant_kg"] * hm * vm * dm * am * fm * cm
    return Multipliers(*(np.array(m, dtype=np.float64) for m in (hm, vm, dm, am, fm, cm, rwl)))


def recommended_weight_limit(
    *,
    h_origin_cm: npt.ArrayLike,
    v_origin_cm: npt.ArrayLike,
    h_destination_cm: npt.ArrayLike,
    v_destination_cm: npt.ArrayLike,
    frequency_per_min: npt.ArrayLike,
    duration_h: npt.ArrayLike,
    coupling: str,
    a_origin_deg: npt.ArrayLike = 0.0,
    a_destination_deg: npt.ArrayLike = 0.0,
    load_kg: npt.ArrayLike | None = None,
    significant_control: bool = False,
    tables: NioshTables | None = None,
) -> LiftAssessment:
    """RWL (kg) at the origin and the destination of a lift and, with a load, LI = load / RWL.

    D is ``|v_destination_cm - v_origin_cm|``; FM uses the origin's V at both ends (manual, p. 15),
    CM the V of each end. ``load_kg`` (kg, > 0) may be an array, one load per lift.
    """
    tb = tables if tables is not None else load_niosh_tables()
    vo, vd = _nonneg("v_origin_cm", v_origin_cm), _nonneg("v_destination_cm", v_destination_cm)
    d = np.abs(vd - vo)
    common: dict[str, Any] = {
        "d_cm": d,
        "frequency_per_min": frequency_per_min,
        "duration_h": duration_h,
        "coupling": coupling,
        "v_origin_cm": vo,
        "tables": tb,
    }
    origin = multipliers(h_cm=h_origin_cm, v_cm=vo, a_deg=a_origin_deg, **common)
    dest = multipliers(h_cm=h_destination_cm, v_cm=vd, a_deg=a_destination_deg, **common)
    rwl = np.minimum(origin.rwl_kg, dest.rwl_kg) if significant_control else origin.rwl_kg
    if load_kg is None:
        return LiftAssessment(origin, dest, significant_control, rwl, None, None, None, None)
    load = _nonneg("load_kg", load_kg)
    with np.errstate(divide="ignore", invalid="ignore"):
        li_o, li_d, li = (
            np.asarray(load / r, dtype=np.float64) for r in (origin.rwl_kg, dest.rwl_kg, rwl)
        )
    return LiftAssessment(origin, dest, significant_control, rwl, load, li_o, li_d, li)


def check_applicable(
    *,
    h_origin_cm: npt.ArrayLike,
    v_origin_cm: npt.ArrayLike,
    h_destination_cm: npt.ArrayLike,
    v_destination_cm: npt.ArrayLike,
    frequency_per_min: npt.ArrayLike,
    duration_h: float,
    load_kg: float | None,
    a_origin_deg: npt.ArrayLike = 0.0,
    a_destination_deg: npt.ArrayLike = 0.0,
    hands: int = 2,
    posture: str = "standing",
    tables: NioshTables | None = None,
) -> list[str]:
    """Why the lifting equation does not apply to these lifts; an empty list if it does.

    Each reason is one sentence a user can act on (the caller refuses with them). Checked: two
    hands, standing (not seated or kneeling), a lifting duration of at most 8 h, a frequency the
    table covers, H, V, D and A within the equation's range, and a known load. Geometry may be
    arrays (one value per lift); a reason then says in how many lifts it occurs.
    """
    tb = tables if tables is not None else load_niosh_tables()
    k = tb.constants
    reasons: list[str] = []
    if hands != 2:
        how = "one-handed" if hands == 1 else f"{hands}-handed"
        reasons.append(f"a {how} lift: the equation covers two-handed lifts only")
    if posture not in _POSTURES:
        raise InputError(f"posture = {posture!r} is not one of {', '.join(_POSTURES)}")
    if posture != "standing":
        reasons.append(f"lifting while {posture}: the equation covers standing lifts only")
    reasons += _duration_frequency_reasons(frequency_per_min, duration_h, v_origin_cm, tb)
    vo, vd = (
        np.asarray(v_origin_cm, dtype=np.float64),
        np.asarray(v_destination_cm, dtype=np.float64),
    )
    checks = [
        ("horizontal distance H", (h_origin_cm, h_destination_cm), 0.0, k["h_max_cm"], "cm"),
        ("hand height V", (vo, vd), 0.0, k["v_max_cm"], "cm"),
        ("vertical travel D", (np.abs(vd - vo),), 0.0, k["d_max_cm"], "cm"),
        ("asymmetry angle A", (a_origin_deg, a_destination_deg), 0.0, k["a_max_deg"], "deg"),
    ]
    for label, values, lo, hi, unit in checks:
        reasons += _range_reasons(label, values, lo, hi, unit)
    if load_kg is None or not np.isfinite(load_kg) or load_kg <= 0:
        reasons.append("the load's weight is unknown: enter it (kg) to get a lifting index")
    return reasons


def _range_reasons(
    label: str, values: tuple[npt.ArrayLike, ...], lo: float, hi: float, unit: str
) -> list[str]:
    a = np.concatenate([np.atleast_1d(np.asarray(v, dtype=np.float64)).ravel() for v in values])
    n = a.size
    out = []
    unknown = int(np.isnan(a).sum())
    if unknown:
        out.append(f"{label} is unknown in {unknown} of {n} measurements (origin and destination)")
    bad = a[(a < lo) | (a > hi)]
    if bad.size:
        out.append(
            f"{label} is outside {lo:g}-{hi:g} {unit} in {bad.size} of {n} measurements "
            f"(worst {bad[np.argmax(np.abs(bad - (lo + hi) / 2))]:.0f} {unit})"
        )
    return out


def _duration_frequency_reasons(
    frequency_per_min: npt.ArrayLike, duration_h: float, v_origin_cm: npt.ArrayLike, tb: NioshTables
) -> list[str]:
    limit = tb.duration_limits_h[-1]
    if not np.isfinite(duration_h) or duration_h <= 0:
        return ["the lifting duration is unknown: enter how long the lifting goes on (hours)"]
    if duration_h > limit:
        return [f"lifting for {duration_h:g} h: the equation gives no limit beyond {limit:g} h"]
    f, v = np.broadcast_arrays(
        np.atleast_1d(np.asarray(frequency_per_min, dtype=np.float64)),
        np.asarray(v_origin_cm, dtype=np.float64),
    )
    if np.any(~np.isfinite(f)) or np.any(f < 0):
        return ["the lift frequency is unknown: enter it (lifts per minute)"]
    col = int(duration_column(duration_h, tb))
    over = []
    for fi, vi in zip(f, v, strict=True):
        c = 2 * col + int(vi >= tb.constants["v_split_cm"])
        if fi > tb.max_frequency(c):
            over.append((fi, tb.max_frequency(c)))
    if over:
        fi, fmax = max(over)
        return [
            f"{fi:g} lifts/min is above the table's limit of {fmax:g}/min for "
            f"{duration_h:g} h of lifting: the recommended weight limit is 0"
        ]
    return []
