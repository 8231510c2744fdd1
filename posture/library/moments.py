"""An assessment's worst moments, for the before / after report and the dashboard.

While its output folder is on this machine (``landmarks.npz`` and ``annotated.mp4``), the
analysis is rebuilt by re-scoring the landmarks with the stored settings (seconds, no pose
model) and the report's own moments are taken, pictures included (faces blurred). Without the
folder, the worst lift and the summary's peaks are told in words.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posture.core.errors import PostureError

if TYPE_CHECKING:
    from posture.run.recorded import Result


def rebuilt(assessment: Mapping[str, Any]) -> Result | None:
    """The assessment's analysis, from its output folder; None when that is not here (another
    machine, deleted, or re-used for another analysis) or the settings are not readable."""
    from posture.core.config import DEFAULTS, override
    from posture.run.recorded import analyze_landmarks

    folder = Path(str(assessment.get("output_dir") or ""))
    npz, summary = folder / "landmarks.npz", folder / "summary.json"
    if not assessment.get("output_dir") or not npz.is_file() or not summary.is_file():
        return None
    try:  # the folder must still hold this analysis, not a later one written over it
        if json.loads(summary.read_text(encoding="utf-8")) != assessment.get("summary"):
            return None
        settings = override(DEFAULTS, dict(assessment.get("settings") or {}))
        result = analyze_landmarks(npz, settings)
    except (PostureError, OSError, ValueError):
        return None
    video = folder / "annotated.mp4"
    if video.is_file():
        result.outputs["video"] = video
    return result


def moments_html(assessment: Mapping[str, Any], *, pictures: bool = True) -> str:
    """Figures of the worst moments (pictures when the output folder is here), else words."""
    result = rebuilt(assessment) if pictures else None
    if result is not None:
        return _pictures(result)
    return _in_words(assessment)


def _pictures(result: Result) -> str:
    from posture.report import key_moments
    from posture.report.figures import moment_pictures

    moments = key_moments(result)
    if not moments:
        return '<p class="note">No pose was seen, so there is no moment to show.</p>'
    pics = moment_pictures(result, [m.row for m in moments], blur_faces=True)
    t0 = float(result.analysis.t_s[0])
    if not pics:  # analysed without the annotated video: the moments in words
        items = "".join(
            f"<li><b>{html.escape(m.title)}</b> at {m.t_s - t0:.1f} s, "
            f"{html.escape(str(result.analysis.cues.risk_level[m.row]))} risk</li>"
            for m in moments
        )
        return f"<ul>{items}</ul><p class='note'>No pictures: analysed without the video.</p>"
    figs = []
    for m in moments:
        img = (
            f'<img alt="frame {m.row}" src="data:image/png;base64,{pics[m.row]}">'
            if m.row in pics
            else '<p class="note">(no annotated video to take the picture from)</p>'
        )
        level = str(result.analysis.cues.risk_level[m.row])
        cap = f"<b>{html.escape(m.title)}</b> at {m.t_s - t0:.1f} s, {html.escape(level)} risk"
        figs.append(f"<figure>{img}<figcaption>{cap}</figcaption></figure>")
    return "".join(figs) + '<p class="note">Faces are blurred in these pictures.</p>'


def _in_words(assessment: Mapping[str, Any]) -> str:
    from posture.assess.tables import worst_lift
    from posture.report import lift_text

    s = assessment.get("summary") or {}
    items = []
    rows = list(assessment.get("lift_rows") or [])
    worst = worst_lift(rows) if rows else None
    if worst is not None:
        items.append(
            f"Worst lift: {lift_text(worst)} at {worst.get('lowest_s', 0):.1f} s, trunk bent "
            f"{worst.get('trunk_flexion_at_lowest_deg') or '-'}°, knees "
            f"{worst.get('knee_flexion_at_lowest_deg') or '-'}°"
        )
    trunk = (s.get("measures") or {}).get("trunk_flexion_deg") or {}
    if trunk:
        items.append(f"Deepest trunk bend: {trunk.get('peak')}°")
    if s.get("reba_peak") is not None:
        items.append(f"REBA peak: {s['reba_peak']:g}")
    where = assessment.get("output_dir") or "no output folder"
    items_html = "".join(f"<li>{html.escape(i)}</li>" for i in items) or "<li>none</li>"
    return (
        f"<ul>{items_html}</ul><p class='note'>No pictures: the output folder "
        f"({html.escape(str(where))}) is not on this machine or holds another analysis.</p>"
    )
