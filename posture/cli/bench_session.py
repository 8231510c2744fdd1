"""Live cost per frame over a long session: is it flat?

A clip is looped into a stream of ``--minutes`` minutes (its timestamps carried on from loop to
loop, as a camera's would be), and every frame goes through :class:`posture.run.live.LiveSession`
in order: tracking, each person's streaming analysis, drawing. The pose model runs once over the
clip beforehand and its detections are given back frame by frame to the stream's tracker (in
place of the people finder's graphs, the second look included): the model's cost does not
depend on the session's length, everything after it could, and that is what is timed. The
cost per frame is reported minute by minute: flat means the last minute costs what the first
did.

Run: ``posture bench --live --minutes 10 [CLIP]``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from posture.core.config import DEFAULTS, Settings
from posture.video.pose import DetectedPose, ModelInfo
from posture.video.tracking import PersonTracker


class ReplayedPeople:
    """A stand-in for the people finder (:class:`posture.run.live.FindsPeople`): detections
    made once, given back in order (looping) to the stream's tracker."""

    def __init__(self, tracker: PersonTracker, detections: list[list[DetectedPose]]) -> None:
        self.tracker, self.detections, self._i = tracker, detections, 0

    def __call__(
        self, frame_index: int, t_s: float, rgb: np.ndarray
    ) -> list[tuple[int, DetectedPose]]:
        found = self.detections[self._i % len(self.detections)]
        self._i += 1
        return self.tracker.update(frame_index, t_s, found, rgb)

    def close(self) -> None:
        pass


def _detect_once(clip: Path, settings: Settings) -> tuple[list[list[DetectedPose]], ModelInfo]:
    from posture.video.io import open_video
    from posture.video.pose import PoseEstimator

    with open_video(clip) as src, PoseEstimator(settings.pose) as est:
        return [est.detect(f.rgb, round(f.t_s * 1000)) for f in src], est.model


def measure_session(clip: Path, minutes: float, settings: Settings = DEFAULTS) -> dict[str, Any]:
    """Per-minute cost of a frame (ms) over ``minutes`` of the clip looped."""
    from posture.run.live import LiveSession
    from posture.video.io import open_video

    detections, model = _detect_once(clip, settings)
    session = LiveSession(
        settings, model=model, finder=lambda tracker: ReplayedPeople(tracker, detections)
    )
    costs: list[tuple[float, float]] = []  # (stream time, ms)
    offset, started = 0.0, time.perf_counter()
    try:
        while offset < minutes * 60.0:
            with open_video(clip) as src:
                last = 0.0
                for frame in src:
                    t = offset + frame.t_s
                    if t >= minutes * 60.0:
                        break
                    t0 = time.perf_counter()
                    session.update(frame.rgb, t)
                    costs.append((t, 1000.0 * (time.perf_counter() - t0)))
                    last = frame.t_s
            offset += last + 1.0 / max(src.info.fps, 1.0)
    finally:
        session.close()
    t, ms = np.array(costs).T
    per_minute = []
    for k in range(int(np.ceil(minutes))):
        sel = (t >= 60 * k) & (t < 60 * (k + 1))
        if sel.any():
            per_minute.append(
                {
                    "minute": k + 1,
                    "frames": int(sel.sum()),
                    "median_ms": round(float(np.median(ms[sel])), 2),
                    "p95_ms": round(float(np.percentile(ms[sel], 95)), 2),
                }
            )
    first, last_min = per_minute[0], per_minute[-1]
    return {
        "clip": clip.name,
        "minutes": minutes,
        "frames": len(ms),
        "wall_s": round(time.perf_counter() - started, 1),
        "per_minute": per_minute,
        "last_over_first_median": round(last_min["median_ms"] / first["median_ms"], 3),
    }


def report(result: dict[str, Any], as_json: bool = False) -> str:
    if as_json:
        return json.dumps(result, indent=2)
    lines = [
        f"{result['clip']} looped for {result['minutes']:g} min ({result['frames']} frames, "
        f"{result['wall_s']} s): tracking, analysis and drawing per frame (pose model excluded)"
    ]
    for m in result["per_minute"]:
        lines.append(
            f"  minute {m['minute']:>3}: median {m['median_ms']:.1f} ms, p95 {m['p95_ms']:.1f} ms"
        )
    lines.append(f"  last minute / first minute (median): {result['last_over_first_median']}")
    return "\n".join(lines)
