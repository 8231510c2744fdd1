"""Many recordings in one run: ``posture analyze a.mp4 b.mp4 recordings/ --out DIR``.

Each input is analysed into a folder of its own under ``DIR``, with the same outputs a single
run writes; an input that cannot be analysed (corrupt, no person in view) is marked as failed
and the others go on. ``DIR/overview.csv`` has one row per input, ``DIR/overview.html`` the
same as a page that links every report, riskiest first.

The analysis of one input is passed in (``analyze``), so this module only plans, runs in turn
and sums up; it holds no maths.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posture.assess.tables import lifting_index
from posture.core.errors import PostureError
from posture.video.io import VIDEO_SUFFIXES

LANDMARK_SUFFIX = ".npz"
#: What one run writes into its folder (cleared before a batch analyses into it again).
RUN_OUTPUTS = (
    "frames.csv",
    "lifts.csv",
    "summary.json",
    "landmarks.npz",
    "annotated.mp4",
    "report.html",
    "report.pdf",
)

#: The overview's columns, in order, with their meaning (README, "Many videos at once").
OVERVIEW_COLUMNS = (
    "input",
    "folder",
    "status",
    "note",
    "duration_s",
    "frames_with_pose_share",
    "people",
    "subject",
    "lifts",
    "lifts_per_min",
    "risky_lifts",
    "worst_lift",
    "worst_lifting_index",
    "time_high_share",
    "time_medium_share",
    "reba_peak",
    "reba_high_share",
    "rula_peak",
    "peak_trunk_flexion_deg",
    "main_cue",
)


@dataclass(frozen=True)
class Job:
    """One input and the folder its results go to."""

    source: Path
    out: Path

    @property
    def is_landmarks(self) -> bool:
        return is_landmarks_file(self.source)


def is_landmarks_file(path: str | Path) -> bool:
    """A ``.npz`` is a landmark file (re-scored without the pose model), anything else a
    video."""
    return Path(path).suffix.lower() == LANDMARK_SUFFIX


@dataclass
class Outcome:
    """What became of one job: its summary.json, or why it failed, or that it never ran."""

    job: Job
    status: str  # "ok", "partial" (warnings: cut short, interrupted), "failed", "not run"
    summary: dict[str, Any] | None = None
    note: str = ""
    outputs: dict[str, Path] = field(default_factory=dict)
    interrupted: bool = False  # Ctrl-C during this job: the batch stopped after it
    where: str = ""  # where it ran, when not here (a Ray worker)


def is_batch(inputs: Sequence[str]) -> bool:
    """Several inputs, or a folder, make a batch; one file is an ordinary run."""
    return len(inputs) > 1 or any(Path(p).is_dir() for p in inputs)


def expand_inputs(inputs: Sequence[str]) -> list[Path]:
    """Files as given; a folder stands for the videos and landmark files directly inside it
    (not hidden ones, such as the ``._clip.mp4`` another system leaves beside ``clip.mp4``).

    Every input is checked before any is analysed, so a typo costs nothing; a file given
    twice (under two names) is analysed once."""
    found: list[Path] = []
    for text in inputs:
        p = Path(text)
        if p.is_dir():
            inside = sorted(
                q
                for q in p.iterdir()
                if q.is_file()
                and not q.name.startswith(".")
                and q.suffix.lower() in (*VIDEO_SUFFIXES, LANDMARK_SUFFIX)
            )
            if not inside:
                raise PostureError(
                    f"no videos in the folder {p} (looked for {', '.join(VIDEO_SUFFIXES)})"
                )
            found.extend(inside)
        elif not p.exists():
            raise PostureError(f"video file not found: {p}")
        else:
            found.append(p)
    first: dict[Path, Path] = {}  # each once, in the order given, as first named
    for p in found:
        first.setdefault(p.resolve(), p)
    return list(first.values())


def plan(sources: Sequence[Path], root: Path) -> list[Job]:
    """A results folder per input, named after it (``landmarks.npz`` after its folder),
    made unique with ``-2``, ``-3`` ... when two inputs share a name."""
    jobs: list[Job] = []
    taken: set[str] = set()
    for src in sources:
        stem = src.parent.name if src.name == "landmarks.npz" and src.parent.name else src.stem
        base = re.sub(r"[^\w.-]+", "_", stem).strip("._") or "input"
        name, k = base, 1
        while name.lower() in taken or name.lower() in ("overview.csv", "overview.html"):
            k += 1
            name = f"{base}-{k}"
        taken.add(name.lower())
        jobs.append(Job(src, root / name))
    return jobs


def run(
    jobs: Sequence[Job],
    analyze: Callable[[Job], Any],
    *,
    on_done: Callable[[int, Outcome], None] | None = None,
) -> list[Outcome]:
    """Analyse the jobs in turn (``analyse(job)`` returns a ``posture.run.recorded.Result`` and
    writes its outputs). A job that fails (a :class:`PostureError`, or any other error, named)
    is marked failed and the next one starts; Ctrl-C during a job keeps what that job had
    analysed, if anything, and stops the batch (the jobs not started are marked "not run").
    Whatever happens, every job has an outcome, so the overview can be written."""
    outcomes: list[Outcome] = []
    stopped = False
    for i, job in enumerate(jobs):
        if stopped:
            outcomes.append(Outcome(job, "not run", note="the batch was interrupted"))
            continue
        try:
            result = analyze(job)
        except PostureError as exc:
            outcome = Outcome(job, "failed", note=str(exc))
        except KeyboardInterrupt:
            outcome = Outcome(job, "failed", note="interrupted", interrupted=True)
        except Exception as exc:  # one recording's failure must not lose the others
            outcome = Outcome(job, "failed", note=f"internal error: {type(exc).__name__}: {exc}")
        else:
            warnings = list(result.warnings)
            outcome = Outcome(
                job,
                "partial" if warnings else "ok",
                result.summary(),
                "; ".join(warnings),
                dict(result.outputs),
                interrupted=any(w.startswith("interrupted") for w in warnings),
            )
        stopped = outcome.interrupted
        outcomes.append(outcome)
        if on_done is not None:
            on_done(i, outcome)
    return outcomes


#: The overview's order, in words: the page and the dashboard show it where the order is.
RISKIEST_FIRST_RULE = (
    "Riskiest first: the highest lifting index (when a load is given), then the most risky "
    "lifts (stoops and twists under load), then the longest time at high risk, then the "
    "highest REBA peak; recordings that could not be analysed come last."
)


def _risk_key(r: dict[str, Any]) -> tuple[float, ...]:
    def value(key: str, missing: float = 0.0) -> float:
        v = r.get(key)
        return missing if v is None else float(v)

    return (
        float(r["status"] not in ("ok", "partial")),
        -value("worst_lifting_index", -1.0),
        -value("risky_lifts"),
        -value("time_high_share"),
        -value("reba_peak"),
    )


def riskiest_first(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overview rows in the order :data:`RISKIEST_FIRST_RULE` states (stable: ties keep
    their order)."""
    return sorted(rows, key=_risk_key)


