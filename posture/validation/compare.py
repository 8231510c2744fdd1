"""Score ``posture analyze``'s output for each virtual view against the marker reference.

For each view (:mod:`.views`) two landmark files are written: the **3D path** (world landmarks
only) and the **2D path** (image landmarks and image size only). Each goes through the same
command line as a video's landmarks; ``frames.csv`` is compared frame by frame with the marker
reference (:mod:`.reference`) over the view's window of the trial: mean absolute error, largest
absolute error, mean signed error (bias), coverage (the share of frames with a value), and what
the tool trusts (confidence >= ``view.min_confidence``) and how often that is right.
``summary.json``'s ``geometry`` gives the camera the tool estimated, against the true one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posture.core.config import Settings
from posture.validation.mocap import MocapTrial, landmarks_lab
from posture.validation.reference import Reference
from posture.validation.run import (
    PATHS,
    ValidationError,
    analyze,
    cli_options,
    hfov_config,
    write_view,
)
from posture.validation.views import View

#: The confidence from which the tool itself trusts a measure (the default settings).
MIN_CONFIDENCE = Settings().view.min_confidence
#: A trusted angle is "right" within this many degrees (half a REBA trunk band).
RIGHT_WITHIN_DEG = 10.0


@dataclass(frozen=True)
class Measure:
    """A ``frames.csv`` column scored against a reference series (:class:`Reference`)."""

    column: str
    reference: str
    unit: str
    title: str


#: Scored name -> what it compares. Trunk flexion is scored twice: against the line the tool
#: measures (hip-shoulder: the geometry's error) and against the pelvis-thorax line of the
#: dataset (the geometry's error plus the definition offset).
MEASURES: dict[str, Measure] = {
    "trunk_flexion": Measure(
        "trunk_flexion_deg", "trunk_line_flexion_deg", "deg", "trunk flexion (hip-shoulder line)"
    ),
    "trunk_flexion_pelvis": Measure(
        "trunk_flexion_deg", "trunk_flexion_deg", "deg", "trunk flexion vs pelvis-thorax"
    ),
    "side_bend": Measure("trunk_side_bend_deg", "trunk_side_bend_deg", "deg", "trunk side bend"),
    "twist": Measure("trunk_twist_deg", "trunk_twist_deg", "deg", "trunk twist"),
    "knee": Measure("knee_flexion_deg", "knee_flexion_deg", "deg", "knee flexion"),
    "knee_left": Measure("knee_flexion_left_deg", "knee_flexion_left_deg", "deg", "left knee"),
    "knee_right": Measure("knee_flexion_right_deg", "knee_flexion_right_deg", "deg", "right knee"),
    "hand_height": Measure("hand_height_cm", "hand_height_cm", "cm", "hand height"),
}


@dataclass(frozen=True)
class Score:
    """Errors of one measure in one view and path; NaN where the measure gave no value.

    ``mae``, ``max_abs`` and ``bias`` (mean signed error, measured minus reference) are over the
    frames with a value; ``coverage`` is their share of all frames. ``trusted_share`` is the
    share of all frames whose confidence reaches ``view.min_confidence`` (the tool's own claim
    that the value can be trusted), ``trusted_right`` the share of those within
    :data:`RIGHT_WITHIN_DEG` of the reference, and ``max_abs_trusted`` the largest error among
    them. ``n_frames`` is the number of frames scored (the window's length).
    """

    measure: str
    mae: float
    max_abs: float
    bias: float
    coverage: float
    n_frames: int = 0
    mean_conf: float = float("nan")
    trusted_share: float = float("nan")
    trusted_right: float = float("nan")
    max_abs_trusted: float = float("nan")


@dataclass(frozen=True)
class CameraEstimate:
    """The camera the tool worked with, in the virtual camera's conventions
    (:mod:`.camera`): ``pitch_deg`` + looking down, ``roll_deg`` gravity in the picture from
    straight down, + toward the right. ``*_sd_deg`` the tool's stated uncertainty (NaN when it
    gives none); ``source`` its own words."""

    pitch_deg: float
    roll_deg: float
    source: str
    pitch_sd_deg: float = float("nan")
    roll_sd_deg: float = float("nan")


@dataclass(frozen=True)
class ViewResult:
    """One view through one path: its scores by :data:`MEASURES` name, the true camera's pitch
    and roll, and the tool's estimate; ``note`` says why a run failed (no scores then)."""

    view: View
    path: str
    true_pitch_deg: float
    true_roll_deg: float
    scores: dict[str, Score] = field(default_factory=dict)
    estimate: CameraEstimate | None = None
    note: str = ""


def score_series(measured: np.ndarray, reference: np.ndarray) -> tuple[float, float, float, float]:
    """``(MAE, max |error|, mean signed error, coverage)`` over frames with a measured value."""
    ok = np.isfinite(measured) & np.isfinite(reference)
    if not ok.any():
        return float("nan"), float("nan"), float("nan"), 0.0
    err = measured[ok] - reference[ok]
    return (
        float(np.mean(np.abs(err))),
        float(np.max(np.abs(err))),
        float(np.mean(err)),
        float(ok.sum() / len(reference)),
    )


def aligned(columns: Mapping[str, np.ndarray], t_s: np.ndarray, name: str) -> np.ndarray:
    """Column ``name`` on the time base ``t_s`` (rows matched by ``time_s``), NaN if absent."""
    out = np.full(t_s.shape, np.nan)
    if name not in columns:
        return out
    if "time_s" not in columns:
        raise ValidationError("frames.csv has no time_s column")
    idx = np.searchsorted(t_s, columns["time_s"] - 1e-4)
    idx = np.clip(idx, 0, len(t_s) - 1)
    hit = np.abs(t_s[idx] - columns["time_s"]) < 1e-3
    out[idx[hit]] = columns[name][hit]
    return out


