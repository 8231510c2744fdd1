"""Revised NIOSH lifting equation: the manual's tables cell by cell, limits, worked examples,
applicability, and properties.

The published tables are written out below from the Applications Manual (DHHS (NIOSH) 94-110,
revised 2021): metric Tables 1-4 (p. 8-13), Table 5 (FM, p. 15) and Table 7 (CM, p. 18),
independently of posture/data/scoring/niosh.toml.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from posture.core.errors import InputError
from posture.scoring import (
    check_applicable,
    coupling_multiplier,
    frequency_multiplier,
    multipliers,
    recommended_weight_limit,
)

# Table 1 (metric): H cm -> HM, as printed (two decimals).
TABLE_1 = [(25, 1.00), (28, 0.89), (30, 0.83), (32, 0.78), (34, 0.74), (36, 0.69), (38, 0.66),
           (40, 0.63), (42, 0.60), (44, 0.57), (46, 0.54), (48, 0.52), (50, 0.50), (52, 0.48),
           (54, 0.46), (56, 0.45), (58, 0.43), (60, 0.42), (63, 0.40), (64, 0.00)]  # fmt: skip
# Table 2 (metric): V cm -> VM.
TABLE_2 = [(0, 0.78), (10, 0.81), (20, 0.84), (30, 0.87), (40, 0.90), (50, 0.93), (60, 0.96),
           (70, 0.99), (80, 0.99), (90, 0.96), (100, 0.93), (110, 0.90), (120, 0.87),
           (130, 0.84), (140, 0.81), (150, 0.78), (160, 0.75), (170, 0.72), (175, 0.70),
           (176, 0.00)]  # fmt: skip
# Table 3 (metric): D cm -> DM. The printed .86 at D = 130 is not what the manual's own formula
# gives (.82 + 4.5/130 = .8546); the formula governs (manual p. 7), so that row is pinned apart.
TABLE_3 = [(25, 1.00), (40, 0.93), (55, 0.90), (70, 0.88), (85, 0.87), (100, 0.87), (115, 0.86),
           (145, 0.85), (160, 0.85), (175, 0.85), (176, 0.00)]  # fmt: skip
# Table 4: A deg -> AM.
TABLE_4 = [(0, 1.00), (15, 0.95), (30, 0.90), (45, 0.86), (60, 0.81), (75, 0.76), (90, 0.71),
           (105, 0.66), (120, 0.62), (135, 0.57), (136, 0.00)]  # fmt: skip
# Table 5: F lifts/min -> FM for <=1 h, <=2 h, <=8 h, each V < 75 cm then V >= 75 cm.
TABLE_5 = {
    0.2: (1.00, 1.00, 0.95, 0.95, 0.85, 0.85),
    0.5: (0.97, 0.97, 0.92, 0.92, 0.81, 0.81),
    1: (0.94, 0.94, 0.88, 0.88, 0.75, 0.75),
    2: (0.91, 0.91, 0.84, 0.84, 0.65, 0.65),
    3: (0.88, 0.88, 0.79, 0.79, 0.55, 0.55),
    4: (0.84, 0.84, 0.72, 0.72, 0.45, 0.45),
    5: (0.80, 0.80, 0.60, 0.60, 0.35, 0.35),
    6: (0.75, 0.75, 0.50, 0.50, 0.27, 0.27),
    7: (0.70, 0.70, 0.42, 0.42, 0.22, 0.22),
    8: (0.60, 0.60, 0.35, 0.35, 0.18, 0.18),
    9: (0.52, 0.52, 0.30, 0.30, 0.00, 0.15),
    10: (0.45, 0.45, 0.26, 0.26, 0.00, 0.13),
    11: (0.41, 0.41, 0.00, 0.23, 0.00, 0.00),
    12: (0.37, 0.37, 0.00, 0.21, 0.00, 0.00),
    13: (0.00, 0.34, 0.00, 0.00, 0.00, 0.00),
    14: (0.00, 0.31, 0.00, 0.00, 0.00, 0.00),
    15: (0.00, 0.28, 0.00, 0.00, 0.00, 0.00),
}
# Table 7: coupling -> CM for V < 75 cm, V >= 75 cm.
TABLE_7 = {"good": (1.00, 1.00), "fair": (0.95, 1.00), "poor": (0.90, 0.90)}

# The ends of the duration columns and of the V split, so the cells also pin those edges.
DURATIONS_H = (1.0, 2.0, 8.0)
V_SIDES_CM = (74.9, 75.0)
REFERENCE = {"h_cm": 25, "v_cm": 75, "d_cm": 25, "a_deg": 0, "frequency_per_min": 0.2,
             "duration_h": 1, "coupling": "good"}  # fmt: skip


def one(**kw: object) -> object:
    return multipliers(**{**REFERENCE, **kw})  # type: ignore[arg-type]


def within_print(value: float, printed: float) -> bool:
    """The formula's value rounds to the printed two decimals (either way at an exact half)."""
    return abs(value - printed) <= 0.005 + 1e-9


