"""``python -m posture.video.scene_cli VIDEO [...]``: the camera's gravity from the scene of
each video, one line each (or ``--json``). The people are left out of the scene with the
landmarks of an earlier ``posture analyze`` run (``--landmarks DIR/landmarks.npz``, one per
video, in order); without them their outlines count as scene lines."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from posture.core.config import load_config
from posture.core.errors import PostureError
from posture.core.landmarks import load_npz
from posture.video.scene import SceneGravity, estimate_scene_gravity, people_at, sample_scene


def describe(name: str, g: SceneGravity) -> str:
    """One line: the estimate with its uncertainty, or why there is none."""
    if g.moving:
        parts = [f"{w.t_s[0]:.1f}-{w.t_s[1]:.1f} s: roll {w.roll_deg:.1f}" for w in g.windows]
        return f"{name}: {g.reason} ({'; '.join(parts)})"
    if not g.found:
        return f"{name}: no estimate: {g.reason}"
    return (
        f"{name}: pitch {g.pitch_deg:.1f} +- {g.pitch_sigma_deg:.1f} deg, roll "
        f"{g.roll_deg:.1f} +- {g.roll_sigma_deg:.1f} deg, focal {g.focal_px:.0f} px "
        f"({g.focal_source}); {g.reason}"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m posture.video.scene_cli", description=__doc__)
    ap.add_argument("videos", nargs="+", type=Path)
    ap.add_argument("--landmarks", nargs="*", type=Path, default=[], help="landmarks.npz each")
    ap.add_argument("--hfov", type=float, default=None, help="the lens's field of view, deg")
    ap.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    ap.add_argument("--json", action="store_true", help="print the full results as JSON")
    args = ap.parse_args(argv)
    if args.landmarks and len(args.landmarks) != len(args.videos):
        ap.error("give one --landmarks file per video, or none")
    try:
        settings = load_config(args.config)
        out = {}
        for i, video in enumerate(args.videos):
            sample = sample_scene(video, settings)
            people = people_at(load_npz(args.landmarks[i]), sample) if args.landmarks else None
            g = estimate_scene_gravity(sample, people, hfov_deg=args.hfov, settings=settings)
            out[str(video)] = g.as_dict()
            if not args.json:
                print(describe(video.name, g))
    except PostureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
