"""``posture library list|show|compare|export|delete``: what each action prints or writes."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import socket
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from posture.core.errors import PostureError

#: ``posture library list`` and ``export``: the columns, in order.
LIST_COLUMNS = {
    "id": "id",
    "assessed_on": "date",
    "task": "task",
    "worker": "worker",
    "site": "site",
    "recording": "recording",
    "lifts": "lifts",
    "risky_lifts": "risky",
    "time_high_share": "high risk",
    "reba_peak": "REBA",
    "worst_lifting_index": "worst LI",
}
EXPORT_COLUMNS = (
    "id",
    "assessed_on",
    "created_at",
    "origin",
    "status",
    "task",
    "worker",
    "site",
    "assessor",
    "notes",
    "recording",
    "sha256",
    "duration_s",
    "source_path",
    "machine",
    "output_dir",
    "load_kg",
    "subject",
    "people",
    "frames_with_pose_share",
    "lifts",
    "risky_lifts",
    "lifts_per_min",
    "worst_lifting_index",
    "time_high_share",
    "time_medium_share",
    "reba_peak",
    "reba_high_share",
    "rula_peak",
    "peak_trunk_flexion_deg",
    "main_cue",
    "warnings",
    "posture_version",
    "model_sha256",
    "settings_sha256",
)


def _n(count: int) -> str:
    return f"{count} assessment" + ("" if count == 1 else "s")


def _filters(args: argparse.Namespace) -> Any:
    from posture.library import Filters

    if args.limit < 0:
        raise PostureError("--limit must be 0 or more")
    return Filters(
        task=args.task or "",
        worker=args.worker or "",
        site=args.site or "",
        since=args.since,
        until=args.until,
        search=args.search or "",
        limit=args.limit,
    )


def _plain(v: Any) -> Any:
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    return v


def _cell(key: str, v: Any) -> str:
    if v is None:
        return "-"
    if key.endswith("_share"):
        return f"{v:.0%}"
    if isinstance(v, float):
        return f"{v:.2f}" if key == "worst_lifting_index" else f"{v:g}"
    return str(v)


def _print_table(rows: Sequence[Sequence[str]], head: Sequence[str]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=True)]
    for r in [head, *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def _list(lib: Any, args: argparse.Namespace) -> int:
    rows = lib.query(_filters(args))
    if args.json:
        print(json.dumps([{k: _plain(v) for k, v in r.items()} for r in rows], indent=1))
        return 0
    if not rows:
        print(f"No assessments in the library {lib.location} match.")
        return 0
    _print_table(
        [[_cell(k, r.get(k)) for k in LIST_COLUMNS] for r in rows], list(LIST_COLUMNS.values())
    )
    print(f"{_n(len(rows))} in {lib.location}")
    return 0


def _show(lib: Any, args: argparse.Namespace) -> int:
    a = lib.get(args.id)
    if args.json:
        out = {k: _plain(v) for k, v in a.items() if k not in ("levels",)}
        out["levels"] = [
            {"score": s, "level": lv, "time_share": v} for (s, lv), v in a["levels"].items()
        ]
        out["recording"] = {k: _plain(v) for k, v in a["recording"].items()}
        print(json.dumps(out, indent=1, default=str))
        return 0
    rec = a["recording"]
    print(f"Assessment {a['id']}: {a.get('task') or '(no task)'}, {a['assessed_on']}")
    for key in ("worker", "site", "assessor", "notes"):
        if a.get(key):
            print(f"  {key}: {a[key]}")
    print(
        f"  recording: {rec.get('name')} ({rec.get('duration_s') or 0:.1f} s), sha256 "
        f"{rec.get('sha256', '')[:16]}..."
    )
    folder = a.get("output_dir")
    here = folder and a.get("machine") == socket.gethostname() and Path(folder).is_dir()
    where = "" if not folder else " (here)" if here else " (not on this machine)"
    print(f"  outputs: {folder or '-'}{where}")
    print(f"  analysed {a['created_at']} by posture {a.get('posture_version')} ({a['origin']})")
    from posture.library.compare import FIGURES

    print("Figures:")
    for f in FIGURES:
        print(f"  {f.label}: {_cell(f.key, a.get(f.key))}")
    if a["cue_rows"]:
        print("Cues: " + "; ".join(f"{c['text']} ({c['seconds']} s)" for c in a["cue_rows"]))
    if a["lift_rows"]:
        print("Lifts:")
        from posture.library.before_after import LIFT_COLUMNS

        _print_table(
            [[_cell(k, r.get(k)) for k in LIFT_COLUMNS] for r in a["lift_rows"]],
            list(LIFT_COLUMNS.values()),
        )
    if a.get("warnings"):
        print(f"Warnings: {a['warnings']}")
    return 0


def _compare(lib: Any, args: argparse.Namespace) -> int:
    from posture.library.compare import changes, comparable, cue_changes

    before, after = lib.get(args.before), lib.get(args.after)
    diffs = changes(before, after)
    if args.json:
        print(
            json.dumps(
                {
                    "before": args.before,
                    "after": args.after,
                    "figures": [c.as_dict() for c in diffs],
                    "cues": cue_changes(before, after),
                    "notes": comparable(before, after),
                },
                indent=1,
            )
        )
    else:
        _print_table(
            [
                [c.figure.label, c.text(c.before), c.text(c.after), c.delta_text, c.verdict]
                for c in diffs
            ],
            ["figure", f"before (#{args.before})", f"after (#{args.after})", "change", ""],
        )
        for note in comparable(before, after):
            print(f"note: {note}")
    if args.html or args.pdf:
        from posture.library.before_after import render_before_after, write_before_after
        from posture.report.pdf import html_to_pdf

        to = sys.stderr if args.json else sys.stdout
        if args.html:
            print(f"Before / after report: {write_before_after(before, after, args.html)}", file=to)
        if args.pdf:
            path = html_to_pdf(render_before_after(before, after), args.pdf)
            print(f"Before / after report: {path}", file=to)
    return 0


def _export(lib: Any, args: argparse.Namespace) -> int:
    rows = lib.query(_filters(args))
    out: IO[str]
    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    try:
        if args.lifts:
            _export_lifts(lib, rows, out)
        else:
            w = csv.writer(out)
            w.writerow(EXPORT_COLUMNS)
            for r in reversed(rows):  # oldest first, as a spreadsheet reads
                w.writerow(["" if r.get(k) is None else _plain(r.get(k)) for k in EXPORT_COLUMNS])
    finally:
        if args.out:
            out.close()
    if args.out:
        print(f"{_n(len(rows))} written to {args.out}")
    return 0


def _export_lifts(lib: Any, rows: Sequence[dict[str, Any]], out: IO[str]) -> None:
    head = ("assessment", "assessed_on", "task", "worker", "site", "recording")
    w: Any = None
    for r in reversed(rows):
        for lift in lib.get(r["id"])["lift_rows"]:
            if w is None:
                w = csv.DictWriter(out, [*head, *lift])
                w.writeheader()
            lead = dict(
                zip(
                    head,
                    (
                        r["id"],
                        _plain(r["assessed_on"]),
                        *(r.get(k) or "" for k in ("task", "worker", "site", "recording")),
                    ),
                    strict=True,
                )
            )
            w.writerow({**lead, **{k: "" if v is None else v for k, v in lift.items()}})
    if w is None:
        csv.writer(out).writerow(head)


def _delete(lib: Any, args: argparse.Namespace) -> int:
    doomed = [lib.get(i) for i in args.ids]  # an unknown id stops here, before anything goes
    if not args.yes:
        if not sys.stdin.isatty():
            raise PostureError("add --yes to delete without a question (no terminal to ask on)")
        names = ", ".join(
            f"{a['id']} ({a.get('task') or a['recording'].get('name')})" for a in doomed
        )
        extra = " and their output files" if args.files else ""
        answer = input(f"Delete assessments {names}{extra}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return 1
    lib.delete(args.ids)
    print(f"Deleted {_n(len(doomed))} from {lib.location}.")
    if args.files:
        from posture.library.files import delete_outputs

        for a in doomed:
            print(delete_outputs(a))
    return 0


ACTIONS = {
    "list": _list,
    "show": _show,
    "compare": _compare,
    "export": _export,
    "delete": _delete,
}
