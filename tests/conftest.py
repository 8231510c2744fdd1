"""Shared fixtures: the default settings and measuring synthetic postures with known angles."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from posture import synthetic
from posture.core.config import DEFAULTS, Settings
from posture.core.measures import Measures, compute_measures

#: Every analysis the tests run (the CLI in-process, the dashboard in a subprocess) is recorded
#: in a library of their own, never in the user's (``~/.local/share/posture``).
TEST_LIBRARY = tempfile.mkdtemp(prefix="posture-test-library-")
os.environ["POSTURE_LIBRARY"] = os.path.join(TEST_LIBRARY, "library.sqlite3")

#: Standing frames put before the postures under test: the upright calibration (tilt, size).
N_STAND = 40

MeasureFn = Callable[..., Measures]


@pytest.fixture
def measure() -> MeasureFn:
    """``measure(postures, path="world"|"image"|"fused", yaw_deg=90, camera=None, **seq_kw)``:
    the measures of ``N_STAND`` standing frames followed by ``postures`` (``Angles`` or
    keyword dicts, all at ``yaw_deg``); the postures are rows ``N_STAND:``."""

    def run(
        postures: Sequence[dict[str, Any] | synthetic.Angles],
        path: str = "world",
        yaw_deg: float = 90.0,
        settings: Settings = DEFAULTS,
        **seq_kw: Any,
    ) -> Measures:
        frames = [synthetic.angles(yaw_deg=yaw_deg)] * N_STAND + [
            p if isinstance(p, synthetic.Angles) else synthetic.angles(yaw_deg=yaw_deg, **p)
            for p in postures
        ]
        seq = synthetic.sequence(
            frames, world_only=path == "world", image_only=path == "image", **seq_kw
        )
        return compute_measures(seq, settings)

    return run