# ---------------------------------------------------------------------------------------------
# the manual's tables, cell by cell
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("h", "hm"), TABLE_1)
def test_horizontal_multiplier_matches_table_1(h: float, hm: float) -> None:
    assert within_print(float(one(h_cm=h).hm), hm)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("v", "vm"), TABLE_2)
def test_vertical_multiplier_matches_table_2(v: float, vm: float) -> None:
    assert within_print(float(one(v_cm=v).vm), vm)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("d", "dm"), TABLE_3)
def test_distance_multiplier_matches_table_3(d: float, dm: float) -> None:
    assert within_print(float(one(d_cm=d).dm), dm)  # type: ignore[attr-defined]


def test_distance_multiplier_at_130_cm_follows_the_formula_not_the_misprint() -> None:
    assert float(one(d_cm=130).dm) == pytest.approx(0.82 + 4.5 / 130)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("a", "am"), TABLE_4)
def test_asymmetric_multiplier_matches_table_4(a: float, am: float) -> None:
    assert within_print(float(one(a_deg=a).am), am)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("f", "col"), list(itertools.product(TABLE_5, range(6))))
def test_frequency_multiplier_matches_every_cell_of_table_5(f: float, col: int) -> None:
    duration, v = DURATIONS_H[col // 2], V_SIDES_CM[col % 2]
    assert float(frequency_multiplier(f, duration, v)) == TABLE_5[f][col]


@pytest.mark.parametrize(("coupling", "col"), list(itertools.product(TABLE_7, range(2))))
def test_coupling_multiplier_matches_every_cell_of_table_7(coupling: str, col: int) -> None:
    assert float(coupling_multiplier(coupling, V_SIDES_CM[col])) == TABLE_7[coupling][col]


# ---------------------------------------------------------------------------------------------
# the limits of each variable and of the frequency table
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "attr", "expected"),
    [
        ({"h_cm": 10}, "hm", 1.0),
        ({"h_cm": 25}, "hm", 1.0),
        ({"h_cm": 63}, "hm", 25 / 63),
        ({"h_cm": 63.01}, "hm", 0.0),
        ({"v_cm": 0}, "vm", 0.775),
        ({"v_cm": 175}, "vm", 0.7),
        ({"v_cm": 175.01}, "vm", 0.0),
        ({"d_cm": 0}, "dm", 1.0),
        ({"d_cm": 175}, "dm", 0.82 + 4.5 / 175),
        ({"d_cm": 175.01}, "dm", 0.0),
        ({"a_deg": 135}, "am", 1 - 0.0032 * 135),
        ({"a_deg": 135.01}, "am", 0.0),
        ({"frequency_per_min": 0.0}, "fm", 1.0),  # less than 0.2/min counts as 0.2
        ({"frequency_per_min": 0.1}, "fm", 1.0),
        ({"frequency_per_min": 15.01, "v_cm": 80}, "fm", 0.0),  # above 15/min
        ({"frequency_per_min": 12.5, "v_cm": 50}, "fm", 0.0),  # past the column's last row, 12
        (
            {"frequency_per_min": 9.5, "duration_h": 8, "v_cm": 50},
            "fm",
            0.0,
        ),  # column ends at 8/min
        ({"frequency_per_min": 10.5, "duration_h": 8, "v_cm": 75}, "fm", 0.0),
        ({"frequency_per_min": 1, "duration_h": 1.01}, "fm", 0.88),  # just over 1 h: <= 2 h
        ({"frequency_per_min": 1, "duration_h": 2.01}, "fm", 0.75),  # just over 2 h: <= 8 h
    ],
)
def test_limits(kw: dict[str, float], attr: str, expected: float) -> None:
    assert float(getattr(one(**kw), attr)) == pytest.approx(expected)


