"""One frame of an annotated video by time, for the frame scrubber and the comparison.

The library's ``posture.video.io.read_frame`` seeks and decodes; here it is cached and shown. The
annotated video's timestamps are the analysis' ``t_s`` (``posture.video.io.VideoWriter`` keeps
them).

The frame is drawn as an inline ``data:`` JPEG, not with ``st.image``: Streamlit's media file
manager drops an image's file on the next rerun, and while the slider is dragged the browser
asks for files already gone (404s and image errors in the console). Each drawing carries a
serial number: Streamlit caches large messages in the browser and later sends only their hash,
and the same frame drawn again a few quick fragment reruns later was such a reference to a
message the browser had already dropped ("Cached ForwardMsg MISS", a fatal page error).
"""

from __future__ import annotations

import base64
import html
import io
import itertools
from pathlib import Path

import numpy as np
import streamlit as st
from PIL import Image

from posture.video.draw import person_crop
from posture.video.io import read_frame

JPEG_QUALITY = 85
_SERIAL = itertools.count()


def frame_at(video: Path, t_s: float) -> np.ndarray | None:
    """The RGB frame shown at ``t_s`` seconds (the nearest one), or None if unreadable."""
    return read_frame(video, t_s)


def jpeg_data_url(rgb: np.ndarray, quality: int = JPEG_QUALITY) -> str:
    """An RGB image ``(H, W, 3)`` uint8 as a ``data:image/jpeg;base64,...`` URL."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


@st.cache_data(max_entries=256, show_spinner=False)
def cached_frame(video: str, mtime_ns: int, t_s: float) -> str | None:
    """The frame at ``t_s`` as a JPEG data URL, remembered (the file's mtime is in the key)."""
    rgb = frame_at(Path(video), t_s)
    return None if rgb is None else jpeg_data_url(rgb)


@st.cache_data(max_entries=64, show_spinner=False)
def person_thumbnail(
    video: str, mtime_ns: int, t_s: float, box: tuple[float, float, float, float]
) -> str | None:
    """A person cut out of the frame where they were seen best, 160 px high, as a JPEG data
    URL (None if the frame cannot be read)."""
    rgb = frame_at(Path(video), t_s)
    crop = None if rgb is None else person_crop(rgb, box)
    if crop is None:
        return None
    small = Image.fromarray(crop)
    small.thumbnail((400, 160))
    return jpeg_data_url(np.asarray(small))


def frame_html(url: str, alt: str, caption: str = "") -> str:
    """An image as wide as its column, with an optional caption."""
    img = (
        f'<img class="frame-img" data-n="{next(_SERIAL)}" src="{url}" alt="{html.escape(alt)}" '
        'style="width:100%;height:auto;display:block;border-radius:4px">'
    )
    if caption:
        img += f"<div class='muted'>{html.escape(caption)}</div>"
    return img


def show_frame(video: Path | None, t_s: float, caption: str = "") -> None:
    """Draw the frame at ``t_s``, or say why there is none."""
    if video is None:
        st.info("No annotated video for this analysis.")
        return
    url = cached_frame(str(video), video.stat().st_mtime_ns, round(t_s, 4))
    if url is None:
        st.warning("This frame could not be read from the annotated video.")
    else:
        st.markdown(
            frame_html(url, f"annotated frame at {t_s:.2f} s", caption), unsafe_allow_html=True
        )
