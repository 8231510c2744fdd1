"""The overview page of a batch run: one line per recording, riskiest first, each linking its
report. Same style as the report; inline CSS, no external resources."""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posture import __version__
from posture.report.figures import hex_colour
from posture.report.html import CSS
from posture.report.html import fmt as _fmt
from posture.report.html import share as _share
from posture.run.batch import (
    OVERVIEW_COLUMNS,
    RISKIEST_FIRST_RULE,
    overview_row,
    riskiest_first,
)
from posture.run.export import atomic_write_text, write_table_csv

if TYPE_CHECKING:
    from posture.run.batch import Outcome

#: Status -> the risk colour its pill borrows.
STATUS_COLOUR = {"ok": "low", "partial": "medium", "failed": "high", "not run": "unknown"}


def _e(v: Any) -> str:
    return html.escape(str(v))


def _name(outcome: Outcome) -> str:
    src = outcome.job.source
    return f"{outcome.job.out.name} (landmarks)" if outcome.job.is_landmarks else src.name


def _link(outcome: Outcome, page: Path) -> str:
    name = _e(_name(outcome))
    report = outcome.outputs.get("report")
    target = report if report is not None and report.is_file() else None
    if target is None:
        return name
    href = target.relative_to(page.parent).as_posix()
    return f'<a href="{_e(href)}">{name}</a>'


def _task(settings: Any) -> str:
    task = settings.task
    load = f"{task.load_kg:g} kg" if task.load_kg else "not given (no lifting index)"
    freq = (
        f"{task.lift_frequency_per_min:g} per minute"
        if task.lift_frequency_per_min
        else "measured per recording"
    )
    person = (
        f"track #{settings.subject.person}"
        if settings.subject.person
        else "the most visible person in each recording"
    )
    return f"Load {load}; lift frequency {freq}; grip {task.coupling}; person analysed: {person}."


def render_overview(
    outcomes: Sequence[Outcome], rows: Sequence[dict[str, Any]], page: Path, settings: Any
) -> str:
    """The overview as one HTML document; ``rows`` are ``posture.run.batch.overview_row``'s."""
    head = [
        "Recording",
        "Status",
        "Duration",
        "Lifts",
        "Risky lifts",
        "Worst lifting index",
        "Time at high risk",
        "Time at medium risk",
        "REBA peak",
        "Main cue",
    ]
    lines = []
    outcome_of = {id(r): o for o, r in zip(outcomes, rows, strict=True)}
    for r in riskiest_first(rows):
        o = outcome_of[id(r)]
        colour = hex_colour(STATUS_COLOUR.get(r["status"], "unknown"))
        status = f'<span class="pill" style="background:{colour}">{_e(r["status"])}</span>'
        duration = "-" if r["duration_s"] is None else f"{r['duration_s']:.1f} s"
        cells = [
            _link(o, page),
            status,
            duration,
            _e(_fmt(r["lifts"])),
            _e(_fmt(r["risky_lifts"])),
            _e(_fmt(r["worst_lifting_index"])),
            _e(_share(r["time_high_share"])),
            _e(_share(r["time_medium_share"])),
            _e("-" if r["reba_peak"] is None else f"{r['reba_peak']:g}"),
            _e(r["main_cue"] or ""),
        ]
        tds = "".join(
            f'<td class="n">{c}</td>' if 2 <= k <= 8 else f"<td>{c}</td>"
            for k, c in enumerate(cells)
        )
        lines.append(f"<tr>{tds}</tr>")
        if r["note"]:
            lines.append(f'<tr><td></td><td colspan="9" class="note">{_e(r["note"])}</td></tr>')
    table = (
        "<table><tr>"
        + "".join(f"<th>{_e(h)}</th>" for h in head)
        + "</tr>"
        + "".join(lines)
        + "</table>"
    )
    counts = {s: sum(r["status"] == s for r in rows) for s in STATUS_COLOUR}
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    when = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>Lifting-risk overview</title><style>{CSS}</style></head><body>"
        f"<h1>Lifting-risk overview</h1><p class=sub>{len(rows)} recordings ({_e(tally)}) "
        f"&middot; created {when} with posture {__version__}</p>"
        f"<p>{_e(_task(settings))}</p>{table}"
        f'<p class="note">{_e(RISKIEST_FIRST_RULE)} Each name opens that recording\'s '
        "report; overview.csv has the same rows, with more columns, in the order given.</p>"
        "</body></html>\n"
    )


def write_overview(outcomes: Sequence[Outcome], root: Path, settings: Any) -> list[Path]:
    """``overview.csv`` (input order) and ``overview.html`` (riskiest first) into ``root``."""
    rows = [overview_row(o, root) for o in outcomes]
    table = {k: [r[k] for r in rows] for k in OVERVIEW_COLUMNS}
    csv_path = root / "overview.csv"
    write_table_csv(csv_path, table)
    page = root / "overview.html"
    atomic_write_text(page, render_overview(outcomes, rows, page, settings))
    return [csv_path, page]
