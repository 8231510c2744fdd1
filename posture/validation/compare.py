"""Run the mocap landmarks through ``posture analyze --landmarks`` and score them.

For each virtual camera (:data:`VIEWS`) two landmark files are written: the **3D path** (world
landmarks only) and the **2D path** (image landmarks and image size only). Each goes through the
same command line as a video's landmarks; ``frames.csv`` is read back and every measure is
compared frame by frame with the marker reference (:mod:`.reference`) over the whole trial:
mean absolute error, largest absolute error, mean signed error (bias), and coverage (the share of
frames where the measure gave a value).
"""

from __future__ import annotations

import contextlib
import csv
import importlib
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posture.core.config import Settings
from posture.core.errors import PostureError
from posture.core.landmarks import LM, save_npz
from posture.validation.camera import VirtualCamera, camera_pose, render_view
from posture.validation.mocap import MocapTrial, body_axes, landmarks_lab
from posture.validation.reference import Reference

YAWS_DEG = (0.0, 30.0, 60.0, 90.0)
HEIGHTS_M = (1.0, 1.6, 2.5)
VIEWS: tuple[VirtualCamera, ...] = tuple(
    VirtualCamera(yaw_deg=y, height_m=h) for h in HEIGHTS_M for y in YAWS_DEG
)
PATHS = ("3d", "2d")
#: The confidence from which the tool itself trusts a measure (the default settings).
MIN_CONFIDENCE = Settings().view.min_confidence

#: ``frames.csv`` column -> (reference series, unit) it is scored against.
MEASURES: dict[str, tuple[str, str]] = {
    "trunk_flexion_deg": ("trunk_flexion_deg", "deg"),
    "knee_flexion_deg": ("knee_flexion_deg", "deg"),
    "knee_flexion_left_deg": ("knee_flexion_left_deg", "deg"),
    "knee_flexion_right_deg": ("knee_flexion_right_deg", "deg"),
    "hand_height_cm": ("hand_height_cm", "cm"),
}


class ValidationError(PostureError):
    """The analysis of a virtual view failed or produced an unreadable result."""


@dataclass(frozen=True)
class Score:
    """Errors of one measure in one view and path; NaN where the measure gave no value.

    ``mae``, ``max_abs`` and ``bias`` (mean signed error, measured minus reference) are over the
    frames with a value; ``coverage`` is their share of all frames. ``trusted_share`` is the
    share of all frames whose confidence reaches ``view.min_confidence`` (the tool's own claim
    that the value can be trusted) and ``max_abs_trusted`` the largest error among those.
    """

    view: str
    yaw_deg: float
    height_m: float
    path: str
    measure: str
    mae: float
    max_abs: float
    bias: float
    coverage: float
    mean_conf: float
    trusted_share: float = float("nan")
    max_abs_trusted: float = float("nan")
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


def read_frames_csv(path: Path) -> dict[str, np.ndarray]:
    """Every numeric column of ``frames.csv`` as a float64 array (empty or non-numeric -> NaN)."""
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValidationError(f"{path} has no rows")

    def num(text: str | None) -> float:
        try:
            return float(text) if text not in (None, "") else float("nan")
        except ValueError:
            return float("nan")

    return {key: np.array([num(r.get(key)) for r in rows]) for key in rows[0]}


def aligned(columns: dict[str, np.ndarray], t_s: np.ndarray, name: str) -> np.ndarray:
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


# ---------------------------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------------------------
def _cli(args: list[str]) -> tuple[int, str]:
    """Run ``posture.cli.main(args)`` in-process; ``(exit code, captured stdout + stderr)``."""
    # The CLI is the top layer; import it only when a validation runs.
    cli = importlib.import_module("posture.cli.commands")
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            code = cli.main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return int(code or 0), buf.getvalue()


def cli_options() -> set[str]:
    """The long options ``posture analyze`` accepts (from its ``--help``)."""
    code, text = _cli(["analyze", "--help"])
    if code != 0:
        raise ValidationError(f"`posture analyze --help` failed ({code}): {text.strip()[-500:]}")
    return set(re.findall(r"--[a-z][a-z0-9-]*", text))


