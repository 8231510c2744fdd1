"""A fix for Streamlit 1.60 with Starlette 1.5 or newer: media files answered with HTTP 500.

Streamlit 1.60's gzip responders (``streamlit.web.server.starlette.starlette_gzip_middleware``)
hold back the response start of every response and expect Starlette to send it with the first
body chunk. Starlette 1.5 changed that: for content it does not compress (video, images) it
sends the start itself, from the start message, so with Streamlit's override nobody sends it and
every ``/media/...`` file (``st.video``, ``st.image``, downloads) and ``/favicon.png`` fails with
"Expected ASGI message 'http.response.start'". Starlette 1.5 also excludes audio and video from
compression on its own (what Streamlit's override was for), so removing the override is safe.

The real fix is a compatible pair of versions in ``pyproject.toml`` (``starlette<1.4`` with
Streamlit 1.60, or a Streamlit that uses Starlette's own media handling, streamlit/streamlit
PR #16462). Until then the dashboard applies this when its script first runs; it does nothing
on compatible versions.
"""

from __future__ import annotations

import inspect


def known_starlette_problem() -> bool:
    """Whether this Streamlit/Starlette pair has the problem (fixed or not yet)."""
    try:
        import streamlit
        from starlette.middleware.gzip import IdentityResponder
    except ImportError:
        return False
    native = "exclude_content_types" in inspect.signature(IdentityResponder.__init__).parameters
    return native and streamlit.__version__.startswith("1.60.")


def needs_fix() -> bool:
    """Whether the installed Streamlit/Starlette pair has the media-500 problem."""
    try:
        from starlette.middleware.gzip import IdentityResponder
        from streamlit.web.server.starlette import starlette_gzip_middleware as gz
    except ImportError:
        return False
    native = "exclude_content_types" in inspect.signature(IdentityResponder.__init__).parameters
    overridden = any(
        "send_with_compression" in vars(cls)
        for cls in (gz._MediaAwareGZipResponder, gz._MediaAwareIdentityResponder)
    )
    return native and overridden


def apply() -> bool:
    """Remove Streamlit's overrides when they break media; returns whether it changed anything."""
    if not needs_fix():
        return False
    from streamlit.web.server.starlette import starlette_gzip_middleware as gz

    for cls in (gz._MediaAwareGZipResponder, gz._MediaAwareIdentityResponder):
        if "send_with_compression" in vars(cls):
            delattr(cls, "send_with_compression")
    return True
