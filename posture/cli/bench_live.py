"""Latency of live coaching: camera frame in -> annotated frame out, on this machine.

A real clip is played as if it were a camera (paced at its own frame rate, 30 fps for the
project's clips) into :func:`posture.run.live.run_live`, which keeps only the newest frame; each
frame's latency runs from the moment it "arrives" to the moment its annotated frame (skeleton,
readings, cue) is ready. Frames that arrive while the previous one is still being analysed are
dropped, as a live camera would (that is what keeps the latency flat).

Run: ``python -m posture.cli.bench_live [CLIP] [--seconds S] [--repeat N] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from posture.cli.bench import shared_media
from posture.core.config import DEFAULTS, Settings
from posture.core.errors import PostureError
from posture.video.pose import usable_cores

DEFAULT_CLIP = "bodyweight_squats_side.mp4"  # 640x480 at 30 fps, 18 s: a webcam-like stream
WARMUP_FRAMES = 10  # the pose model's first calls are slower (allocation, caches)


def measure(
    clip: Path, settings: Settings = DEFAULTS, *, seconds: float = 0.0, mirror: bool = True
) -> dict[str, Any]:
    """One paced run over ``clip`` (or its first ``seconds``); latencies in milliseconds."""
    from posture.run.live import LiveFrame, LiveSession, run_live
    from posture.video.io import open_video

    session = LiveSession(settings, mirror=mirror)
    process_ms: list[float] = []
    started = time.monotonic()

    def on_frame(result: LiveFrame, latency_s: float) -> bool:
        process_ms.append(result.process_ms)
        return not (seconds and time.monotonic() - started > seconds)

    try:
        with open_video(clip) as src:
            fps = src.info.fps
            size = (src.info.width, src.info.height)
            stats = run_live(session, iter(src), pace=True, on_frame=on_frame)
    finally:
        session.close()
    lat = np.array(stats["latencies_s"][WARMUP_FRAMES:]) * 1000
    proc = np.array(process_ms[WARMUP_FRAMES:])
    if lat.size == 0:
        raise PostureError(f"{clip.name}: too short to measure (fewer than {WARMUP_FRAMES} frames)")
    wall = time.monotonic() - started
    return {
        "clip": clip.name,
        "size_px": list(size),
        "source_fps": round(fps, 2),
        "frames_produced": stats["produced"],
        "frames_processed": stats["processed"],
        "frames_dropped": stats["dropped"],
        "output_fps": round(stats["processed"] / wall, 1) if wall > 0 else None,
        "latency_ms": {
            "median": round(float(np.median(lat)), 1),
            "p95": round(float(np.percentile(lat, 95)), 1),
            "max": round(float(lat.max()), 1),
        },
        "update_ms": {
            "median": round(float(np.median(proc)), 1),
            "p95": round(float(np.percentile(proc, 95)), 1),
        },
    }


def machine() -> dict[str, Any]:
    return {
        "cpus": usable_cores(),
        "machine": platform.machine(),
        "python": platform.python_version(),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m posture.cli.bench_live", description=__doc__)
    p.add_argument("clip", nargs="?", help=f"a video (default: ../shared/media/{DEFAULT_CLIP})")
    p.add_argument("--seconds", type=float, default=0.0, help="stop after this long (0: all)")
    p.add_argument("--repeat", type=int, default=1, help="runs; each is reported")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    args = p.parse_args(argv)
    clip = Path(args.clip) if args.clip else shared_media() / DEFAULT_CLIP
    os.environ.setdefault("GLOG_minloglevel", "2")
    try:
        if not clip.is_file():
            raise PostureError(f"clip not found: {clip}")
        runs = [measure(clip, seconds=args.seconds) for _ in range(max(args.repeat, 1))]
    except PostureError as exc:
        print(f"bench_live: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"machine": machine(), "runs": runs}, indent=2))
        return 0
    m = machine()
    print(f"{clip.name}, paced at {runs[0]['source_fps']} fps, {m['cpus']} CPUs ({m['machine']})")
    for r in runs:
        lat, upd = r["latency_ms"], r["update_ms"]
        print(
            f"  latency median {lat['median']:.0f} ms, p95 {lat['p95']:.0f} ms (max "
            f"{lat['max']:.0f}); analysis+drawing median {upd['median']:.0f} ms; "
            f"{r['frames_processed']} of {r['frames_produced']} frames shown "
            f"({r['output_fps']} fps), {r['frames_dropped']} dropped"
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
