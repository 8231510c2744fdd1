"""posture dashboard: review a recording, live coaching, compare lifts, the library.

Run with ``streamlit run app/dashboard.py`` (or ``posture dashboard``). Works offline: nothing is
fetched from outside, the webcam stream goes only between the browser and this server.
``kill -USR1`` on the server's process writes where each of its threads is to its standard
error (for a report of a dashboard that hangs).
"""

from __future__ import annotations

import faulthandler
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run app/dashboard.py` puts only app/ on the path
    sys.path.insert(0, str(ROOT))
if hasattr(signal, "SIGUSR1"):
    faulthandler.register(signal.SIGUSR1, all_threads=True)

import streamlit as st  # noqa: E402

from app import compare, library_tab, live_tab, review, settings_panel, widgets  # noqa: E402
from posture.core.config import DEFAULTS  # noqa: E402

TABS = {
    "Review a recording": review.render,
    "Live coaching": live_tab.render,
    "Compare lifts": compare.render,
    "Library": library_tab.render,
}


def main() -> None:
    st.set_page_config(
        page_title="posture · lifting risk",
        page_icon="🏋️",  # an emoji is drawn locally; a :material: icon is fetched from Google
        layout="wide",
        initial_sidebar_state="expanded",
    )
    widgets.style()
    st.title("posture · lifting risk")
    st.markdown(
        "<span class='muted'>Trunk bending, twisting and lifting risk from video, with plain "
        "corrective cues. Everything runs on this computer.</span>",
        unsafe_allow_html=True,
    )
    page = widgets.guarded(settings_panel.sidebar) or settings_panel.PageSettings(DEFAULTS, True)
    tabs = st.tabs(list(TABS), key="tab", on_change="rerun")
    for tab, render in zip(tabs, TABS.values(), strict=True):
        if tab.open:
            with tab:
                widgets.guarded(render, page)


main()