def analyze(
    npz: Path, out_dir: Path, options: set[str], height_cm: float | None
) -> dict[str, np.ndarray]:
    """``posture analyze --landmarks npz --out out_dir [--height-cm H]``; ``frames.csv`` back.

    ``options`` are the CLI's long options (:func:`cli_options`): ``--height-cm``, ``--no-video``
    and ``--quiet`` are passed only when the CLI offers them.
    """
    args = ["analyze", "--landmarks", str(npz), "--out", str(out_dir)]
    if height_cm is not None and "--height-cm" in options:
        args += ["--height-cm", f"{height_cm:.1f}"]
    args += [flag for flag in ("--no-video", "--quiet") if flag in options]
    code, text = _cli(args)
    frames = out_dir / "frames.csv"
    if code != 0 or not frames.is_file():
        last = text.strip().splitlines()[-1] if text.strip() else "no output"
        raise ValidationError(f"`posture {' '.join(args)}` failed (exit {code}): {last}")
    return read_frames_csv(frames)


# ---------------------------------------------------------------------------------------------
# Views and scores
# ---------------------------------------------------------------------------------------------
def write_views(
    trial: MocapTrial, out_dir: Path, views: Sequence[VirtualCamera] = VIEWS
) -> list[tuple[VirtualCamera, str, Path]]:
    """Write ``<view>_<path>.npz`` for every view and path; ``[(camera, path, file)]``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lab = landmarks_lab(trial)
    axes = body_axes(trial)
    mid_hip = 0.5 * (lab[:, LM.LEFT_HIP] + lab[:, LM.RIGHT_HIP])
    aim = mid_hip[trial.standing].mean(axis=0)
    written = []
    for cam in views:
        recs = render_view(
            lab, trial.t_s, cam, camera_pose(cam, axes, aim), meta={"source": trial.source}
        )
        for path, rec in zip(PATHS, recs, strict=True):
            file = out_dir / f"{cam.name}_{path}.npz"
            save_npz(file, rec)
            written.append((cam, path, file))
    return written


def score_view(
    cam: VirtualCamera,
    path: str,
    columns: dict[str, np.ndarray],
    ref: Reference,
    min_confidence: float = MIN_CONFIDENCE,
) -> list[Score]:
    """One :class:`Score` per entry of :data:`MEASURES` for one analysed view."""
    scores = []
    series = ref.series()
    for column, (ref_name, _unit) in MEASURES.items():
        measured = aligned(columns, ref.t_s, column)
        mae, worst, bias, coverage = score_series(measured, series[ref_name])
        conf = aligned(columns, ref.t_s, f"{column}_conf")
        trusted = np.isfinite(measured) & (conf >= min_confidence)
        worst_trusted = score_series(np.where(trusted, measured, np.nan), series[ref_name])[1]
        scores.append(
            Score(
                view=cam.name,
                yaw_deg=cam.yaw_deg,
                height_m=cam.height_m,
                path=path,
                measure=column,
                mae=mae,
                max_abs=worst,
                bias=bias,
                coverage=coverage,
                mean_conf=float(np.nanmean(conf)) if np.isfinite(conf).any() else float("nan"),
                trusted_share=float(trusted.mean()),
                max_abs_trusted=worst_trusted,
            )
        )
    return scores


def _failed(cam: VirtualCamera, path: str, reason: str) -> list[Score]:
    nan = float("nan")
    return [
        Score(cam.name, cam.yaw_deg, cam.height_m, path, m, nan, nan, nan, 0.0, nan, note=reason)
        for m in MEASURES
    ]


def validate(
    trial: MocapTrial,
    ref: Reference,
    work_dir: Path,
    views: Sequence[VirtualCamera] = VIEWS,
    paths: Sequence[str] = PATHS,
) -> list[Score]:
    """Write, analyse and score every view and path; landmark files and outputs in ``work_dir``.

    The marker-based stature is passed as ``--height-cm``. A view the CLI rejects is scored as
    NaN with the CLI's message in :attr:`Score.note` (the other views still run).
    """
    options = cli_options()
    scores: list[Score] = []
    for cam, path, npz in write_views(trial, work_dir, views):
        if path not in paths:
            continue
        try:
            columns = analyze(npz, work_dir / npz.stem, options, 100.0 * ref.stature_m)
        except ValidationError as exc:
            scores.extend(_failed(cam, path, str(exc).rsplit(": ", 1)[-1]))
            continue
        scores.extend(score_view(cam, path, columns, ref))
    return scores
