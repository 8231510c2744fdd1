"""Markdown tables of the virtual views' results (:class:`~.compare.ViewResult`).

Summary tables have one row per camera placement and window and one column per camera yaw;
the detail tables one row per view. Cells read "-" where a view was not run and "failed" where
``posture analyze`` refused it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from posture.validation.compare import (
    MEASURES,
    MIN_CONFIDENCE,
    RIGHT_WITHIN_DEG,
    Score,
    ViewResult,
    angle_error_deg,
)
from posture.validation.views import View

#: The measures of the summary cells, in order: flexion (hip-shoulder line), side bend, twist.
SUMMARY_MEASURES = ("trunk_flexion", "side_bend", "twist")
#: The angle measures of the trust tables.
TRUST_MEASURES = ("trunk_flexion", "side_bend", "twist", "knee")
DETAIL_MEASURES = (
    "trunk_flexion",
    "trunk_flexion_pelvis",
    "side_bend",
    "twist",
    "knee",
    "hand_height",
)

_RowKey = tuple[str, str, bool]


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def view_name(yaw_deg: float) -> str:
    """The camera's yaw in words: front, side, back, the obliques, and which side."""
    a = abs((yaw_deg + 180.0) % 360.0 - 180.0)
    kind = "front" if a < 22.5 else "side" if 67.5 <= a < 112.5 else "back" if a >= 157.5 else ""
    if not kind:
        kind = "front-oblique" if a < 90 else "back-oblique"
    if kind in ("front", "back"):
        return kind
    return f"{kind} ({'right' if yaw_deg > 0 else 'left'})"


def yaw_label(yaw_deg: float) -> str:
    return f"{yaw_deg:g}"


def _row_key(v: View) -> _RowKey:
    return (v.placement.label, v.window, v.give_hfov)


def _row_title(key: _RowKey) -> list[str]:
    label, window, give_hfov = key
    return [label if give_hfov else f"{label}, tool's default field of view", window]


def _num(x: float, fmt: str = ".1f") -> str:
    return "-" if math.isnan(x) else format(x, fmt)


def error_cell(s: Score | None) -> str:
    """``MAE / largest (mean signed)``, with the coverage when not every frame had a value."""
    if s is None:
        return "-"
    if s.coverage == 0.0 or math.isnan(s.mae):
        return "no value"
    text = f"{s.mae:.1f} / {s.max_abs:.1f} ({s.bias:+.1f})"
    if s.coverage < 0.995:
        text += f", {100 * s.coverage:.0f} % of frames"
    return text


def with_sd(value: float, sd: float, spec: str = ".0f") -> str:
    """``value`` and, when the tool states one, its 1-sigma uncertainty: ``22 ±3``."""
    text = _num(value, spec)
    return text if math.isnan(sd) else f"{text} ±{sd:.0f}"


def camera_cell(r: ViewResult) -> str:
    """The tool's pitch / roll, degrees (``?`` where it said nothing)."""
    e = r.estimate
    if e is None:
        return "?"
    return f"{with_sd(e.pitch_deg, e.pitch_sd_deg)} / {with_sd(e.roll_deg, e.roll_sd_deg)}"


def camera_error(r: ViewResult) -> tuple[float, float]:
    """``(pitch error, roll error)`` of the tool's camera, degrees (NaN without an estimate)."""
    if r.estimate is None:
        return math.nan, math.nan
    return (
        angle_error_deg(r.estimate.pitch_deg, r.true_pitch_deg),
        angle_error_deg(r.estimate.roll_deg, r.true_roll_deg),
    )


def _grid(
    results: Sequence[ViewResult], path: str, cell: Callable[[ViewResult], str]
) -> tuple[list[str], list[list[str]]]:
    """Rows (placement, window) x columns (yaw) of ``cell`` for ``path``."""
    mine = [r for r in results if r.path == path]
    yaws = list(dict.fromkeys(r.view.yaw_deg for r in mine))
    rows: dict[_RowKey, dict[float, str]] = {}
    truth: dict[_RowKey, str] = {}
    for r in mine:
        key = _row_key(r.view)
        rows.setdefault(key, {})[r.view.yaw_deg] = "failed" if r.note else cell(r)
        truth[key] = f"{r.true_pitch_deg:.0f} / {r.true_roll_deg:.0f}"
    head = ["camera", "window", "true pitch / roll", *(yaw_label(y) for y in yaws)]
    body = [
        [*_row_title(k), truth[k], *(cells.get(y, "-") for y in yaws)] for k, cells in rows.items()
    ]
    return head, body


