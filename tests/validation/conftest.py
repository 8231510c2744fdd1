"""Fixtures for the motion-capture validation: the MOPED25 trial lives in ../shared/mocap."""

from __future__ import annotations

import pytest

from posture.validation.mocap import TRIAL, MocapTrial, default_mocap_dir, load_trial
from posture.validation.reference import Reference, compute_reference

MOCAP_DIR = default_mocap_dir()
HAVE_MOCAP = (MOCAP_DIR / f"{TRIAL}_trc.mat").is_file()


@pytest.fixture(scope="session")
def trial() -> MocapTrial:
    if not HAVE_MOCAP:
        pytest.skip(
            f"MOPED25 trial {TRIAL}_trc.mat not found in {MOCAP_DIR.resolve()} "
            "(../shared/mocap next to the repository)"
        )
    return load_trial(MOCAP_DIR)


@pytest.fixture(scope="session")
def reference(trial: MocapTrial) -> Reference:
    return compute_reference(trial)
