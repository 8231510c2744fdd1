"""Who was in a recording: each person's summary (presence, place, when they were seen best) for
picking a person, and the subject rule (the person most visible over the clip).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from posture.core.geometry import nanmean
from posture.core.landmarks import PoseRecording
from posture.video.appearance import TORSO, landmark_box, presences, torso_anchor
from posture.video.identity import TrackPart


@dataclass(frozen=True)
class TrackSummary:
    """What a user needs to pick a person: id, presence, and where they are in the frame."""

    person_id: int
    frames: int
    share_of_clip: float
    mean_x: float  # 0 left .. 1 right
    mean_size: float  # torso size in frame heights
    visibility: float
    score: float
    best_t_s: float = float("nan")  # when they were seen best (largest, most visible)
    best_box: tuple[float, float, float, float] | None = None  # (x0, y0, x1, y1) then, 0..1

    def describe(self) -> str:
        where = "left" if self.mean_x < 0.4 else "right" if self.mean_x > 0.6 else "centre"
        return (
            f"person {self.person_id}: in view {self.share_of_clip:.0%} of the clip, {where} of "
            f"the picture, torso {self.mean_size:.2f} of the frame height, "
            f"landmarks {self.visibility:.0%} visible"
        )

    def as_dict(self) -> dict[str, Any]:
        """summary.json's ``people`` entry: the fields and the description."""
        return self.__dict__ | {"description": self.describe()}


def summarise(
    person_id: int,
    image: np.ndarray,
    vis: np.ndarray,
    t_s: np.ndarray,
    n_frames: int,
    aspect: float,
    *,
    score: float | None = None,
) -> TrackSummary:
    """A person's summary from the image landmarks ``(F, 33, 3)`` (float32 or float64: the
    figures are the same), visibility ``(F, 33)`` and times ``(F,)`` of the ``F`` frames they
    were seen in, out of ``n_frames``; ``score`` (the subject rule's weight) computed here
    unless given."""
    seen = len(image)
    each = presences(image, vis, aspect) if seen else np.zeros(0)
    if score is None:
        score = float(each.sum())
    # seen best: at the 90th percentile of presence (the very largest is often a glitch)
    best = int(np.argmin(np.abs(each - np.percentile(each, 90)))) if seen else -1
    box = None
    if seen:
        x0, y0, x1, y1 = (round(float(v), 4) for v in landmark_box(image[best], vis[best]))
        box = (x0, y0, x1, y1)
    return TrackSummary(
        person_id=person_id,
        frames=seen,
        share_of_clip=seen / max(n_frames, 1),
        mean_x=float(nanmean(image[:, list(TORSO), 0].astype(np.float64).ravel(), axis=0)),
        mean_size=float(np.mean([torso_anchor(i, aspect)[1] for i in image[::10]]))
        if seen
        else float("nan"),
        visibility=float(nanmean(vis.ravel(), axis=0)),
        score=score,
        best_t_s=float(t_s[best]) if seen else float("nan"),
        best_box=box,
    )


def recording_summaries(rec: PoseRecording) -> list[TrackSummary]:
    """:class:`TrackSummary` of each person of a recording read back from ``landmarks.npz``
    (people without image landmarks get none)."""
    out = []
    for p in rec.people:
        if not p.has_image:
            continue
        # seen in every frame (a subject, usually): the arrays themselves, not copies of them
        found = slice(None) if p.pose_found.all() else p.pose_found
        out.append(
            summarise(
                p.person_id,
                p.image_xyz[found],  # float32: summarise takes what it needs in float64
                p.visibility[found].astype(np.float64),
                p.t_s[found],
                len(p.t_s),
                p.aspect,
            )
        )
    return out


def most_visible_person(rec: PoseRecording) -> int:
    """The subject rule applied to a recording read back from ``landmarks.npz``."""
    best, best_score = rec.people[0].person_id, -1.0
    for p in rec.people:
        if not p.has_image:
            score = float(p.pose_found.sum())
        else:
            img = p.image_xyz.astype(np.float64)
            torso = img[:, list(TORSO), :2] * np.array([p.aspect, 1.0])
            size = np.linalg.norm(
                torso[:, :2].mean(1) - torso[:, 2:].mean(1), axis=-1
            ) + np.linalg.norm(torso[:, 0] - torso[:, 1], axis=-1)
            vis = nanmean(p.visibility[:, list(TORSO)], axis=1)
            score = float(np.nansum(size * np.nan_to_num(vis, nan=1.0)))
        if score > best_score:
            best, best_score = p.person_id, score
    return best


def people_summaries(
    people: Sequence[TrackPart], t_s: np.ndarray, aspect: float
) -> list[TrackSummary]:
    """:class:`TrackSummary` of each person of a recording, from their tracks; ``t_s`` ``(N,)``
    the time of every frame."""
    return [
        summarise(
            p.track_id,
            p.image_xyz,  # float32: summarise takes what it needs in float64 (no 43 MB copy)
            p.visibility.astype(np.float64),
            t_s[p.rows],
            len(t_s),
            aspect,
        )
        for p in people
    ]
