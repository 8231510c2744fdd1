"""Alembic's entry point: run by :func:`posture.library.store.upgrade` on a connection it has
already opened (and, on SQLite, locked), never from an ``alembic.ini``."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
# SQLite cannot ALTER most things in place: batch mode copies the table (for later revisions)
context.configure(connection=connection, render_as_batch=True, transaction_per_migration=False)
with context.begin_transaction():
    context.run_migrations()
