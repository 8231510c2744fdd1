"""The library's store on SQLite and on a real PostgreSQL server: what is recorded is read
back whole, filters find it, a repeated analysis replaces its entry, deletion takes everything
(personal fields included), the schema is the migrations', and concurrent writers lose nothing.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from posture.assess.tables import lift_rows
from posture.core.config import DEFAULTS
from posture.library import (
    AssessmentFields,
    Filters,
    Library,
    LibraryError,
    make_entry,
    resolve,
    schema,
)
from posture.library.entry import Entry, entry_from_result
from posture.run.recorded import Result, analyze_landmarks

DEMO = Path(__file__).resolve().parents[2] / "sample_videos" / "demo_landmarks.npz"


@pytest.fixture(scope="module")
def demo() -> Result:
    """The synthetic demo session analysed (three lifts; no pose model)."""
    if not DEMO.is_file():
        pytest.skip(f"{DEMO} is missing")
    return analyze_landmarks(DEMO, DEFAULTS)


def entry(result: Result, n: int = 0, **fields: Any) -> Entry:
    """An entry for ``result`` as the n-th recording (its own content hash)."""
    return make_entry(
        result.summary(),
        lift_rows(result.analysis),
        sha256=f"{n:064x}",
        name=f"recording-{n}.mp4",
        origin="cli",
        output_dir=f"/results/{n}",
        fields=AssessmentFields(**fields),
    )


def test_an_assessment_is_read_back_whole(library: Library, demo: Result) -> None:
    s = demo.summary()
    aid = library.record(
        entry(demo, task="palletising", worker="W-17", site="Hall 2", assessor="AB", notes="x")
    )
    [row] = library.query()
    assert row["id"] == aid and row["recording"] == "recording-0.mp4"
    assert (row["task"], row["worker"], row["site"], row["assessor"]) == (
        "palletising",
        "W-17",
        "Hall 2",
        "AB",
    )
    assert row["lifts"] == s["lifts"] == 3
    assert row["risky_lifts"] == s["risky_lifts"]
    assert row["reba_peak"] == s["reba_peak"]
    assert row["time_high_share"] == s["risk_time_share"]["high"]
    assert row["main_cue"] == s["cues"][0]["text"]
    full = library.get(aid)
    assert set(full["summary"]) == set(s) and full["summary"]["cues"] == s["cues"]
    assert [r["lift"] for r in full["lift_rows"]] == [1, 2, 3]
    assert [c["cue"] for c in full["cue_rows"]] == [c["id"] for c in s["cues"]]
    assert full["levels"][("risk", "high")] == s["risk_time_share"]["high"]
    assert full["levels"][("reba", "medium")] == s["reba_time_share"]["medium"]
    assert full["settings"]["task"]["load_kg"] == DEFAULTS.task.load_kg
    assert full["recording"]["sha256"] == f"{0:064x}"


def test_the_assessment_fields_come_from_summary_json_when_not_given(demo: Result) -> None:
    s = {**demo.summary(), "assessment": {"task": "stacking", "date": "2026-11-30"}}
    e = make_entry(s, [], sha256="a" * 64, name="x.mp4", fields=AssessmentFields(site="Site B"))
    assert e.assessment["task"] == "stacking" and e.assessment["site"] == "Site B"
    assert e.assessment["assessed_on"] == dt.date(2026, 11, 30)
    assert e.assessment["worker"] is None  # an empty field is stored empty, not as ""


def test_filters(library: Library, demo: Result) -> None:
    library.record(entry(demo, 1, task="Palletising", worker="W-1", site="Hall 2"))
    library.record(entry(demo, 2, task="palletising", worker="W-2", site="Hall 3"))
    library.record(entry(demo, 3, task="sorting", worker="W-1", date=dt.date(2026, 1, 5)))

    def ids(**kw: Any) -> list[str]:
        return sorted(r["recording"] for r in library.query(Filters(**kw)))

    assert ids(task="PALLETISING") == ["recording-1.mp4", "recording-2.mp4"]
    assert ids(worker="w-1") == ["recording-1.mp4", "recording-3.mp4"]
    assert ids(site="hall 3") == ["recording-2.mp4"]
    assert ids(until=dt.date(2026, 6, 1)) == ["recording-3.mp4"]
    assert ids(since=dt.date(2026, 6, 1)) == ["recording-1.mp4", "recording-2.mp4"]
    assert ids(search="hall") == ["recording-1.mp4", "recording-2.mp4"]
    assert ids(search="recording-3") == ["recording-3.mp4"]
    assert len(library.query(Filters(limit=2))) == 2
    assert library.query()[-1]["recording"] == "recording-3.mp4"  # oldest date last


def test_the_same_analysis_again_replaces_its_entry(library: Library, demo: Result) -> None:
    first = entry(demo, 1, task="a")
    first.assessment["dedupe_key"] = "out:/results/1"
    aid = library.record(first)
    again = entry(demo, 1, task="b")
    again.assessment["dedupe_key"] = "out:/results/1"
    assert library.record(again) == aid
    [row] = library.query()
    assert row["task"] == "b"
    assert len(library.get(aid)["lift_rows"]) == 3  # the lifts replaced, not doubled


def test_delete_takes_the_entry_its_rows_and_an_unused_recording(
    library: Library, demo: Result
) -> None:
    a = library.record(entry(demo, 1, worker="Jane Roe"))
    b = library.record(entry(demo, 1))  # the same recording assessed again
    c = library.record(entry(demo, 2))
    library.delete([a])
    assert sorted(r["id"] for r in library.query()) == [b, c]
    with pytest.raises(LibraryError, match=f"no assessment {a}"):
        library.get(a)
    library.delete([b])
    with library.engine.connect() as conn:
        names = conn.execute(sa.select(schema.recordings.c.name)).scalars().all()
        lifts = conn.execute(sa.select(sa.func.count()).select_from(schema.lifts)).scalar()
    assert names == ["recording-2.mp4"]  # recording 1 is no longer used by any assessment
    assert lifts == 3  # only c's
    with pytest.raises(LibraryError):
        library.delete([c, 999])  # nothing is deleted when one id is unknown
    assert [r["id"] for r in library.query()] == [c]


def test_a_deleted_workers_name_is_gone_from_the_file(tmp_path: Path, demo: Result) -> None:
    path = tmp_path / "lib.sqlite3"
    with Library(path) as lib:
        keep = lib.record(entry(demo, 1, worker="Keepme Worker"))
        gone = lib.record(entry(demo, 2, worker="Zebediah Quux", notes="Zebediah's back"))
        assert keep != gone
        lib.delete([gone])
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("lib."))
    assert b"Keepme Worker" in data  # the control: a name that is there is found
    assert b"Zebediah" not in data


def test_the_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "new" / "lib.sqlite3"
    Library(path).close()
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_the_schema_is_what_the_migrations_build(library: Library) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    with library.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert diff == []
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(schema.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_heads() == [schema.SCHEMA_REVISION] == [version]


def test_a_library_from_a_newer_posture_is_refused(library_url: str) -> None:
    Library(library_url).close()
    with Library(library_url) as lib, lib.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(LibraryError, match="newer version of posture"):
        Library(library_url)


def test_where_the_library_is(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("POSTURE_LIBRARY", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert resolve() == f"sqlite:///{tmp_path / 'data' / 'posture' / 'library.sqlite3'}"
    monkeypatch.setenv("POSTURE_LIBRARY", str(tmp_path / "team.db"))
    assert resolve() == f"sqlite:///{tmp_path / 'team.db'}"
    assert resolve("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(LibraryError, match="mysql://"):
        resolve("mysql://u@h/db")


def test_an_unreachable_server_is_one_clear_error() -> None:
    port = 9  # discard: nothing listens there
    with pytest.raises(LibraryError, match="cannot open the library"):
        Library(f"postgresql://nobody@127.0.0.1:{port}/none")


# ---------------------------------------------------------------------------------------------
# writers at once
# ---------------------------------------------------------------------------------------------
WRITES = 12


def _writer(url: str, first: int, summary: dict[str, Any], rows: list[Any]) -> None:
    """One process: its own connection pool, writing WRITES entries."""
    with Library(url) as lib:
        for n in range(first, first + WRITES):
            lib.record(
                make_entry(summary, rows, sha256=f"{n:064x}", name=f"r{n}.mp4", origin="batch")
            )


def test_writers_at_once_lose_nothing(library_url: str, demo: Result) -> None:
    """Two dashboard users (threads of one server process, one library) and a batch (a
    process of its own) write at once, all starting on a library nobody has opened yet."""
    summary, rows = demo.summary(), lift_rows(demo.analysis)
    ctx = multiprocessing.get_context("spawn")
    batch = [
        ctx.Process(target=_writer, args=(library_url, 1000 * (k + 1), summary, rows))
        for k in range(2)
    ]
    for p in batch:
        p.start()
    errors: list[BaseException] = []
    with Library(library_url) as shared:

        def user(first: int) -> None:
            try:
                for n in range(first, first + WRITES):
                    shared.record(
                        make_entry(
                            summary, rows, sha256=f"{n % 5:064x}", name="u.mp4", origin="dashboard"
                        )
                    )
            except BaseException as exc:  # reported below
                errors.append(exc)

        users = [threading.Thread(target=user, args=(k * 100,)) for k in range(2)]
        for t in users:
            t.start()
        for t in users:
            t.join(timeout=300)
        for p in batch:
            p.join(timeout=300)
        assert not errors, errors
        assert [p.exitcode for p in batch] == [0, 0]
        listed = shared.query()
    assert len(listed) == 4 * WRITES
    # the users' 24 entries share 5 recordings (added at once, each once)
    assert len({r["sha256"] for r in listed}) == 2 * WRITES + 5
    with Library(library_url) as lib, lib.engine.connect() as conn:
        n_lifts = conn.execute(sa.select(sa.func.count()).select_from(schema.lifts)).scalar()
    assert n_lifts == 4 * WRITES * 3


def test_sqlite_is_in_write_ahead_mode(tmp_path: Path) -> None:
    Library(tmp_path / "l.sqlite3").close()
    with sqlite3.connect(tmp_path / "l.sqlite3") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_entry_from_a_result_hashes_the_file(tmp_path: Path, demo: Result) -> None:
    e = entry_from_result(demo, origin="cli", source=DEMO, output_dir=tmp_path)
    import hashlib

    assert e.recording["sha256"] == hashlib.sha256(DEMO.read_bytes()).hexdigest()
    assert e.recording["kind"] == "landmarks" and e.recording["name"] == DEMO.name
    live = entry_from_result(demo, origin="live", source=None, output_dir=None)
    assert live.recording["kind"] == "live" and len(live.recording["sha256"]) == 64
