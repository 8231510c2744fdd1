"""One analysis as the library stores it: built from a finished analysis (its summary.json and
lift rows), with the recording's content hash and where the outputs went. No database here."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posture.library.schema import ASSESSMENT_FIELDS, HEADLINE
from posture.run.batch import headline

if TYPE_CHECKING:
    from posture.run.recorded import Result

#: Where each origin of an analysis comes from (the ``origin`` column).
ORIGINS = ("cli", "batch", "ray", "dashboard", "live")
#: summary.json's score level shares -> the ``score`` name they are stored under.
LEVEL_SHARES = {
    "risk_time_share": "risk",
    "reba_time_share": "reba",
    "owas_back_time_share": "owas_back",
}
#: lifts.csv columns with a column of their own in the ``lifts`` table.
LIFT_FIELDS = (
    "start_s",
    "lowest_s",
    "end_s",
    "style",
    "partial",
    "trunk_flexion_at_lowest_deg",
    "knee_flexion_at_lowest_deg",
    "peak_trunk_flexion_deg",
    "peak_twist_deg",
    "twisting_under_load",
    "one_handed",
    "li_origin",
    "li_destination",
    "niosh_note",
)
_BOOL_FIELDS = ("partial", "twisting_under_load", "one_handed")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class AssessmentFields:
    """What the assessor says about the analysis; every field optional. ``worker`` (a name or
    an id) is personal data: kept only in this library, gone when the assessment is deleted."""

    task: str = ""
    worker: str = ""
    site: str = ""
    assessor: str = ""
    notes: str = ""
    date: dt.date | None = None

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any] | None) -> AssessmentFields:
        """From summary.json's ``assessment`` (or any mapping with these keys)."""
        m = m or {}
        day = m.get("date")
        if isinstance(day, str) and day.strip():
            try:
                day = dt.date.fromisoformat(day.strip()[:10])
            except ValueError:
                day = None
        return cls(
            **{k: str(m.get(k) or "").strip() for k in ASSESSMENT_FIELDS},
            date=day if isinstance(day, dt.date) else None,
        )

    def merged(self, other: AssessmentFields) -> AssessmentFields:
        """These fields, each empty one taken from ``other``."""
        return AssessmentFields(
            **{k: getattr(self, k) or getattr(other, k) for k in ASSESSMENT_FIELDS},
            date=self.date or other.date,
        )


@dataclass
class Entry:
    """Rows for the library's tables (see :mod:`posture.library.schema`)."""

    recording: dict[str, Any]
    assessment: dict[str, Any]
    lifts: list[dict[str, Any]] = field(default_factory=list)
    levels: list[dict[str, Any]] = field(default_factory=list)
    cues: list[dict[str, Any]] = field(default_factory=list)

    def children(self) -> tuple[list[dict[str, Any]], ...]:
        """The child rows in the order of ``schema.CHILD_TABLES``."""
        return self.lifts, self.levels, self.cues