def test_beyond_8_hours_there_is_no_frequency_multiplier() -> None:
    assert math.isnan(float(frequency_multiplier(1, 8.5, 50)))


def test_fm_uses_the_origin_height_at_the_destination() -> None:
    # 13 lifts/min for <= 1 h: FM .00 below 75 cm, .34 from 75 cm; the origin is at 50 cm.
    r = recommended_weight_limit(h_origin_cm=30, v_origin_cm=50, h_destination_cm=30,
                                 v_destination_cm=100, frequency_per_min=13, duration_h=1,
                                 coupling="good")  # fmt: skip
    assert float(r.origin.fm) == 0.0 and float(r.destination.fm) == 0.0


def test_unacceptable_coupling_counts_as_poor_and_unknown_couplings_are_refused() -> None:
    assert float(coupling_multiplier("unacceptable", 50)) == 0.90
    with pytest.raises(InputError, match="coupling"):
        coupling_multiplier("excellent", 50)


@pytest.mark.parametrize(
    "kw",
    [{"h_cm": -1}, {"v_cm": -5}, {"a_deg": -10}, {"frequency_per_min": -1}, {"duration_h": 0}],
)
def test_negative_geometry_frequency_or_duration_is_an_input_error(kw: dict[str, float]) -> None:
    with pytest.raises(InputError):
        one(**kw)


def test_nan_stays_nan() -> None:
    m = multipliers(h_cm=[30, np.nan], v_cm=75, d_cm=25, a_deg=0, frequency_per_min=1,
                    duration_h=1, coupling="fair")  # fmt: skip
    assert not np.isnan(m.rwl_kg[0]) and np.isnan(m.rwl_kg[1]) and np.isnan(m.hm[1])


# ---------------------------------------------------------------------------------------------
# worked examples
# ---------------------------------------------------------------------------------------------
def test_worked_example_package_inspection_manual_example_4() -> None:
    """Applications Manual, Example 4 "Package inspection" (pp. 44-46), metric, as solved at
    homeworksource.com/p/1089113 ("Compact 12 kg loads are inspected ..."): H 25 cm, V 55 cm to
    150 cm (D 95), A 0, 3 lifts/min for 45 min, fair coupling, 12 kg:
    RWL = 23 x 1 x 0.94 x 0.87 x 1 x 0.88 x 0.95 = 15.7 kg, LI = 12 / 15.72 = 0.76.
    The manual's worksheet (Figure 14) has CM .95 at the origin and 1.0 at the destination."""
    r = recommended_weight_limit(h_origin_cm=25, v_origin_cm=55, h_destination_cm=25,
                                 v_destination_cm=150, frequency_per_min=3, duration_h=0.75,
                                 coupling="fair", load_kg=12)  # fmt: skip
    o = r.origin
    printed = [1.00, 0.94, 0.87, 1.00, 0.88, 0.95]
    got = [float(x) for x in (o.hm, o.vm, o.dm, o.am, o.fm, o.cm)]
    assert [round(x, 2) for x in got] == printed
    assert round(float(o.rwl_kg), 1) == 15.7
    assert r.li_origin is not None and abs(float(r.li_origin) - 0.76) < 0.01
    assert (float(r.destination.cm), float(r.destination.fm)) == (1.0, 0.88)


def test_worked_example_interpolated_frequency_manual_example_7() -> None:
    """Applications Manual, p. 7 and Example 7 (pp. 56-57): a frequency of 2.4 lifts/min takes
    the FM "between the FM values for 2 and 3 lifts/minute" (.91 and .88, <= 1 h)."""
    assert float(frequency_multiplier(2.4, 1, 50)) == pytest.approx(0.91 + 0.4 * (0.88 - 0.91))


@pytest.mark.parametrize(
    ("seconds_between", "short", "long"),
    [(300, 1.00, 0.85), (60, 0.94, 0.75), (30, 0.91, 0.65), (15, 0.84, 0.45), (10, 0.75, 0.27),
     (6, 0.45, 0.13)],
)  # fmt: skip
def test_worked_example_ccohs_time_between_lifts(
    seconds_between: float, short: float, long: float
) -> None:
    """CCOHS OSH Answers, "Calculating Recommended Weight Limit": FM by time between lifts, lifting
    while standing, one hour or less / over one hour (2-8 h)."""
    f = 60.0 / seconds_between
    assert float(frequency_multiplier(f, 1, 100)) == pytest.approx(short)
    assert float(frequency_multiplier(f, 8, 100)) == pytest.approx(long)


