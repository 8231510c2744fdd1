"""Several recordings reviewed together: their overview and one zip of every result to file.
No Streamlit; the rows are :mod:`posture.run.batch`'s, as the command line writes them.
"""

from __future__ import annotations

import dataclasses
import io
import json
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.analyses import Analyzed
from posture.assess.tables import frames_table, lifts_table
from posture.core.assessment import Assessment
from posture.report import write_reports
from posture.report.overview import write_overview
from posture.run.batch import Outcome, overview_row, plan, riskiest_first
from posture.run.export import write_table_csv


@dataclass(frozen=True)
class Entry:
    """One uploaded recording: its analysis, or why there is none."""

    upload_name: str
    item: Analyzed | None
    error: str | None = None


def folders(entries: Sequence[Entry]) -> list[str]:
    """The folder name of each entry in a bundle (unique: ``-2`` ... for a name repeated)."""
    return [job.out.name for job in plan([Path(e.upload_name) for e in entries], Path("."))]


def outcomes(entries: Sequence[Entry], root: Path) -> list[Outcome]:
    """The entries as a batch's outcomes, each with a folder under ``root`` named after it."""
    jobs = plan([Path(e.upload_name) for e in entries], root)
    out = []
    for e, job in zip(entries, jobs, strict=True):
        if e.item is None:
            out.append(Outcome(job, "failed", note=e.error or ""))
            continue
        warnings = list(e.item.result.warnings)
        out.append(
            Outcome(
                job,
                "partial" if warnings else "ok",
                e.item.result.summary(),
                "; ".join(warnings),
            )
        )
    return out


def overview_rows(entries: Sequence[Entry]) -> list[dict[str, Any]]:
    """One row per entry (``posture.run.batch.OVERVIEW_COLUMNS``), in the order
    ``posture.run.batch.RISKIEST_FIRST_RULE`` states."""
    root = Path("batch")
    return riskiest_first([overview_row(o, root) for o in outcomes(entries, root)])


def bundle(
    entries: Sequence[Entry],
    settings: Any,
    *,
    blur_faces: bool = True,
    assessment: Assessment | None = None,
) -> bytes:
    """A zip to file: ``overview.html`` (linking each report), ``overview.csv``, and a folder
    per recording with its report (HTML and, with the engine, PDF), summary.json, frames.csv
    and lifts.csv; ``assessment`` on each."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        done = outcomes(entries, root)
        for e, o in zip(entries, done, strict=True):
            if e.item is None:
                continue
            r = dataclasses.replace(e.item.result, assessment=assessment or Assessment())
            o.job.out.mkdir(parents=True)
            o.outputs.update(write_reports(r, o.job.out, blur_faces=blur_faces).outputs)
            (o.job.out / "summary.json").write_text(
                json.dumps(r.summary(), indent=2, default=str), encoding="utf-8"
            )
            write_table_csv(o.job.out / "frames.csv", frames_table(r.analysis))
            write_table_csv(o.job.out / "lifts.csv", lifts_table(r.analysis))
        write_overview(done, root, settings)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    z.write(path, path.relative_to(root).as_posix())
        return buf.getvalue()
