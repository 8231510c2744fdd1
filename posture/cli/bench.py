"""``posture bench``: how fast ``posture analyze`` is next to what a user would run instead,
MediaPipe's pose model alone, on the same clip, measured in the same run.

Every measurement is a whole process, timed from its start to its exit (start-up, imports, model
loading, decoding, every output written), and they alternate ``--repeat`` times so the machine's
moments of load fall on all of them alike; the best run of each is compared:

* **MediaPipe alone, one person** (the reference, the headline ratio):
  :mod:`posture.cli.bench_reference` with ``num_poses = 1``, OpenCV decoding the file, the
  model file as it is (its person mask computed on every frame, as MediaPipe does);
* **posture analyze** with the default settings (annotated video and report, every core), and
  with ``--workers 1``;
* **MediaPipe alone, posture's model**: the reference with the model posture runs (its person
  mask pruned, :mod:`posture.video.prune`), so that what the pruning gives is seen apart from
  what posture's own work costs; left out when the model has no mask to prune;
* **MediaPipe alone, posture's settings** (that model, ``num_poses`` as in ``[pose]``).

The ratio is the reference's time over posture's: above 1, posture is the faster. Each process's
stages are printed (the reference's imports, model, decoding and inference; posture's
``timings_s`` from summary.json, start-up being the rest), with the peak memory of its processes.

``--memory`` measures instead how memory grows with the recording's length: the clip looped to
30 s, 5 min and 30 min (``--minutes``), each analysed once, the resident memory of posture's
processes sampled as they run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from posture.core.config import DEFAULTS
from posture.core.errors import PostureError
from posture.video.pose import usable_cores

DEFAULT_CLIP = "bodyweight_squats_side.mp4"
#: Durations the memory benchmark loops the clip to, minutes.
MEMORY_MINUTES = (0.5, 5.0, 30.0)
_POSTURE = "import sys; from posture.cli.commands import main; sys.exit(main(sys.argv[1:]))"


def shared_media() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "media"


@dataclass
class Run:
    """One timed process: its wall time, its stages and the peak memory of its processes."""

    label: str
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0  # the largest of its processes
    peak_total_mb: float = 0.0  # all its processes at once
    frames: int = 0


class _Memory:
    """Resident memory of a process and its descendants, sampled every ``every_s``."""

    def __init__(self, pid: int, every_s: float = 0.25) -> None:
        self.pid, self.every_s = pid, every_s
        self.peak_one = self.peak_total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            sizes = [_rss_mb(p) for p in _tree(self.pid)]
            if sizes:
                self.peak_one = max(self.peak_one, max(sizes))
                self.peak_total = max(self.peak_total, sum(sizes))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(c) for c in task.read_text().split()]
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _timed(label: str, cmd: list[str]) -> tuple[Run, str]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = _Memory(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    memory.stop()
    if proc.returncode != 0:
        raise PostureError(f"{label} failed: {(err or out).strip().splitlines()[-1:]}")
    return Run(label, seconds, peak_rss_mb=memory.peak_one, peak_total_mb=memory.peak_total), out


#: The headline reference's label.
REFERENCE = "MediaPipe alone, one person"


def reference(clip: Path, model: Path, num_poses: int, frames: int, label: str) -> Run:
    """MediaPipe alone over ``clip``, a process of its own."""
    script = Path(__file__).with_name("bench_reference.py")
    cmd = [sys.executable, str(script), str(clip), "--model", str(model)]
    cmd += ["--num-poses", str(num_poses), "--frames", str(frames)]
    run, out = _timed(label, cmd)
    stages = json.loads(out.strip().splitlines()[-1])
    run.frames = int(stages.pop("frames"))
    run.stages = stages
    return run


def analyze(clip: Path, out: Path, frames: int, extra: list[str], label: str) -> Run:
    """``posture analyze`` over ``clip`` into ``out``, a process of its own."""
    cmd = [sys.executable, "-c", _POSTURE, "analyze", str(clip), "--out", str(out), "--quiet"]
    cmd += [*(["--max-frames", str(frames)] if frames else []), *extra]
    run, _ = _timed(label, cmd)
    summary = json.loads((out / "summary.json").read_text())
    run.frames = int(summary["clip"]["frames"])
    run.stages = {k: float(v) for k, v in summary["timings_s"].items()}
    return run


def run_bench(args: argparse.Namespace) -> int:
    clip = Path(args.video) if args.video else shared_media() / DEFAULT_CLIP
    if args.frames < 0 or args.repeat < 1:
        raise PostureError("--frames must be 0 (all) or more, --repeat 1 or more")
    if not clip.is_file():
        raise PostureError(f"no clip to measure: {clip} not found (give one: posture bench VIDEO)")
    if getattr(args, "memory", False):
        return run_memory(clip, args)
    from posture.video.pose import resolve_model

    # the reference runs the model file as a user would; posture, the model it runs
    as_is = resolve_model(dataclasses.replace(DEFAULTS.pose, skip_segmentation=False)).path
    ours = resolve_model(DEFAULTS.pose).path
    n = DEFAULTS.pose.num_poses
    extra = ["--no-video"] if args.no_video else []
    runs: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.out) if args.out else Path(tmp) / "out"
        named = clip
        if args.minutes:  # a long recording: the clip looped to that length
            clip = looped(clip, _one_length(args.minutes), Path(tmp))
        for _ in range(args.repeat):
            for run in (
                reference(clip, as_is, 1, args.frames, REFERENCE),
                analyze(clip, out, args.frames, extra, "posture analyze"),
                reference(clip, ours, n, args.frames, f"MediaPipe alone, posture's settings ({n})"),
                analyze(clip, out, args.frames, [*extra, "--workers", "1"], "... --workers 1"),
                *(
                    [reference(clip, ours, 1, args.frames, "MediaPipe alone, posture's model")]
                    if ours != as_is
                    else []
                ),
            ):
                runs.setdefault(run.label, []).append(run)
    report(named, runs, args)
    return 0


def _one_length(text: str) -> float:
    try:
        minutes = float(text)
    except ValueError:
        raise PostureError(f"--minutes: one length in minutes (e.g. 3), not {text!r}") from None
    if not 0 < minutes <= 600:
        raise PostureError(f"--minutes must be more than 0 and at most 600, not {text}")
    return minutes


def _clip_length_s(clip: Path) -> float:
    from posture.video.seek import frame_index

    t = frame_index(clip).t_s
    return float(t[-1] - t[0]) + (float(t[1] - t[0]) if len(t) > 1 else 1 / 30)


def looped(clip: Path, minutes: float, folder: Path) -> Path:
    """``clip`` played over and over for about ``minutes``, a file in ``folder`` (no
    re-encoding)."""
    from posture.video.remux import loop_video

    times = max(round(minutes * 60 / _clip_length_s(clip)), 1)
    dest = folder / f"{clip.stem}_looped_{times}{clip.suffix or '.mp4'}"
    loop_video(clip, dest, times)
    return dest


def report(clip: Path, runs: dict[str, list[Run]], args: argparse.Namespace) -> None:
    best = {k: min(v, key=lambda r: r.seconds) for k, v in runs.items()}
    ref = best[REFERENCE]
    print(
        f"clip: {clip.name}{f' looped to {args.minutes} min' if args.minutes else ''} "
        f"({ref.frames} frames)  machine: {platform.machine()}, "
        f"{usable_cores()} cores  runs: {args.repeat} of each, alternating; best of each"
        + ("  [no annotated video]" if args.no_video else "")
    )
    for label, run in best.items():
        each = ", ".join(f"{r.seconds:.1f}" for r in runs[label])
        print(
            f"  {label:40s} {run.seconds:6.1f} s  ({ref.seconds / run.seconds:4.2f}x MediaPipe "
            f"alone; runs {each} s; peak memory {run.peak_rss_mb:.0f} MB, all processes "
            f"{run.peak_total_mb:.0f} MB)"
        )
        stages = dict(run.stages)
        segments = stages.pop("segments", None)  # a count, not a stage
        if "total" in stages:
            stages["start-up"] = run.seconds - stages["total"]
        print(
            "    stages (s): "
            + ", ".join(f"{k} {v:.2f}" for k, v in stages.items())
            + (f"; {segments:.0f} segments" if segments is not None else "")
        )
    headline = ref.seconds / best["posture analyze"].seconds
    print(f"ratio: {headline:.2f} (MediaPipe alone, one person / posture analyze; target >= 1.5)")
    if getattr(args, "json", False):
        print(json.dumps({k: [r.__dict__ for r in v] for k, v in runs.items()}))


def run_memory(clip: Path, args: argparse.Namespace) -> int:
    """The clip looped to each of ``--minutes`` (default 0.5, 5, 30) and analysed once; the peak
    resident memory of posture's processes for each."""
    from posture.video.remux import loop_video
    from posture.video.seek import frame_index

    minutes = [float(m) for m in args.minutes.split(",")] if args.minutes else MEMORY_MINUTES
    t = frame_index(clip).t_s
    one = float(t[-1] - t[0]) + (float(t[1] - t[0]) if len(t) > 1 else 1 / 30)
    extra = ["--no-video"] if args.no_video else []
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for m in minutes:
            times = max(round(m * 60 / one), 1)
            looped = Path(tmp) / f"looped_{times}.mp4"
            loop_video(clip, looped, times)
            run = analyze(looped, Path(tmp) / f"out_{times}", 0, extra, f"{m:g} min")
            rows.append((m, times, run))
            looped.unlink()
            print(
                f"{m:5g} min ({times} x {clip.name}, {run.frames} frames): {run.seconds:.0f} s; "
                f"peak memory {run.peak_rss_mb:.0f} MB (one process), {run.peak_total_mb:.0f} "
                "MB (all processes)",
                flush=True,
            )
    if len(rows) > 1:
        first, last = rows[0][2], rows[-1][2]
        print(
            f"growth from {rows[0][0]:g} to {rows[-1][0]:g} min: "
            f"{last.peak_rss_mb - first.peak_rss_mb:+.0f} MB (one process), "
            f"{last.peak_total_mb - first.peak_total_mb:+.0f} MB (all processes); target <= 100"
        )
    return 0


__all__ = ["analyze", "reference", "run_bench", "run_memory"]
