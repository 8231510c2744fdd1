"""The library on the command line: ``--library`` / ``--no-library`` on the analysing commands
(every analysis recorded), and ``posture library list|show|compare|export|delete``."""

from __future__ import annotations

import argparse
import datetime as dt
import socket
import sys
from pathlib import Path
from typing import Any

from posture.core.errors import PostureError

LIBRARY_HELP = (
    "the library of assessments to record into / read: a file path (SQLite) or a "
    "postgresql://user@host/db URL (default: $POSTURE_LIBRARY, else "
    "~/.local/share/posture/library.sqlite3)"
)


def add_library_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("library of assessments")
    g.add_argument("--library", metavar="PATH_OR_URL", help=LIBRARY_HELP)
    g.add_argument(
        "--no-library", action="store_true", help="do not record this analysis in the library"
    )


class Recorder:
    """Records each finished analysis of a command in the library, opened at the first one.

    A library that cannot be written never costs an analysis: the outputs are already on disk,
    the failure is one warning line, and the command's exit code stays what the analysis made
    it."""

    def __init__(self, args: argparse.Namespace, origin: str) -> None:
        self.enabled = not getattr(args, "no_library", False)
        self.target = getattr(args, "library", None)
        self.origin = origin
        self.library: Any = None
        self.failed = False
        self.recorded: list[int] = []

    def record(
        self, result: Any, source: str | Path | None, out: Path | None, *, quiet: bool = False
    ) -> int | None:
        if not self.enabled or self.failed:
            return None
        from posture.library import Library, entry_from_result

        try:
            if self.library is None:
                self.library = Library(self.target)
            key = None
            if out is not None and source is not None:  # the same analysis again replaces it
                key = f"out:{socket.gethostname()}:{out.resolve()}:{Path(source).resolve()}"
            entry = entry_from_result(
                result, origin=self.origin, source=source, output_dir=out, dedupe_key=key
            )
            aid = self.library.record(entry)
        except (PostureError, OSError) as exc:
            self.failed = True  # said once, not once per recording of a batch
            print(f"warning: not recorded in the library: {exc}", file=sys.stderr, flush=True)
            return None
        self.recorded.append(aid)
        if not quiet:
            print(f"Recorded in the library as assessment {aid} ({self.library.location}).")
        return aid

    def close(self) -> None:
        if self.library is not None:
            self.library.close()


def record_once(
    args: argparse.Namespace, origin: str, result: Any, source: str | None, out: Path | None
) -> int | None:
    """Record one analysis (a live session, a single run) and close the library."""
    recorder = Recorder(args, origin)
    try:
        return recorder.record(result, source, out)
    finally:
        recorder.close()


# ---------------------------------------------------------------------------------------------
# posture library ...
# ---------------------------------------------------------------------------------------------
def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _add_filters(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("which assessments")
    g.add_argument("--task", help="only this task (case ignored)")
    g.add_argument("--worker", help="only this worker (name or id)")
    g.add_argument("--site", help="only this site")
    g.add_argument("--since", type=_date, metavar="YYYY-MM-DD", help="assessed on or after")
    g.add_argument("--until", type=_date, metavar="YYYY-MM-DD", help="assessed on or before")
    g.add_argument(
        "--search", metavar="TEXT", help="text in the task, worker, site, assessor, notes or name"
    )
    g.add_argument("--limit", type=int, default=0, metavar="N", help="at most N (newest first)")


def add_parser(sub: Any) -> None:
    lib = sub.add_parser(
        "library",
        help="the library of assessments: list, show, compare, export, delete",
        description="Every analysis is recorded in the library (see --library). These commands "
        "read it: list and filter, show one, compare two (before / after), export to CSV, "
        "delete.",
    )
    lib.add_argument("--library", metavar="PATH_OR_URL", help=LIBRARY_HELP)
    cmds = lib.add_subparsers(dest="library_command", metavar="ACTION")

    ls = cmds.add_parser("list", help="the assessments, newest first (filters below)")
    _add_filters(ls)
    ls.add_argument("--json", action="store_true", help="as JSON, for scripts")

    sh = cmds.add_parser("show", help="one assessment in full")
    sh.add_argument("id", type=int)
    sh.add_argument("--json", action="store_true", help="as JSON, for scripts")

    cp = cmds.add_parser(
        "compare",
        help="two assessments side by side (before / after) and the change in each figure",
    )
    cp.add_argument("before", type=int, help="the assessment before the change")
    cp.add_argument("after", type=int, help="the assessment after it")
    cp.add_argument("--json", action="store_true", help="as JSON, for scripts")
    cp.add_argument(
        "--html", metavar="FILE.html", help="write the before / after report (one HTML page)"
    )
    cp.add_argument(
        "--pdf", metavar="FILE.pdf", help="write the before / after report on A4 pages (PDF)"
    )

    ex = cmds.add_parser("export", help="assessments as CSV (one row each, or one per lift)")
    _add_filters(ex)
    ex.add_argument("--out", metavar="FILE.csv", help="write here (default: standard output)")
    ex.add_argument(
        "--lifts", action="store_true", help="one row per lift, with its assessment's fields"
    )

    de = cmds.add_parser(
        "delete",
        help="delete assessments (and their personal fields); --files: their outputs too",
    )
    de.add_argument("ids", type=int, nargs="+", metavar="ID")
    de.add_argument(
        "--files",
        action="store_true",
        help="also delete the output files posture wrote for them (this machine's only)",
    )
    de.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    for action in (ls, sh, cp, ex, de):  # before or after the action: both read as typed
        action.add_argument(
            "--library", metavar="PATH_OR_URL", default=argparse.SUPPRESS, help=LIBRARY_HELP
        )
    lib.set_defaults(library_parser=lib)


def cmd_library(args: argparse.Namespace) -> int:
    from posture.library import Library

    action = getattr(args, "library_command", None)
    if action is None:
        args.library_parser.print_help()
        return 2
    from posture.cli.library_actions import ACTIONS

    with Library(args.library) as lib:
        return int(ACTIONS[action](lib, args))
