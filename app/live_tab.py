"""Live coaching tab (placeholder while being built)."""

from __future__ import annotations

import streamlit as st

from app.settings_panel import PageSettings


def render(page: PageSettings) -> None:
    st.info("Live coaching is coming.")