def score_measure(
    name: str,
    columns: Mapping[str, np.ndarray],
    ref: Reference,
    min_confidence: float = MIN_CONFIDENCE,
) -> Score:
    """The :class:`Score` of :data:`MEASURES` ``[name]`` for one analysed view."""
    m = MEASURES[name]
    reference = ref.series()[m.reference]
    measured = aligned(columns, ref.t_s, m.column)
    mae, worst, bias, coverage = score_series(measured, reference)
    conf = aligned(columns, ref.t_s, f"{m.column}_conf")
    trusted = np.isfinite(measured) & (conf >= min_confidence)
    err = np.abs(measured - reference)[trusted]
    return Score(
        measure=name,
        mae=mae,
        max_abs=worst,
        bias=bias,
        coverage=coverage,
        n_frames=len(reference),
        mean_conf=float(np.nanmean(conf)) if np.isfinite(conf).any() else float("nan"),
        trusted_share=float(trusted.mean()),
        trusted_right=float(np.mean(err <= RIGHT_WITHIN_DEG)) if err.size else float("nan"),
        max_abs_trusted=float(err.max()) if err.size else float("nan"),
    )


_TILT_TEXT = re.compile(r"roll (-?\d+(?:\.\d+)?), pitch (-?\d+(?:\.\d+)?)")


def _number(x: object) -> float:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else float("nan")


def _from_camera(camera: Mapping[str, Any]) -> CameraEstimate:
    """``geometry.camera``: ``pitch_deg``, ``roll_deg`` (our conventions), ``sigma_*_deg``, the
    cues used (``sources``) and a ``note``."""
    sources = camera.get("sources") or []
    words = ", ".join(str(x) for x in sources) if isinstance(sources, list) else str(sources)
    note = str(camera.get("note") or "")
    return CameraEstimate(
        _number(camera.get("pitch_deg")),
        _number(camera.get("roll_deg")),
        "; ".join(x for x in (words, note) if x) or "-",
        _number(camera.get("sigma_pitch_deg")),
        _number(camera.get("sigma_roll_deg")),
    )


def parse_geometry(geometry: Mapping[str, Any] | None) -> CameraEstimate | None:
    """The tool's camera from ``summary.json`` ``geometry``, or None if it says nothing.

    Two layouts are read. ``geometry.camera`` states ``pitch_deg`` and ``roll_deg`` in our
    conventions, their 1-sigma uncertainties and the cues behind them. The older
    ``geometry.tilt`` (``angle_deg``, ``source``) states the estimate in its ``source`` text:
    ``upright moments (roll R, pitch P deg)`` with that version's signs (a camera looking down
    20 deg read ``pitch -17``, gravity 15 deg toward the picture's right ``roll -13``: both
    opposite to ours); any other text (level within the deadband, assumed level, not trusted,
    correction off) means it worked with a level camera.
    """
    camera = (geometry or {}).get("camera")
    if isinstance(camera, Mapping) and "pitch_deg" in camera and "roll_deg" in camera:
        return _from_camera(camera)
    tilt = (geometry or {}).get("tilt")
    if not isinstance(tilt, Mapping) or "source" not in tilt:
        return None
    source = str(tilt["source"])
    found = _TILT_TEXT.search(source)
    if found and source.startswith("upright moments"):
        return CameraEstimate(-float(found.group(2)), -float(found.group(1)), source)
    return CameraEstimate(0.0, 0.0, source)


def score_view(
    view: View,
    path: str,
    true_pose: tuple[float, float],
    columns: Mapping[str, np.ndarray],
    summary: Mapping[str, Any],
    ref: Reference,
) -> ViewResult:
    """Every measure of one analysed view; ``ref`` already cut to the view's window."""
    return ViewResult(
        view=view,
        path=path,
        true_pitch_deg=true_pose[0],
        true_roll_deg=true_pose[1],
        scores={name: score_measure(name, columns, ref) for name in MEASURES},
        estimate=parse_geometry(summary.get("geometry")),
    )


def validate(
    trial: MocapTrial,
    ref: Reference,
    work_dir: Path,
    views: Sequence[View],
    paths: Sequence[str] = PATHS,
) -> list[ViewResult]:
    """Write, analyse and score every view and path; landmark files and outputs in ``work_dir``.

    The marker-based stature is passed as ``--height-cm`` and the camera's field of view as
    ``view.camera_hfov_deg`` (unless the view says not to). A view the CLI rejects gets a
    :class:`ViewResult` without scores and with the CLI's message in ``note``.
    """
    options = cli_options()
    lab = landmarks_lab(trial)
    results: list[ViewResult] = []
    for view in views:
        pose, files = write_view(trial, lab, view, work_dir)
        true_pose = (pose.pitch_deg, pose.roll_deg)
        config = hfov_config(work_dir, view.camera.hfov_deg) if view.give_hfov else None
        window = ref.window(view.start_s, view.end_s)
        for path in paths:
            try:
                out = analyze(
                    ["--landmarks", str(files[path])],
                    work_dir / files[path].stem,
                    options,
                    100.0 * ref.stature_m,
                    config,
                )
            except ValidationError as exc:
                note = str(exc).rsplit(": ", 1)[-1]
                results.append(ViewResult(view, path, *true_pose, note=note))
                continue
            results.append(score_view(view, path, true_pose, out.columns, out.summary, window))
    return results


def angle_error_deg(estimate: float, truth: float) -> float:
    """``estimate - truth`` wrapped into [-180, 180) degrees (NaN stays NaN)."""
    if math.isnan(estimate):
        return estimate
    return (estimate - truth + 180.0) % 360.0 - 180.0
