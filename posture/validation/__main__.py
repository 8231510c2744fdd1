"""``python -m posture.validation [--shared PATH] [--out DIR] [--quick] [--write-docs]``.

Builds every virtual view of the MOPED25 box lift (:data:`~.views.DOC_VIEWS`), runs each through
``posture analyze --landmarks``, runs the calibrated clips of ``../shared/media`` through the
real pipeline, and prints the tables; ``--write-docs`` also updates ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from posture.core.errors import PostureError
from posture.validation.clips import validate_clips
from posture.validation.compare import validate
from posture.validation.mocap import default_shared_dir, load_trial
from posture.validation.reference import compute_reference
from posture.validation.report import generated_block, write_docs
from posture.validation.views import DOC_VIEWS, TEST_VIEWS

DOC = Path(__file__).resolve().parents[2] / "docs" / "validation.md"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m posture.validation",
        description="Validate the trunk angles, knee flexion, hand height and the camera's "
        "pitch and roll against motion capture and calibrated cameras.",
    )
    p.add_argument(
        "--shared",
        type=Path,
        default=default_shared_dir(),
        help="the shared folder holding mocap/ and media/ (default: ../shared next to the "
        "repository)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="keep the landmark files and analysis outputs here (default: a temporary folder)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"only the tests' grid ({len(TEST_VIEWS)} views) instead of the full grid "
        f"({len(DOC_VIEWS)} views); not with --write-docs",
    )
    p.add_argument("--no-clips", action="store_true", help="skip the calibrated video clips")
    p.add_argument("--write-docs", action="store_true", help=f"update {DOC}")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.quick and args.write_docs:
        print("error: --write-docs needs the full grid (drop --quick)", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        trial = load_trial(args.shared / "mocap")
        ref = compute_reference(trial)
        with tempfile.TemporaryDirectory(prefix="posture-validation-") as tmp:
            work = args.out if args.out is not None else Path(tmp)
            views = TEST_VIEWS if args.quick else DOC_VIEWS
            results = validate(trial, ref, work / "mocap", views)
            media = args.shared / "media"
            clips = None
            if args.no_clips:
                pass
            elif media.is_dir():
                clips = validate_clips(media, work / "clips")
            else:
                print(f"note: {media} not found; the calibrated clips are skipped", file=sys.stderr)
        print(generated_block(results, ref, clips))
        if args.write_docs:
            write_docs(DOC, results, ref, clips)
            print(f"\nwrote {DOC}")
    except PostureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"\n{len(results)} view runs in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
