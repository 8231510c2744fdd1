"""A calibration clip: a short recording of the same camera, a person standing upright in it.

The camera's pitch and roll found there (from the scene and the person, as in any run) are
given to the analysis of other recordings of that camera as one more cue, named so in
``summary.json`` (``geometry.camera.sources``): useful where the recordings themselves show
neither plumb lines nor upright moments (a worker who never straightens up in front of a plain
wall). The camera must not have moved between the clips.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from posture.core.config import Settings
from posture.core.errors import InputError
from posture.core.gravity import GravityCue
from posture.run.recorded import analyze_source

SOURCE = "a calibration clip"


def calibration_cue(path: str | Path, settings: Settings) -> GravityCue:
    """The camera's gravity found in the clip at ``path``, as a cue for other recordings.
    Raises :class:`~posture.core.errors.InputError` when the clip shows nothing of gravity."""
    quiet = replace(settings, output=replace(settings.output, video=False))
    g = analyze_source(path, quiet).analysis.measures.body.gravity
    if not g.known:
        raise InputError(
            f"the calibration clip {path} shows neither plumb lines nor a person standing "
            "upright and still: it cannot calibrate the camera"
        )
    return GravityCue(SOURCE, g.pitch_deg, g.roll_deg, g.sigma_pitch_deg, g.sigma_roll_deg, "user")