def summary_table(results: Sequence[ViewResult], path: str) -> str:
    """MAE of flexion / side bend / twist per placement and window (rows) and yaw (columns)."""

    def cell(r: ViewResult) -> str:
        return " / ".join(_num(r.scores[m].mae) for m in SUMMARY_MEASURES)

    return _table(*_grid(results, path, cell))


def camera_table(results: Sequence[ViewResult], path: str) -> str:
    """The tool's pitch / roll per placement and window (rows) and yaw (columns)."""
    return _table(*_grid(results, path, camera_cell))


def _trust_cell(scores: Sequence[Score]) -> str:
    frames = sum(s.n_frames for s in scores)
    trusted = sum(s.trusted_share * s.n_frames for s in scores)
    if frames == 0:
        return "-"
    share = trusted / frames
    if trusted == 0:
        return f"{100 * share:.0f} % / - / -"
    right = sum(
        s.trusted_right * s.trusted_share * s.n_frames for s in scores if s.trusted_share > 0
    )
    worst = max(s.max_abs_trusted for s in scores if s.trusted_share > 0)
    return f"{100 * share:.0f} % / {100 * right / trusted:.0f} % / {worst:.1f}"


def trust_table(results: Sequence[ViewResult], per_view: bool = False) -> str:
    """Share of frames trusted / share of those within :data:`RIGHT_WITHIN_DEG` / largest
    trusted error, per camera yaw and path, pooled over placements and windows (``per_view``:
    one row per view instead)."""
    groups: dict[tuple[object, ...], list[ViewResult]] = {}
    for r in results:
        if r.note:
            continue
        v = r.view
        key: tuple[object, ...] = (r.path, v.yaw_deg)
        if per_view:
            key = (r.path, *_row_key(v), v.yaw_deg)
        groups.setdefault(key, []).append(r)
    head = ["path", "camera yaw", "view"]
    if per_view:
        head = ["path", "camera", "window", "camera yaw"]
    head += [MEASURES[m].title for m in TRUST_MEASURES]
    body = []
    for key, rs in groups.items():
        path, yaw = str(key[0]).upper(), float(str(key[-1]))
        if per_view:
            row = [path, *_row_title((str(key[1]), str(key[2]), bool(key[3]))), yaw_label(yaw)]
        else:
            row = [path, yaw_label(yaw), view_name(yaw)]
        row += [_trust_cell([r.scores[m] for r in rs]) for m in TRUST_MEASURES]
        body.append(row)
    return _table(head, body)


def detail_table(results: Sequence[ViewResult], path: str) -> str:
    """One row per view of ``path``: every measure's ``MAE / largest (mean signed)`` and the
    tool's camera against the truth."""
    head = ["camera", "window", "yaw", *(MEASURES[m].title for m in DETAIL_MEASURES)]
    head += ["pitch: tool / true", "roll: tool / true", "the tool's camera source"]
    body = []
    for r in results:
        if r.path != path:
            continue
        row = [*_row_title(_row_key(r.view)), yaw_label(r.view.yaw_deg)]
        if r.note:
            body.append(row + ["failed"] * len(DETAIL_MEASURES) + ["-", "-", r.note])
            continue
        row += [error_cell(r.scores.get(m)) for m in DETAIL_MEASURES]
        est = r.estimate
        row += [
            f"{with_sd(est.pitch_deg, est.pitch_sd_deg) if est else '?'} / {r.true_pitch_deg:.0f}",
            f"{with_sd(est.roll_deg, est.roll_sd_deg) if est else '?'} / {r.true_roll_deg:.0f}",
            est.source.replace("|", "/") if est else "-",
        ]
        body.append(row)
    return _table(head, body)


TRUST_LEGEND = (
    f"share of frames with confidence >= {MIN_CONFIDENCE:g} (the tool's own threshold) / "
    f"share of those within {RIGHT_WITHIN_DEG:g} deg of the reference / largest error among them"
)
