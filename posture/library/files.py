"""Deleting an assessment's output files: only those posture wrote, only on the machine that
wrote them, and only while the folder still holds that assessment (not a later analysis
written over it)."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from posture.run.batch import RUN_OUTPUTS

#: Every file a run writes into its folder (the report's PDF too, where there is one).
OUTPUT_FILES = (*RUN_OUTPUTS, "report.pdf")


def delete_outputs(assessment: Mapping[str, Any]) -> str:
    """Remove the assessment's output files (and their folder if that leaves it empty);
    returns what was done, in words."""
    folder = assessment.get("output_dir")
    if not folder:
        return f"assessment {assessment['id']}: no output folder was recorded"
    where = Path(str(folder))
    if assessment.get("machine") not in (None, socket.gethostname()):
        return f"assessment {assessment['id']}: its outputs are on {assessment['machine']}: kept"
    summary = where / "summary.json"
    if not summary.is_file():
        return f"assessment {assessment['id']}: {where} is already gone"
    try:
        same = json.loads(summary.read_text(encoding="utf-8")) == assessment.get("summary")
    except (OSError, ValueError):
        same = False
    if not same:
        return f"assessment {assessment['id']}: {where} now holds another analysis: kept"
    removed = 0
    for name in OUTPUT_FILES:
        p = where / name
        if p.is_file():
            p.unlink()
            removed += 1
    with contextlib.suppress(OSError):
        where.rmdir()  # only if nothing else is in it
    return f"assessment {assessment['id']}: {removed} output files deleted from {where}"
