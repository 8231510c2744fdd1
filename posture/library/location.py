"""Where the library is: a file path (SQLite, the default in the user's data folder) or a
PostgreSQL URL, turned into the URL SQLAlchemy opens."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from posture.core.errors import PostureError

ENV_VAR = "POSTURE_LIBRARY"
FILE_NAME = "library.sqlite3"


class LibraryError(PostureError):
    """The library cannot be opened, read or written (the message says why)."""


# ---------------------------------------------------------------------------------------------
def default_path() -> Path:
    """``$XDG_DATA_HOME/posture/library.sqlite3`` (``~/.local/share/...`` when unset)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "posture" / FILE_NAME


def resolve(target: str | Path | None = None) -> str:
    """The SQLAlchemy URL of the library: ``target`` (``--library``), else ``$POSTURE_LIBRARY``,
    else the default file. A ``postgresql://`` URL is a server; anything else a file path."""
    text = str(target) if target is not None else os.environ.get(ENV_VAR, "")
    if not text.strip():
        return f"sqlite:///{default_path()}"
    text = text.strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if scheme == "sqlite" or text.startswith("sqlite:"):
        return text
    if scheme:
        raise LibraryError(
            f"--library takes a file path or a postgresql:// URL, not a {scheme}:// address"
        )
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def display(url: str | sa.URL) -> str:
    """The URL without its password, for messages."""
    u = sa.make_url(url)
    if u.drivername.startswith("sqlite"):
        return u.database or ":memory:"
    return u.render_as_string(hide_password=True).replace("+psycopg", "")
