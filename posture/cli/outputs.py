"""What the commands share to write a run's results: the assessment given on the command line
and the report files with their one-line warning."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from posture.core.assessment import ASSESSMENT_LABELS, Assessment


def assessment_from(args: argparse.Namespace) -> Assessment:
    """The assessment fields given on the command line (a bad date is one line)."""
    return Assessment(**{k: getattr(args, k, None) or "" for k in ASSESSMENT_LABELS})


def write_report_files(result: Any, out: Path) -> None:
    """report.html and report.pdf into ``out`` (faces blurred); without a PDF engine, one
    warning line and the HTML alone."""
    from posture.report import write_reports

    reports = write_reports(result, out)
    result.outputs.update(reports.outputs)
    if reports.pdf_missing and reports.pdf_missing not in _WARNED:
        _WARNED.add(reports.pdf_missing)  # once per run, not once per recording of a batch
        print(f"posture: warning: {reports.pdf_missing}", file=sys.stderr)


_WARNED: set[str] = set()
