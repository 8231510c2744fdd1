"""The annotated video of a live session, kept when the user asked for it before starting.

Each frame shown to the worker (skeleton, readings, cue; mirrored if the view was) goes into
an H.264 MP4 through PyAV, as the recorded pipeline writes ``annotated.mp4``, stamped with the
session's own time, so the session report's worst moments are taken from it by time. Frames
are queued without waiting: when the encoder falls behind, a frame of the recording is
dropped rather than the live picture delayed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from posture.video.io import VideoWriter

if TYPE_CHECKING:
    from posture.run.recorded import Result

#: The time base's nominal rate (timestamps are kept exactly; this is only the stream's label).
NOMINAL_FPS = 15.0


class SessionVideo:
    """Annotated live frames into ``path`` (opened at the first frame, at its size)."""

    def __init__(self, path: str | Path, *, mirrored: bool) -> None:
        self.path = Path(path)
        self.mirrored = mirrored
        self._writer: VideoWriter | None = None
        self.frames = 0
        self.dropped = 0

    def add(self, annotated: np.ndarray, t_s: float) -> None:
        """One frame as shown (RGB), at ``t_s`` seconds of the session."""
        if self._writer is None:
            h, w = annotated.shape[:2]
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = VideoWriter(self.path, (w, h), NOMINAL_FPS)
        if self._writer.write(annotated, t_s, block=False):
            self.frames += 1
        else:
            self.dropped += 1

    def close(self) -> Path | None:
        """Finish the file; its path, or None when no frame was written (or it failed)."""
        writer, self._writer = self._writer, None
        if writer is None:
            return None
        writer.close()
        if writer.error or self.frames == 0 or not self.path.is_file():
            return None
        return self.path

    def attach(self, result: Result) -> Result:
        """``result`` (the session's) with this video as its annotated video: the report's
        pictures come from it (faces blurred where the people were, mirrored if it is)."""
        path = self.close()
        if path is None:
            return result
        source = {**result.source, "mirrored": self.mirrored}
        return dataclasses.replace(result, source=source, outputs={**result.outputs, "video": path})
