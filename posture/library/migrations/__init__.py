"""Alembic migrations of the library's schema (applied by :mod:`posture.library.store`)."""
