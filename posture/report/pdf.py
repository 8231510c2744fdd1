"""``report.pdf``: the report's HTML laid out on A4 pages by WeasyPrint, in this process.

WeasyPrint (a Python package; it draws text with the Pango library) implements CSS paged
media: the page size and margins, a footer with the page number and the assessment on every
page, tables and pictures never cut across two pages. The text stays text (searchable, and
readable back), the pictures are embedded. It fetches nothing: every resource of the report is
inline, and any other URL is refused here. Why this engine and not a browser's print-to-PDF:
README, "Report".

Without WeasyPrint or Pango the HTML report is still written; :func:`pdf_unavailable` says
why in one line.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from pathlib import Path
from typing import Any

from posture.core.errors import PostureError

#: What to install when the engine cannot load (Debian names; other systems: README).
INSTALL_HINT = (
    "pip install weasyprint, and the Pango library (Debian/Ubuntu: apt install "
    "libpango-1.0-0 libpangoft2-1.0-0)"
)


class PdfUnavailable(PostureError):
    """The PDF engine (WeasyPrint and Pango) cannot be loaded here."""


@functools.cache
def pdf_unavailable() -> str | None:
    """Why no PDF can be made here (one line), or None when it can."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return f"WeasyPrint is not installed ({INSTALL_HINT})"
    except OSError as exc:  # Pango (or a library it needs) is missing
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"WeasyPrint cannot load the Pango library: {first} ({INSTALL_HINT})"
    return None


def offline_fetcher() -> Any:
    """WeasyPrint's fetcher for ``data:`` URLs only (the report's inline pictures): nothing
    is fetched from a file, a network or anywhere else."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",))


def html_to_pdf(html: str, path: str | Path) -> Path:
    """Lay ``html`` (a self-contained document) out as a PDF at ``path`` (written whole, or
    not at all). Raises :class:`PdfUnavailable` without the engine."""
    reason = pdf_unavailable()
    if reason is not None:
        raise PdfUnavailable(reason)
    from weasyprint import HTML

    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".pdf")
    os.close(fd)
    try:
        # WeasyPrint warns through logging about CSS it skips (the screen-only bits): not
        # the user's concern
        with _quiet_weasyprint():
            HTML(string=html, url_fetcher=offline_fetcher()).write_pdf(tmp)
        os.replace(tmp, p)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return p


@contextlib.contextmanager
def _quiet_weasyprint() -> Any:
    import logging

    logger = logging.getLogger("weasyprint")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
