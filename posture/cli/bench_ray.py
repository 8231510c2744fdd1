"""The Ray batch's speed-up: ``python -m posture.cli.bench_ray [INPUTS...] --workers 1 2``.

Runs the same batch as ``posture analyze INPUTS --out TMP --ray --ray-workers N`` for each N
(and, for reference, the sequential batch without Ray), each a fresh process as a user runs it
(Ray's start-up, the workers' model loading, every output written), alternating the settings
``--repeat`` times, and prints the best wall-clock time of each and the speed-up against one
worker. Measured in one run, so the ratios hold on a noisy machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MEDIA = Path(__file__).resolve().parents[3] / "shared" / "media"
#: A batch of the project's clips (1,100 frames, three sizes) when no input is given.
DEFAULT_CLIPS = (
    "floor_lift_knees_bent_side.mp4",
    "hip_hinge_straight_knees_side.mp4",
    "seated_twist_light_box_front.mp4",
    "walking_upright_side.mp4",
    "seated_twist_heavy_box_front.mp4",
)


def _time(inputs: list[str], workers: int | None) -> float:
    out = Path(tempfile.mkdtemp(prefix="posture-bench-ray-"))
    argv = [sys.executable, "-m", "posture.cli", "analyze", *inputs, "--out", str(out)]
    argv += ["--quiet", "--no-library", "--no-report"]
    if workers is not None:
        argv += ["--ray", "--ray-workers", str(workers)]
    t0 = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    took = time.perf_counter() - t0
    shutil.rmtree(out, ignore_errors=True)
    if done.returncode != 0:
        raise SystemExit(f"the batch failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return took


def _name(workers: int | None) -> str:
    if workers is None:
        return "sequential (no Ray)"
    return f"Ray, {workers} worker" + ("" if workers == 1 else "s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m posture.cli.bench_ray", description=__doc__)
    p.add_argument("inputs", nargs="*", help="videos or folders (default: five project clips)")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="pool sizes to time")
    p.add_argument("--repeat", type=int, default=2, help="runs of each (best one kept)")
    p.add_argument("--no-sequential", action="store_true", help="skip the batch without Ray")
    args = p.parse_args(argv)
    inputs = args.inputs or [str(MEDIA / c) for c in DEFAULT_CLIPS]
    settings: list[int | None] = [*(() if args.no_sequential else (None,)), *args.workers]
    best: dict[int | None, float] = {}
    for r in range(args.repeat):
        for n in settings:
            t = _time(inputs, n)
            best[n] = min(best.get(n, t), t)
            print(f"run {r + 1}: {_name(n)}: {t:.1f} s", flush=True)
    print(f"machine: {os.cpu_count()} CPUs; {len(inputs)} recordings; best of {args.repeat}")
    one = best.get(1)
    for n, t in best.items():
        ratio = f", speed-up {one / t:.2f}x against 1 worker" if one and n else ""
        print(f"{_name(n)}: {t:.1f} s{ratio}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