# ---------------------------------------------------------------------------------------------
# RWL and LI
# ---------------------------------------------------------------------------------------------
def test_significant_control_uses_the_lower_rwl_and_li_follows_it() -> None:
    kw = {"h_origin_cm": 30, "v_origin_cm": 20, "h_destination_cm": 50, "v_destination_cm": 120,
          "frequency_per_min": 1, "duration_h": 1, "coupling": "good", "load_kg": 10}  # fmt: skip
    plain = recommended_weight_limit(**kw)  # type: ignore[arg-type]
    control = recommended_weight_limit(**kw, significant_control=True)  # type: ignore[arg-type]
    assert float(plain.rwl_kg) == float(plain.origin.rwl_kg)
    assert float(control.rwl_kg) == min(float(plain.origin.rwl_kg), float(plain.destination.rwl_kg))
    assert control.li is not None and float(control.li) == pytest.approx(10 / float(control.rwl_kg))


def test_without_a_load_there_is_no_lifting_index_and_rwl_zero_gives_infinite_li() -> None:
    none = recommended_weight_limit(h_origin_cm=30, v_origin_cm=75, h_destination_cm=30,
                                    v_destination_cm=75, frequency_per_min=1, duration_h=1,
                                    coupling="good")  # fmt: skip
    assert none.li is None and none.li_origin is None
    far = recommended_weight_limit(h_origin_cm=70, v_origin_cm=75, h_destination_cm=30,
                                   v_destination_cm=75, frequency_per_min=1, duration_h=1,
                                   coupling="good", load_kg=5)  # fmt: skip
    assert far.li is not None and math.isinf(float(far.li))


def test_arrays_of_lifts_are_scored_lift_by_lift() -> None:
    h = np.array([25.0, 40.0, 63.0])
    r = recommended_weight_limit(h_origin_cm=h, v_origin_cm=[75, 30, 150], h_destination_cm=h,
                                 v_destination_cm=[100, 90, 160], frequency_per_min=[0.2, 2, 5],
                                 duration_h=1, coupling="fair", load_kg=[5, 10, 15])  # fmt: skip
    for i in range(3):
        single = recommended_weight_limit(
            h_origin_cm=h[i], v_origin_cm=[75, 30, 150][i], h_destination_cm=h[i],
            v_destination_cm=[100, 90, 160][i], frequency_per_min=[0.2, 2, 5][i], duration_h=1,
            coupling="fair", load_kg=[5, 10, 15][i])  # fmt: skip
        assert float(single.rwl_kg) == pytest.approx(r.rwl_kg[i])
        assert (
            r.li is not None
            and single.li is not None
            and float(single.li) == pytest.approx(r.li[i])
        )


# ---------------------------------------------------------------------------------------------
# applicability
# ---------------------------------------------------------------------------------------------
GOOD_LIFT = {"h_origin_cm": 30, "v_origin_cm": 40, "h_destination_cm": 35, "v_destination_cm": 100,
             "frequency_per_min": 2, "duration_h": 1.0, "load_kg": 10.0}  # fmt: skip


def test_an_ordinary_lift_is_applicable() -> None:
    assert check_applicable(**GOOD_LIFT) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"hands": 1}, "one-handed"),
        ({"posture": "seated"}, "seated"),
        ({"posture": "kneeling"}, "kneeling"),
        ({"duration_h": 9.0}, "beyond 8 h"),
        ({"duration_h": float("nan")}, "duration is unknown"),
        ({"frequency_per_min": 14, "duration_h": 2.0}, "above the table's limit of 10/min"),
        ({"frequency_per_min": 13, "v_origin_cm": 40}, "limit of 12/min"),
        ({"frequency_per_min": float("nan")}, "frequency is unknown"),
        ({"h_origin_cm": 70}, "horizontal distance H is outside 0-63 cm in 1 of 2"),
        ({"h_destination_cm": float("nan")}, "horizontal distance H is unknown"),
        ({"v_destination_cm": 190}, "hand height V is outside 0-175 cm"),
        ({"v_origin_cm": 0, "v_destination_cm": 180}, "vertical travel D is outside"),
        ({"a_origin_deg": 150}, "asymmetry angle A is outside 0-135 deg"),
        ({"load_kg": None}, "weight is unknown"),
        ({"load_kg": 0.0}, "weight is unknown"),
    ],
)
def test_each_reason_the_equation_does_not_apply(change: dict[str, object], reason: str) -> None:
    reasons = check_applicable(**{**GOOD_LIFT, **change})  # type: ignore[arg-type]
    assert any(reason in r for r in reasons), reasons


