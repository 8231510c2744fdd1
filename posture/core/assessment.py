"""What a reviewer writes on an assessment: the task, the worker, the site, the assessor, the
date and notes. Not an analysis setting (no number depends on it); it is kept with the
results (``summary.json`` under ``assessment``) and heads the report.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from posture.core.errors import ConfigError

#: field -> label on the report and in the dashboard, in the order shown.
ASSESSMENT_LABELS = {
    "task": "Task",
    "worker": "Worker (name or id)",
    "site": "Site",
    "assessor": "Assessor",
    "date": "Date of the assessment",
    "notes": "Notes",
}
#: Longest text kept in a field (a note is a paragraph or two, not a file).
MAX_CHARS = {"notes": 4000}
MAX_CHARS_DEFAULT = 200


@dataclass(frozen=True)
class Assessment:
    """The reviewer's fields; ``""`` where not given. ``date`` is ISO ``YYYY-MM-DD``."""

    task: str = ""
    worker: str = ""
    site: str = ""
    assessor: str = ""
    date: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ConfigError(f"assessment {f.name} must be text, not {value!r}")
            value = value.strip() if f.name == "notes" else " ".join(value.split())
            limit = MAX_CHARS.get(f.name, MAX_CHARS_DEFAULT)
            if len(value) > limit:
                raise ConfigError(
                    f"assessment {f.name} is {len(value)} characters long; at most {limit}"
                )
            object.__setattr__(self, f.name, value)
        if self.date:
            try:
                _dt.date.fromisoformat(self.date)
            except ValueError:
                raise ConfigError(
                    f"the assessment date must be written YYYY-MM-DD (e.g. 2026-12-05), not "
                    f"{self.date!r}"
                ) from None

    @property
    def given(self) -> bool:
        """Any field filled in."""
        return any(getattr(self, f) for f in ASSESSMENT_LABELS)

    def as_dict(self) -> dict[str, str | None]:
        """For summary.json: every field, ``None`` where not given."""
        return {f: getattr(self, f) or None for f in ASSESSMENT_LABELS}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> Assessment:
        """From :meth:`as_dict` (unknown keys refused)."""
        d = dict(d or {})
        unknown = sorted(set(d) - set(ASSESSMENT_LABELS))
        if unknown:
            raise ConfigError(f"unknown assessment field(s): {', '.join(unknown)}")
        return cls(**{k: v or "" for k, v in d.items()})
