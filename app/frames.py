"""One frame of an annotated video by time, for the frame scrubber and the comparison.

The library's ``posture.video.read_frame`` seeks and decodes; here it is cached and shown. The
annotated video's timestamps are the analysis' ``t_s`` (``posture.video.VideoWriter`` keeps
them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import streamlit as st

from posture.video import read_frame


def frame_at(video: Path, t_s: float) -> np.ndarray | None:
    """The RGB frame shown at ``t_s`` seconds (the nearest one), or None if unreadable."""
    return read_frame(video, t_s)


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