def test_reasons_accumulate_and_count_the_lifts() -> None:
    reasons = check_applicable(**{**GOOD_LIFT, "h_origin_cm": [30, 70, 80, 40], "hands": 1,
                                  "load_kg": None})  # type: ignore[arg-type]  # fmt: skip
    assert len(reasons) == 3
    assert any("in 2 of 5 measurements (worst 80 cm)" in r for r in reasons)


def test_frequency_limits_are_checked_lift_by_lift_at_each_origin_height() -> None:
    # 13/min for <= 1 h is within the table from 75 cm up, beyond it below 75 cm.
    ok = {**GOOD_LIFT, "frequency_per_min": [1, 13], "v_origin_cm": [40, 80]}
    assert check_applicable(**ok) == []  # type: ignore[arg-type]
    bad = {**ok, "v_origin_cm": [80, 40]}
    assert any("13 lifts/min" in r for r in check_applicable(**bad))  # type: ignore[arg-type]


def test_an_unknown_posture_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match="posture"):
        check_applicable(**{**GOOD_LIFT, "posture": "lying"})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------------------------
lifts = st.fixed_dictionaries(
    {
        "h_cm": st.floats(0, 100),
        "v_cm": st.floats(0, 250),
        "d_cm": st.floats(0, 250),
        "a_deg": st.floats(0, 180),
        "frequency_per_min": st.floats(0, 20),
        "duration_h": st.floats(0.01, 8),
        "coupling": st.sampled_from(["good", "fair", "poor", "unacceptable"]),
    }
)


@settings(max_examples=500)
@given(lifts)
def test_every_multiplier_stays_in_0_1(lift: dict[str, object]) -> None:
    m = multipliers(**lift)  # type: ignore[arg-type]
    for x in (m.hm, m.vm, m.dm, m.am, m.fm, m.cm):
        assert 0.0 <= float(x) <= 1.0
    assert 0.0 <= float(m.rwl_kg) <= 23.0


@given(st.floats(0, 25), st.floats(0, 25), st.floats(0, 0.2), st.floats(0.01, 1))
def test_rwl_is_23_kg_at_the_reference_conditions(
    h: float, d: float, f: float, hours: float
) -> None:
    m = multipliers(h_cm=h, v_cm=75, d_cm=d, a_deg=0, frequency_per_min=f, duration_h=hours,
                    coupling="good")  # fmt: skip
    assert float(m.rwl_kg) == pytest.approx(23.0)


@given(st.floats(0.1, 50), st.floats(0.01, 20), st.floats(0, 60), st.floats(0, 170))
def test_lifting_index_scales_linearly_with_load(
    load: float, k: float, h_extra: float, v: float
) -> None:
    h = 25 + h_extra
    kw = {"h_origin_cm": h, "v_origin_cm": v, "h_destination_cm": h, "v_destination_cm": v,
          "frequency_per_min": 1, "duration_h": 1, "coupling": "fair"}  # fmt: skip
    a = recommended_weight_limit(**kw, load_kg=load)  # type: ignore[arg-type]
    b = recommended_weight_limit(**kw, load_kg=k * load)  # type: ignore[arg-type]
    assert a.li is not None and b.li is not None
    assert float(b.li) == pytest.approx(k * float(a.li))


@given(
    lifts,
    st.sampled_from(["h_cm", "a_deg", "frequency_per_min", "duration_h", "d_cm"]),
    st.floats(0, 50),
)
def test_rwl_never_rises_as_a_lift_gets_harder(
    lift: dict[str, object], key: str, more: float
) -> None:
    assume(key != "d_cm" or float(lift["d_cm"]) >= 25)  # type: ignore[arg-type]  # DM falls with D
    harder = {**lift, key: float(lift[key]) + more}  # type: ignore[arg-type]
    if key == "duration_h":
        harder[key] = min(8.0, float(harder[key]))  # type: ignore[arg-type]
    assert float(multipliers(**harder).rwl_kg) <= float(multipliers(**lift).rwl_kg) + 1e-12  # type: ignore[arg-type]