def file_sha256(path: str | Path) -> str:
    """The file's content hash (read in 1 MiB blocks: a long video is never held in memory)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return h.hexdigest()


def _number(v: Any) -> Any:
    """A finite number, or None (NaN and empty cells are not stored as numbers)."""
    if v is None or v == "":
        return None
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "item"):  # numpy scalar
        return _number(v.item())
    return v


def _json(v: Any) -> str:
    return json.dumps(v, default=lambda x: _number(x) if hasattr(x, "item") else str(x))


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def recording_row(
    summary: Mapping[str, Any], sha256: str, name: str, kind: str, path: Path | None
) -> dict[str, Any]:
    clip = summary.get("clip") or {}
    size = modified = None
    if path is not None and path.is_file():
        st = path.stat()
        size = st.st_size
        modified = dt.datetime.fromtimestamp(st.st_mtime, dt.UTC).replace(tzinfo=None)
    return {
        "sha256": sha256,
        "name": name[:512],
        "kind": kind,
        "size_bytes": size,
        "recorded_at": modified,
        "duration_s": _number(clip.get("duration_s")),
        "frames": clip.get("frames"),
        "fps": _number(clip.get("fps")),
        "width": clip.get("width"),
        "height": clip.get("height"),
        "first_seen_at": now_utc(),
    }


def make_entry(
    summary: Mapping[str, Any],
    lift_rows: Sequence[Mapping[str, Any]],
    *,
    sha256: str,
    name: str,
    kind: str = "video",
    origin: str = "cli",
    source_path: str | Path | None = None,
    output_dir: str | Path | None = None,
    fields: AssessmentFields | None = None,
    dedupe_key: str | None = None,
) -> Entry:
    """The library's rows for one analysis. ``fields`` (the assessment fields given for this
    run) fill in what summary.json's own ``assessment`` leaves empty."""
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}, not {origin!r}")
    given = (fields or AssessmentFields()).merged(
        AssessmentFields.from_mapping(summary.get("assessment"))
    )
    figures = headline(dict(summary))
    settings = summary.get("settings") or {}
    settings_text = _json(settings)
    created = now_utc()
    src = Path(source_path) if source_path is not None else None
    assessment: dict[str, Any] = {
        "dedupe_key": dedupe_key,
        "created_at": created,
        "assessed_on": given.date or created.date(),
        "origin": origin,
        "status": "partial" if summary.get("warnings") else "ok",
        "machine": socket.gethostname()[:255],
        "output_dir": str(Path(output_dir).resolve()) if output_dir is not None else None,
        "source_path": str(src.resolve()) if src is not None and src.exists() else src and str(src),
        **{k: getattr(given, k) or None for k in ASSESSMENT_FIELDS},
        "posture_version": summary.get("posture_version"),
        "model_sha256": (summary.get("model") or {}).get("sha256"),
        "settings_sha256": hashlib.sha256(settings_text.encode()).hexdigest(),
        "settings_json": settings_text,
        "load_kg": _number((settings.get("task") or {}).get("load_kg")),
        "warnings": "; ".join(summary.get("warnings") or []) or None,
        "summary_json": _json(summary),
    }
    for key in ("subject", "people", "frames_with_pose_share", *HEADLINE):
        assessment[key] = _number(figures.get(key))
    assessment["main_cue"] = (figures.get("main_cue") or None) and str(figures["main_cue"])[:255]
    return Entry(
        recording_row(summary, sha256, name, kind, src),
        assessment,
        [_lift(r) for r in lift_rows],
        [
            {"score": score, "level": str(level), "time_share": float(share)}
            for key, score in LEVEL_SHARES.items()
            for level, share in (summary.get(key) or {}).items()
            if _number(share) is not None
        ],
        [
            {
                "rank": i + 1,
                "cue": str(c.get("id", "")),
                "text": str(c.get("text", "")),
                "seconds": _number(c.get("seconds")),
                "high_seconds": _number(c.get("high_seconds")),
            }
            for i, c in enumerate(summary.get("cues") or [])
        ],
    )


def _lift(row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"lift": int(row["lift"]), "row_json": _json(dict(row))}
    for k in LIFT_FIELDS:
        v = _number(row.get(k))
        out[k] = bool(v) if k in _BOOL_FIELDS and v is not None else v
    if out["style"] is not None:
        out["style"] = str(out["style"])
    if out["niosh_note"] is not None:
        out["niosh_note"] = str(out["niosh_note"])
    return out


def entry_from_result(
    result: Result,
    *,
    origin: str,
    source: str | Path | None,
    output_dir: str | Path | None,
    fields: AssessmentFields | None = None,
    dedupe_key: str | None = None,
    sha256: str | None = None,
) -> Entry:
    """The entry for a finished analysis. ``source`` is the file analysed (its bytes are
    hashed) or None for a live session (its landmarks are hashed instead)."""
    from posture.assess.tables import lift_rows

    summary = result.summary()
    kind = "video"
    if source is None:
        kind, name = "live", f"live session {now_utc():%Y-%m-%d %H:%M} UTC"
        sha256 = sha256 or landmarks_sha256(result)
    else:
        path = Path(source)
        name = path.name
        if path.suffix.lower() == ".npz":
            kind = "landmarks"
        sha256 = sha256 or file_sha256(path)
    return make_entry(
        summary,
        lift_rows(result.analysis),
        sha256=sha256,
        name=name,
        kind=kind,
        origin=origin,
        source_path=source,
        output_dir=output_dir,
        fields=fields,
        dedupe_key=dedupe_key,
    )


def landmarks_sha256(result: Result) -> str:
    """A live session has no file: its recording is known by its landmarks and times."""
    h = hashlib.sha256()
    for p in result.recording.people:
        h.update(p.world_xyz_m.tobytes())
        h.update(p.t_s.tobytes())
    return h.hexdigest()


__all__ = [
    "ORIGINS",
    "AssessmentFields",
    "Entry",
    "entry_from_result",
    "file_sha256",
    "make_entry",
]
