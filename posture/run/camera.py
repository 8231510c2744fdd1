"""What a run knows of the camera beyond the person: the scene's gravity and the lens.

A recorded run samples frames for the scene as it goes (:class:`posture.video.scene.
SceneSampler`, a line detection every half second, in the frame loop; each segment of a
parallel run samples its own frames and :func:`join_samples` puts them together); once the frames
are in, :func:`scene_evidence` turns them into a gravity cue for the analysis
(:mod:`posture.core.gravity` fuses it with the person's) and, when the scene shows the focal
length and none was given, the lens's field of view. Both are kept in the recording's meta
(``landmarks.npz``), so re-scoring a run (``--landmarks``) keeps what the scene showed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from posture.core.config import Settings
from posture.core.gravity import GravityCue
from posture.core.landmarks import PoseRecording
from posture.video.scene import SceneGravity, estimate_scene_gravity, people_at
from posture.video.scene_lines import SceneSample

#: The recording's meta key that keeps the scene's evidence.
META_KEY = "scene"
#: The scene's cue, as named in ``summary.json`` ``geometry.camera.sources``.
SCENE_SOURCE = "the scene's vertical lines"


@dataclass(frozen=True)
class SceneEvidence:
    """The scene's gravity cue (None: the scene did not tell), the lens's field of view it
    showed (None: not shown), and its report for summary.json (``geometry.scene``)."""

    cue: GravityCue | None = None
    hfov_deg: float | None = None
    report: dict[str, Any] = field(default_factory=dict)

    def as_meta(self) -> dict[str, Any]:
        """For the recording's meta: the report, and the cue and lens at full precision (a
        re-scored run must read exactly what the first one did)."""
        c = self.cue
        cue = None if c is None else [c.pitch_deg, c.roll_deg, c.sigma_pitch_deg, c.sigma_roll_deg]
        return {"report": self.report, "hfov_deg": self.hfov_deg, "cue": cue, "frames": _frames(c)}


def _frames(cue: GravityCue | None) -> int:
    return 0 if cue is None else cue.frames


def cue_of(g: SceneGravity) -> GravityCue | None:
    """A found, single estimate of the scene as a gravity cue (a camera that moved has none)."""
    if not g.found:
        return None
    return GravityCue(
        SCENE_SOURCE,
        g.pitch_deg,
        g.roll_deg,
        g.pitch_sigma_deg,
        g.roll_sigma_deg,
        "scene",
        g.n_frames,
    )


def scene_evidence(
    sample: SceneSample | None, rec: PoseRecording, settings: Settings
) -> SceneEvidence:
    """The scene's evidence from the frames sampled during the run, its people left out."""
    if sample is None or not settings.view.scene_gravity:
        return SceneEvidence(report={"found": False, "reason": "not looked for (settings)"})
    if not sample.segments:
        return SceneEvidence(report={"found": False, "reason": "no frame was sampled"})
    if rec.people:
        sample = sample.with_people(people_at(rec, sample))
    return evidence_of(sample, settings)


def evidence_of(sample: SceneSample, settings: Settings) -> SceneEvidence:
    """The scene's evidence from sampled frames whose people are already in ``sample``."""
    g = estimate_scene_gravity(sample, hfov_deg=settings.view.camera_hfov_deg, settings=settings)
    hfov = None
    if g.found and g.focal_source == "estimated" and settings.view.camera_hfov_deg is None:
        hfov = math.degrees(2 * math.atan(sample.size[0] / 2 / g.focal_px))
    return SceneEvidence(cue_of(g), hfov, g.as_dict())


def evidence_from_meta(rec: PoseRecording) -> SceneEvidence:
    """The scene's evidence kept in a recording (a run's ``landmarks.npz``), or none."""
    kept = rec.meta.get(META_KEY)
    if not isinstance(kept, dict) or not isinstance(kept.get("report"), dict):
        return SceneEvidence()
    r = kept["report"]
    cue = None
    if isinstance(kept.get("cue"), list) and len(kept["cue"]) == 4:
        pitch, roll, sp, sr = (float(x) for x in kept["cue"])
        cue = GravityCue(SCENE_SOURCE, pitch, roll, sp, sr, "scene", int(kept.get("frames") or 0))
    hfov = kept.get("hfov_deg")
    return SceneEvidence(cue, float(hfov) if hfov is not None else None, r)


def effective_hfov_deg(settings: Settings, evidence: SceneEvidence) -> tuple[float | None, str]:
    """The field of view to undo perspective with, and where it came from."""
    if settings.view.camera_hfov_deg is not None:
        return settings.view.camera_hfov_deg, "given"
    if evidence.hfov_deg is not None:
        return evidence.hfov_deg, "the scene"
    return None, "assumed"


def join_samples(samples: Sequence[SceneSample | None], max_frames: int) -> SceneSample | None:
    """The frames several segments of one video sampled, in time order, at most
    ``max_frames`` spread evenly over them (None: no segment sampled)."""
    kept = [x for x in samples if x is not None and x.segments]
    if not kept:
        return None
    t_s = np.concatenate([x.t_s for x in kept])
    order = np.argsort(t_s, kind="stable")
    if order.size > max_frames > 0:
        order = order[np.linspace(0, order.size - 1, max_frames).round().astype(int)]
    segments = [s for x in kept for s in x.segments]
    people = [p for x in kept for p in x.people]
    return SceneSample(
        tuple(segments[i] for i in order),
        t_s[order],
        np.concatenate([x.index for x in kept])[order],
        tuple(people[i] for i in order),
        kept[0].size,
    )
