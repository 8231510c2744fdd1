"""``posture bench``: the whole pipeline's speed next to the pose model's alone, same clip, same
run, reported as a ratio (the target is 0.9: decoding, measuring, scoring and writing must not
be what costs time).

* **inference alone**: the frames are decoded into memory first, then only MediaPipe's
  ``detect_for_video`` runs over them, timed.
* **pipeline**: ``posture analyze`` end to end on the same file (decode, pose, tracking,
  analysis, the annotated video drawn and encoded, all outputs written), timed.

The two alternate ``--repeat`` times; the best run of each is compared (the least disturbed by
whatever else the machine does).
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from posture.core.config import DEFAULTS, Settings
from posture.core.errors import PostureError
from posture.video.io import open_video
from posture.video.pose import PoseEstimator, resolve_model

DEFAULT_CLIP = "bodyweight_squats_side.mp4"


def shared_media() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "media"


def inference_alone(path: Path, settings: Settings, max_frames: int = 0) -> dict[str, float]:
    """Pose-model-only frames per second over the clip's frames, pre-decoded into memory."""
    with open_video(path) as src:
        frames = []
        for f in src:
            frames.append((f.rgb, f.t_s))
            if max_frames and len(frames) >= max_frames:
                break
    est = PoseEstimator(settings.pose, resolve_model(settings.pose))
    try:
        t0 = time.perf_counter()
        for rgb, t in frames:
            est.detect(rgb, round(t * 1000))
        dt = time.perf_counter() - t0
    finally:
        est.close()
    return {"frames": len(frames), "seconds": dt, "fps": len(frames) / dt}


def pipeline(path: Path, settings: Settings, out: Path, max_frames: int = 0) -> dict[str, Any]:
    """Frames per second of the whole ``analyze`` pipeline (model loading excluded)."""
    from posture.run.recorded import analyze_source

    model = resolve_model(settings.pose)
    t0 = time.perf_counter()
    result = analyze_source(path, settings, out, model=model, max_frames=max_frames)
    dt = time.perf_counter() - t0
    n = result.analysis.n_frames
    return {
        "frames": n,
        "seconds": dt,
        "fps": n / dt,
        "timings": result.timings,
        "redrawn": "redrawn" in result.timings,
    }


def run_bench(args: argparse.Namespace) -> int:
    clip = Path(args.video) if args.video else shared_media() / DEFAULT_CLIP
    if not clip.is_file():
        raise PostureError(f"no clip to measure: {clip} not found (give one: posture bench VIDEO)")
    settings = DEFAULTS
    if args.no_video:
        settings = replace(settings, output=replace(settings.output, video=False))
    if args.frames < 0 or args.repeat < 1:
        raise PostureError("--frames must be 0 (all) or more, --repeat 1 or more")
    repeat, frames = args.repeat, args.frames
    infer, pipe = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp) / "out"
        for _ in range(repeat):
            infer.append(inference_alone(clip, settings, frames))
            pipe.append(pipeline(clip, settings, out, frames))
    best_i = max(infer, key=lambda r: r["fps"])
    best_p = max(pipe, key=lambda r: r["fps"])
    ratio = best_p["fps"] / best_i["fps"]
    print(
        f"clip: {clip.name} ({best_p['frames']} frames)  machine: {platform.machine()}, "
        f"{_cores()} cores"
    )
    print(
        f"pose model alone : {best_i['fps']:6.1f} frames/s  (runs: "
        + ", ".join(f"{r['fps']:.1f}" for r in infer)
        + ")"
    )
    print(
        f"whole pipeline   : {best_p['fps']:6.1f} frames/s  (runs: "
        + ", ".join(f"{r['fps']:.1f}" for r in pipe)
        + ")"
    )
    print(
        f"ratio            : {ratio:6.2f}  (target >= 0.90)"
        + ("  [the video was redrawn in a second pass]" if best_p["redrawn"] else "")
        + ("  [no annotated video]" if args.no_video else "")
    )
    stages = {k: round(v, 2) for k, v in best_p["timings"].items()}
    print(f"pipeline stages (s): {stages}")
    return 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


__all__ = ["inference_alone", "pipeline", "run_bench"]
