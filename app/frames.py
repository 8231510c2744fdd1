"""One frame of an annotated video by time, for the frame scrubber and the comparison.

Seeks to the key frame before the time and decodes forward (PyAV), so a frame late in a long
clip costs at most one group of pictures, not the whole clip. The annotated video's timestamps
are the analysis' ``t_s`` (``posture.video.VideoWriter`` keeps them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st


def frame_at(video: Path, t_s: float) -> np.ndarray | None:
    """The RGB frame shown at ``t_s`` seconds (the nearest one), or None if unreadable."""
    import av

    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            if stream.time_base:
                container.seek(max(int((t_s - 0.5) / stream.time_base), 0), stream=stream)
            best, best_dt = None, float("inf")
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                dt = abs(frame.time - t_s)
                if dt < best_dt:
                    best, best_dt = frame, dt
                elif frame.time > t_s:
                    break
            return None if best is None else best.to_ndarray(format="rgb24")
    except (av.error.FFmpegError, OSError, IndexError):
        return None


@st.cache_data(max_entries=256, show_spinner=False)
def cached_frame(video: str, mtime_ns: int, t_s: float) -> np.ndarray | None:
    """:func:`frame_at`, remembered (the file's mtime is part of the key)."""
    return frame_at(Path(video), t_s)


def show_frame(video: Path | None, t_s: float, caption: str = "") -> None:
    """Draw the frame at ``t_s``, or say why there is none."""
    if video is None:
        st.info("No annotated video for this analysis.")
        return
    img = cached_frame(str(video), video.stat().st_mtime_ns, round(t_s, 4))
    if img is None:
        st.warning("This frame could not be read from the annotated video.")
    else:
        st.image(img, caption=caption or None, width="stretch")
