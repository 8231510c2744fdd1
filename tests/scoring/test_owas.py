"""OWAS back code: band edges, the code table, worked examples, input checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from posture.core.errors import InputError
from posture.scoring import load_owas_tables, owas_back_code

# Karhu et al. (1977): 1 straight, 2 bent, 3 twisted or bent sideways, 4 bent and twisted.
PUBLISHED_CODES = {(False, False): 1, (True, False): 2, (False, True): 3, (True, True): 4}


@pytest.mark.parametrize(
    ("deg", "bent"),
    [(0, False), (19.9, False), (20, False), (20.1, True), (60, True), (-20, False), (-20.1, True),
     (-40, True)],
)  # fmt: skip
def test_bent_band_edges(deg: float, bent: bool) -> None:
    assert owas_back_code([deg])[0] == (2 if bent else 1)


@pytest.mark.parametrize(("bent", "asymmetric"), list(itertools.product([False, True], repeat=2)))
def test_code_table_matches_the_published_codes(bent: bool, asymmetric: bool) -> None:
    assert load_owas_tables().codes[int(bent), int(asymmetric)] == PUBLISHED_CODES[bent, asymmetric]


@pytest.mark.parametrize(
    ("deg", "twisted", "side_bent", "code"),
    [
        (0.0, False, False, 1),  # straight
        (45.0, False, False, 2),  # bent forward
        (-30.0, False, False, 2),  # bent backward
        (5.0, True, False, 3),  # twisted
        (5.0, False, True, 3),  # bent sideways
        (45.0, True, False, 4),  # bent and twisted
        (45.0, False, True, 4),  # bent forward and sideways
        (45.0, True, True, 4),
    ],
)
def test_worked_examples_from_the_code_definitions(
    deg: float, twisted: bool, side_bent: bool, code: int
) -> None:
    """Each back posture of Karhu et al. (1977) scored as the method defines it."""
    assert owas_back_code([deg], [twisted], [side_bent])[0] == code


def test_frames_are_scored_independently_and_nan_is_unknown() -> None:
    codes = owas_back_code([0.0, 45.0, np.nan, 10.0], np.array([False, False, True, True]))
    assert codes[[0, 1, 3]].tolist() == [1, 2, 3] and np.isnan(codes[2])


@given(st.lists(st.floats(-90, 180), min_size=1, max_size=20), st.booleans())
def test_codes_are_1_to_4_and_twisting_never_lowers_them(angles: list[float], side: bool) -> None:
    plain = owas_back_code(angles, False, side)
    twisted = owas_back_code(angles, True, side)
    assert np.all((plain >= 1) & (plain <= 4)) and np.all(twisted >= plain)


@pytest.mark.parametrize(
    ("flexion", "twisted"),
    [([[0.0]], False), ([0.0, 1.0], [True, False, True]), ([0.0], [1])],
)
def test_bad_inputs_raise_an_input_error(flexion: object, twisted: object) -> None:
    with pytest.raises(InputError):
        owas_back_code(flexion, twisted)  # type: ignore[arg-type]