def overview_row(outcome: Outcome, root: Path) -> dict[str, Any]:
    """One overview row (``OVERVIEW_COLUMNS``); figures empty where the input failed."""
    row: dict[str, Any] = dict.fromkeys(OVERVIEW_COLUMNS)
    row.update(
        input=str(outcome.job.source),
        folder=outcome.job.out.relative_to(root).as_posix(),
        status=outcome.status,
        note=outcome.note,
    )
    if outcome.summary is not None:
        row.update(headline(outcome.summary))
    return row


def headline(s: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of a summary.json: the overview's columns from ``duration_s``
    on (the library keeps the same ones)."""
    clip, risk, reba = s["clip"], s["risk_time_share"], s.get("reba_time_share") or {}
    worst = s.get("worst_lift") or {}
    trunk = (s.get("measures") or {}).get("trunk_flexion_deg") or {}
    frames = clip.get("frames") or 0
    return dict(
        duration_s=clip.get("duration_s"),
        frames_with_pose_share=round(clip["frames_with_pose"] / frames, 3) if frames else None,
        people=len(s.get("people", [])),
        subject=s.get("subject"),
        lifts=s.get("lifts"),
        lifts_per_min=s.get("lifts_per_min"),
        risky_lifts=s.get("risky_lifts"),
        worst_lift=worst.get("lift"),
        worst_lifting_index=lifting_index(worst) if worst else None,
        time_high_share=risk.get("high"),
        time_medium_share=risk.get("medium"),
        reba_peak=s.get("reba_peak"),
        reba_high_share=round(reba.get("high", 0.0) + reba.get("very_high", 0.0), 3),
        rula_peak=s.get("rula_peak"),
        peak_trunk_flexion_deg=trunk.get("peak"),
        main_cue=s["cues"][0]["text"] if s.get("cues") else "",
    )


__all__ = [
    "OVERVIEW_COLUMNS",
    "RISKIEST_FIRST_RULE",
    "Job",
    "Outcome",
    "expand_inputs",
    "headline",
    "is_batch",
    "is_landmarks_file",
    "overview_row",
    "plan",
    "riskiest_first",
    "run",
]
