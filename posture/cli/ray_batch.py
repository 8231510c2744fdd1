"""``posture analyze INPUTS... --out DIR --ray [ADDRESS]``: the batch on a Ray cluster (see
:mod:`posture.run.distributed`), with one progress bar for the whole batch."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from posture.core.errors import PostureError

RAY_HELP = (
    "run the batch on Ray: with no ADDRESS a local Ray instance sized to this machine, with "
    "one (host:port, or auto) that cluster. Inputs are read and outputs written here; the "
    "workers need posture installed, no shared disk. Always the batch layout: DIR/<name>/ and "
    "the overview, even for one input. Put --ray after the inputs, or write --ray=ADDRESS"
)


def add_ray_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("many machines (Ray)")
    g.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS", help=RAY_HELP)
    g.add_argument(
        "--ray-workers",
        type=int,
        default=0,
        metavar="N",
        help="pose workers on the cluster (each keeps a model and takes one CPU; default: one "
        "per CPU of the cluster); a recording long enough (run.segment_min_s) is cut into "
        "segments across them, as with --workers",
    )


def _is_address(text: str) -> bool:
    return text == "auto" or ":" in text


def check_ray_args(args: argparse.Namespace) -> None:
    """``--ray INPUT`` (an input written after --ray) is taken as an input, not an address."""
    if args.ray and not _is_address(args.ray):
        if not Path(args.ray).exists():
            raise PostureError(
                f"--ray takes a cluster address (host:port or auto), not {args.ray!r}"
            )
        args.input = [*(args.input or []), args.ray]
        args.ray = ""
    if args.camera is not None or args.landmarks is not None:
        raise PostureError("--ray analyses recorded files: give them as inputs (not --camera)")
    if not args.input:
        raise PostureError("--ray needs inputs: video files, landmark files or folders")
    if args.ray_workers < 0:
        raise PostureError("--ray-workers must be 0 (one per CPU) or more")


def run_on_ray(
    args: argparse.Namespace,
    settings: Any,
    jobs: Sequence[Any],
    finish: Callable[[Any, Any], Any],
    done: Callable[[int, Any], None],
    bar: Any,
    cues: Sequence[Any] = (),
) -> list[Any]:
    """The batch on Ray; ``bar`` is the command's progress bar (frames of the whole batch)."""
    from posture.run.distributed import Options, run

    where = args.ray or "a local Ray instance"
    print(f"On Ray ({where}); Ctrl-C cancels the remote work.", flush=True)

    def on_done(i: int, outcome: Any) -> None:
        if bar.bar is not None:
            bar.bar.clear()
        done(i, outcome)

    try:
        return run(
            jobs,
            settings,
            finish,
            options=Options(args.ray or None, args.ray_workers, args.max_frames, tuple(cues)),
            on_done=on_done,
            progress=bar,
        )
    finally:
        bar.close()
        sys.stderr.flush()
