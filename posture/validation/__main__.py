"""``python -m posture.validation [--shared PATH] [--out DIR] [--write-docs]``.

Builds every virtual view of the MOPED25 box lift, runs each through ``posture analyze
--landmarks`` and prints the error table; ``--write-docs`` also updates ``docs/validation.md``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from posture.core.errors import PostureError
from posture.validation.compare import validate
from posture.validation.mocap import default_shared_dir, load_trial
from posture.validation.reference import compute_reference
from posture.validation.report import generated_block, write_docs

DOC = Path(__file__).resolve().parents[2] / "docs" / "validation.md"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m posture.validation",
        description="Validate trunk flexion, knee flexion and hand height against motion capture.",
    )
    p.add_argument(
        "--shared",
        type=Path,
        default=default_shared_dir(),
        help="the shared folder holding mocap/ (default: ../shared next to the repository)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="keep the landmark files and analysis outputs here (default: a temporary folder)",
    )
    p.add_argument("--write-docs", action="store_true", help=f"update {DOC}")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        trial = load_trial(args.shared / "mocap")
        ref = compute_reference(trial)
        with tempfile.TemporaryDirectory(prefix="posture-validation-") as tmp:
            work = args.out if args.out is not None else Path(tmp)
            scores = validate(trial, ref, work)
        print(generated_block(scores, ref))
        if args.write_docs:
            write_docs(DOC, scores, ref)
            print(f"\nwrote {DOC}")
    except PostureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
