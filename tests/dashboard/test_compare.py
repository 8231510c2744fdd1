"""The comparison's offset slider covers the clips around their sync points."""

from __future__ import annotations

import pytest

from app.compare import offset_range


@pytest.mark.parametrize(
    ("sides", "expected"),
    [
        ([(0.0, 2.0, 1.0), (0.0, 2.0, 1.0)], (-1.0, 1.0)),  # the same clip, synced mid-way
        ([(0.0, 2.0, 0.1), (0.0, 4.0, 3.0)], (-3.0, 1.9)),  # a late and an early sync point
        ([(0.0, 2.0, 0.0), (0.0, 2.0, 0.0)], (0.0, 2.0)),  # synced at the first frame
        ([(0.5, 1.0, 1.0), (0.5, 1.0, 1.0)], (-0.5, 0.0)),  # synced at the last frame
        ([(0.0, 1.23, 0.0), (0.0, 1.0, 0.0)], (0.0, 1.3)),  # rounded outward
    ],
)
def test_the_offset_range_reaches_every_frame_of_either_clip_and_includes_zero(
    sides: list[tuple[float, float, float]], expected: tuple[float, float]
) -> None:
    assert offset_range(sides) == pytest.approx(expected)
