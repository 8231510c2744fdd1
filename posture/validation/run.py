"""Write the virtual views' landmark files and run ``posture analyze`` on them (or on a clip).

Everything goes through the command line in-process (``posture.cli.commands.main``), the code
path a user's video takes, and comes back as ``frames.csv`` columns and ``summary.json``.
"""

from __future__ import annotations

import contextlib
import csv
import importlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posture.core.errors import PostureError
from posture.core.landmarks import LM, save_npz
from posture.validation.camera import CameraPose, camera_pose, render_view
from posture.validation.mocap import MocapTrial, body_axes, cut_trial
from posture.validation.views import View

PATHS = ("3d", "2d")


class ValidationError(PostureError):
    """The analysis of a view or clip failed or produced an unreadable result."""


@dataclass(frozen=True)
class Analysis:
    """What ``posture analyze`` wrote: every numeric ``frames.csv`` column ``(T,)`` float64
    and the parsed ``summary.json``."""

    columns: dict[str, np.ndarray]
    summary: dict[str, Any]


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


def _cli(args: list[str]) -> tuple[int, str]:
    """Run ``posture.cli.main(args)`` in-process; ``(exit code, captured stdout + stderr)``."""
    # Imported when a validation runs, not when this module is imported (the CLI pulls in the
    # video stack).
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
    source: list[str],
    out_dir: Path,
    options: set[str],
    height_cm: float | None = None,
    config: Path | None = None,
) -> Analysis:
    """``posture analyze SOURCE --out out_dir [--height-cm H] [--config FILE]``.

    ``source`` is ``["--landmarks", file]`` or ``[video]``. ``options`` are the CLI's long
    options (:func:`cli_options`): ``--height-cm``, ``--no-video``, ``--no-report`` and
    ``--quiet`` are passed only when the CLI offers them.
    """
    args = ["analyze", *source, "--out", str(out_dir)]
    if height_cm is not None and "--height-cm" in options:
        args += ["--height-cm", f"{height_cm:.1f}"]
    if config is not None:
        args += ["--config", str(config)]
    args += [flag for flag in ("--no-video", "--no-report", "--quiet") if flag in options]
    code, text = _cli(args)
    frames, summary = out_dir / "frames.csv", out_dir / "summary.json"
    if code != 0 or not frames.is_file() or not summary.is_file():
        last = text.strip().splitlines()[-1] if text.strip() else "no output"
        raise ValidationError(f"`posture {' '.join(args)}` failed (exit {code}): {last}")
    try:
        parsed = json.loads(summary.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ValidationError(f"{summary} is not JSON ({exc})") from exc
    return Analysis(read_frames_csv(frames), parsed)


def hfov_config(work_dir: Path, hfov_deg: float) -> Path:
    """A settings file giving the tool the camera's field of view (``view.camera_hfov_deg``)."""
    path = work_dir / f"hfov{hfov_deg:g}.toml"
    if not path.is_file():
        work_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(f"[view]\ncamera_hfov_deg = {hfov_deg:g}\n", encoding="utf-8")
    return path


def aim_point(trial: MocapTrial, lab: np.ndarray) -> np.ndarray:
    """The lab point the cameras are placed around: the mid-hip point at quiet standing."""
    mid_hip = 0.5 * (lab[:, LM.LEFT_HIP] + lab[:, LM.RIGHT_HIP])
    return np.asarray(mid_hip[trial.standing].mean(axis=0))


def write_view(
    trial: MocapTrial, lab: np.ndarray, view: View, out_dir: Path
) -> tuple[CameraPose, dict[str, Path]]:
    """Write ``<view>_3d.npz`` and ``<view>_2d.npz`` of the view's window of the trial.

    ``lab`` is :func:`~.mocap.landmarks_lab` of ``trial`` (computed once by the caller).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    cam = view.camera
    pose = camera_pose(cam, body_axes(trial), aim_point(trial, lab))
    xyz, t_s = cut_trial(lab, trial.t_s, view.start_s, view.end_s)
    meta: dict[str, object] = {"source": trial.source, "window": view.window}
    files = {}
    for path, rec in zip(PATHS, render_view(xyz, t_s, cam, pose, meta=meta), strict=True):
        files[path] = out_dir / f"{view.name}_{path}.npz"
        save_npz(files[path], rec)
    return pose, files
