"""The library's database: where it is, opening it (and building or migrating its schema),
writing an assessment, reading, filtering and deleting them.

SQLite (one file, the default) and PostgreSQL (a team's server) run the same code through
SQLAlchemy Core. Writers never lose each other's rows:

* SQLite: write-ahead logging (readers never block the writer), every write transaction taken
  with ``BEGIN IMMEDIATE`` (writers queue for the file's lock at the start instead of failing
  half-way), a 30 s busy timeout, and the whole transaction retried if the lock still could not
  be had. ``secure_delete`` overwrites deleted rows with zeros, and a checkpoint after a delete
  empties the log, so a deleted worker's name is gone from the file.
* PostgreSQL: each write is one transaction; the rare conflict (two writers adding the same
  recording at once, a serialization failure) is retried; migrations hold an advisory lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from posture.library import schema
from posture.library.location import ENV_VAR, LibraryError, default_path, display, resolve
from posture.library.schema import assessments, recordings

__all__ = ["ENV_VAR", "Filters", "Library", "LibraryError", "default_path", "resolve"]

BUSY_TIMEOUT_S = 30.0
ATTEMPTS = 8
#: Held while PostgreSQL migrates, so two first users do not build the schema twice.
PG_MIGRATION_LOCK = 0x706F7374  # "post"

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# opening
# ---------------------------------------------------------------------------------------------
def _sqlite_engine(url: sa.URL) -> Engine:
    path = Path(url.database or "")
    if url.database and url.database != ":memory:":
        if path.is_dir():
            raise LibraryError(f"the library {path} is a folder, not a file")
        fresh = not path.exists()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if fresh:  # the library holds workers' names: readable by its owner only
                path.touch(mode=0o600)
        except OSError as exc:
            raise LibraryError(f"cannot create the library {path}: {exc.strerror}") from exc
    engine = sa.create_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # transactions begun below, not by the sqlite3 module
        cur = dbapi.cursor()
        for pragma in (
            "journal_mode=WAL",
            f"busy_timeout={int(BUSY_TIMEOUT_S * 1000)}",
            "foreign_keys=ON",
            "secure_delete=ON",
            "synchronous=NORMAL",
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("posture_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _pg_engine(url: sa.URL) -> Engine:
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise LibraryError(
            "a PostgreSQL library needs the psycopg driver: pip install -e '.[postgresql]'"
        ) from exc
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, sa.exc.IntegrityError):
        return True  # two writers adding the same recording: the second finds it on retry
    if isinstance(exc, sa.exc.OperationalError | sa.exc.DBAPIError):
        text = str(getattr(exc, "orig", exc)).lower()
        code = getattr(getattr(exc, "orig", None), "sqlstate", None)
        return "locked" in text or "busy" in text or code in ("40001", "40P01", "55P03", "57014")
    return False


class Library:
    """An open library. Thread-safe (one engine, a pool of connections); close it when done."""

    def __init__(self, target: str | Path | None = None) -> None:
        self.url = sa.make_url(resolve(target))
        self.location = display(self.url)
        self.is_sqlite = self.url.drivername.startswith("sqlite")
        try:
            self.engine = _sqlite_engine(self.url) if self.is_sqlite else _pg_engine(self.url)
            self._writer = self.engine.execution_options(posture_write=True)
            self._retry(self._migrate)
        except sa.exc.SQLAlchemyError as exc:
            raise LibraryError(f"cannot open the library {self.location}: {_why(exc)}") from exc
        self._lock = threading.Lock()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -----------------------------------------------------------------------------------------
    def _retry(self, work: Callable[[], T]) -> T:
        """``work`` again, after a short random pause, while it fails on a conflict another
        writer caused (the library busy, the same recording added at once)."""
        for attempt in range(ATTEMPTS):
            try:
                return work()
            except sa.exc.SQLAlchemyError as exc:
                if attempt == ATTEMPTS - 1 or not _retryable(exc):
                    raise
                time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
        raise AssertionError("unreachable")

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._writer.begin() as conn:
            if not self.is_sqlite:
                conn.execute(sa.text("SET LOCAL lock_timeout = '30s'"))
            yield conn

    def _migrate(self) -> None:
        """Build the schema, or bring it to this version's revision (Alembic)."""
        with self.engine.connect() as conn:
            if _revision(conn) == schema.SCHEMA_REVISION:
                return
        from alembic import command
        from alembic.config import Config

        with self._write() as conn:
            if not self.is_sqlite:
                conn.execute(sa.text(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})"))
            current = _revision(conn)
            if current == schema.SCHEMA_REVISION:
                return  # another process built it while this one waited for the lock
            cfg = Config()
            cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
            cfg.attributes["connection"] = conn
            _check_known(cfg, current, self.location)
            command.upgrade(cfg, "head")

    # -----------------------------------------------------------------------------------------
    def record(self, entry: Any) -> int:
        """Store one assessment (a :class:`posture.library.entry.Entry`); returns its id. An
        entry whose ``dedupe_key`` is already there replaces that assessment."""
        try:
            return self._retry(lambda: self._record(entry))
        except sa.exc.SQLAlchemyError as exc:
            raise LibraryError(
                f"could not write to the library {self.location}: {_why(exc)}"
            ) from exc

    def _record(self, entry: Any) -> int:
        with self._write() as conn:
            rec_id = _recording_id(conn, entry.recording)
            row = {**entry.assessment, "recording_id": rec_id}
            old = None
            if row.get("dedupe_key"):
                old = conn.execute(
                    sa.select(assessments.c.id, assessments.c.recording_id).where(
                        assessments.c.dedupe_key == row["dedupe_key"]
                    )
                ).first()
            if old is not None:
                aid = int(old.id)
                _delete_children(conn, [aid])
                conn.execute(assessments.update().where(assessments.c.id == aid).values(row))
                if old.recording_id != rec_id:
                    _drop_orphan_recordings(conn, [int(old.recording_id)])
            else:
                aid = _inserted_id(conn.execute(assessments.insert().values(row)))
            for table, rows in zip(schema.CHILD_TABLES, entry.children(), strict=True):
                if rows:
                    conn.execute(table.insert(), [{**r, "assessment_id": aid} for r in rows])
            return aid

    # -----------------------------------------------------------------------------------------
    def query(self, filters: Filters | None = None) -> list[dict[str, Any]]:
        """Assessments matching ``filters``, newest first, with their recording's name."""
        f = filters or Filters()
        q = (
            sa.select(
                *[c for c in assessments.c if c.name not in ("summary_json", "settings_json")],
                recordings.c.name.label("recording"),
                recordings.c.sha256,
                recordings.c.duration_s,
            )
            .join(recordings, recordings.c.id == assessments.c.recording_id)
            .where(*f.clauses())
            .order_by(assessments.c.assessed_on.desc(), assessments.c.id.desc())
        )
        if f.limit:
            q = q.limit(f.limit)
        return self._read(lambda conn: [_named(dict(r._mapping)) for r in conn.execute(q)])

    def get(self, assessment_id: int) -> dict[str, Any]:
        """One assessment in full: its row, recording, lifts, score levels, cues and summary."""

        def read(conn: Connection) -> dict[str, Any]:
            row = conn.execute(
                sa.select(assessments).where(assessments.c.id == assessment_id)
            ).first()
            if row is None:
                raise LibraryError(f"no assessment {assessment_id} in the library {self.location}")
            out = dict(row._mapping)
            rec = conn.execute(
                sa.select(recordings).where(recordings.c.id == out["recording_id"])
            ).first()
            out["recording"] = dict(rec._mapping) if rec is not None else {}
            out["summary"] = json.loads(out.pop("summary_json"))
            out["settings"] = json.loads(out.pop("settings_json"))
            lifts, levels, cues = (
                [
                    dict(r._mapping)
                    for r in conn.execute(
                        sa.select(t)
                        .where(t.c.assessment_id == assessment_id)
                        .order_by(*t.primary_key)
                    )
                ]
                for t in schema.CHILD_TABLES
            )
            out["lift_rows"] = [json.loads(r["row_json"]) for r in lifts]
            out["levels"] = {(r["score"], r["level"]): r["time_share"] for r in levels}
            out["cue_rows"] = cues
            return out

        return self._read(read)

    def delete(self, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Delete assessments (their lifts, cues, personal fields; a recording no other
        assessment refers to goes too). Returns what was deleted (for its output files)."""
        gone = [self.get(i) for i in ids]  # raises for an unknown id before deleting any

        def work() -> None:
            with self._write() as conn:
                wanted = [int(i) for i in ids]
                _delete_children(conn, wanted)
                conn.execute(assessments.delete().where(assessments.c.id.in_(wanted)))
                _drop_orphan_recordings(conn, [g["recording_id"] for g in gone])

        try:
            self._retry(work)
        except sa.exc.SQLAlchemyError as exc:
            raise LibraryError(
                f"could not delete from the library {self.location}: {_why(exc)}"
            ) from exc
        if self.is_sqlite:  # the deleted rows' pages are zeroed; empty the log that held them
            with contextlib.suppress(sa.exc.SQLAlchemyError), self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return gone

    def _read(self, work: Callable[[Connection], T]) -> T:
        def run() -> T:
            with self.engine.connect() as conn:
                return work(conn)

        try:
            return self._retry(run)
        except sa.exc.SQLAlchemyError as exc:
            raise LibraryError(f"could not read the library {self.location}: {_why(exc)}") from exc


@dataclass(frozen=True)
class Filters:
    """What ``posture library list`` and the dashboard filter on. Text matches ignore case;
    ``search`` looks in the task, worker, site, assessor, notes and the recording's name."""

    task: str = ""
    worker: str = ""
    site: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    search: str = ""
    ids: tuple[int, ...] = ()
    limit: int = 0

    def clauses(self) -> list[sa.ColumnElement[bool]]:
        c = assessments.c
        out: list[sa.ColumnElement[bool]] = []
        for col, value in ((c.task, self.task), (c.worker, self.worker), (c.site, self.site)):
            if value:
                out.append(sa.func.lower(col) == value.strip().lower())
        if self.since:
            out.append(c.assessed_on >= self.since)
        if self.until:
            out.append(c.assessed_on <= self.until)
        if self.ids:
            out.append(c.id.in_(self.ids))
        if self.search:
            like = f"%{self.search.strip().lower()}%"
            cols = (c.task, c.worker, c.site, c.assessor, c.notes, c.source_path, recordings.c.name)
            out.append(sa.or_(*(sa.func.lower(col).like(like) for col in cols)))
        return out


# ---------------------------------------------------------------------------------------------
def _why(exc: BaseException) -> str:
    """The driver's reason, first line only, without SQLAlchemy's background links."""
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def _revision(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _check_known(cfg: Any, current: str | None, where: str) -> None:
    """A library migrated by a newer posture cannot be read by this one: say so."""
    from alembic.script import ScriptDirectory

    if current is None:
        return
    try:
        ScriptDirectory.from_config(cfg).get_revision(current)
    except Exception as exc:
        raise LibraryError(
            f"the library {where} was made by a newer version of posture (schema revision "
            f"{current}); upgrade posture to use it"
        ) from exc


def _recording_id(conn: Connection, rec: dict[str, Any]) -> int:
    """The recording's row (by content hash), added if new; its facts refreshed."""
    found = conn.execute(
        sa.select(recordings.c.id).where(recordings.c.sha256 == rec["sha256"])
    ).scalar()
    if found is None:
        return _inserted_id(conn.execute(recordings.insert().values(rec)))
    facts = {k: v for k, v in rec.items() if k not in ("sha256", "name", "first_seen_at")}
    conn.execute(recordings.update().where(recordings.c.id == found).values(facts))
    return int(found)


def _delete_children(conn: Connection, ids: Sequence[int]) -> None:
    # explicit, not only ON DELETE CASCADE: an SQLite file opened elsewhere without
    # foreign_keys=ON must not keep a deleted assessment's lifts
    for table in schema.CHILD_TABLES:
        conn.execute(table.delete().where(table.c.assessment_id.in_(list(ids))))


def _drop_orphan_recordings(conn: Connection, ids: Sequence[int]) -> None:
    used = sa.select(assessments.c.id).where(assessments.c.recording_id == recordings.c.id)
    conn.execute(recordings.delete().where(recordings.c.id.in_(list(ids)), ~sa.exists(used)))


def _named(row: dict[str, Any]) -> dict[str, Any]:
    """The recording as this assessment named it (one recording copied under two names is
    stored once, by its content)."""
    if row.get("source_path"):
        row["recording"] = Path(str(row["source_path"])).name
    return row


def _inserted_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])
