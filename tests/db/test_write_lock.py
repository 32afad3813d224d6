"""Waiting for the write lock: SQLite writes take it with ``BEGIN IMMEDIATE``, wait and retry within the engine's
lock wait, and give up with an error :func:`is_lock_error` recognises, as it does PostgreSQL's lock timeouts."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from leadhunter.db.engine import make_engine, make_session_factory
from leadhunter.db.write_lock import begin_write, is_lock_error, is_unavailable_error
from pg_scratch import scratch_pg_database


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "lock.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    engine.dispose()
    yield path


def _engine(path: Path, wait: float) -> Engine:
    return make_engine(f"sqlite:///{path}", lock_wait_seconds=wait)


def _count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])


def test_a_writer_waits_for_the_lock_and_then_writes(sqlite_file: Path) -> None:
    holder = sqlite3.connect(sqlite_file, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    release = threading.Timer(0.5, holder.commit)  # the other writer finishes while this one waits
    release.start()
    engine = _engine(sqlite_file, wait=30)
    try:
        with make_session_factory(engine).begin() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            seen = session.execute(text("SELECT count(*) FROM t")).scalar()
        assert seen == 2  # it started after the other writer's commit, and sees it
    finally:
        release.join()
        holder.close()
        engine.dispose()
    assert _count(sqlite_file) == 2


def test_a_writer_that_cannot_get_the_lock_gives_up_with_a_lock_error(sqlite_file: Path) -> None:
    holder = sqlite3.connect(sqlite_file, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    engine = _engine(sqlite_file, wait=0.3)
    factory = make_session_factory(engine)
    try:
        with pytest.raises(OperationalError) as caught, factory.begin() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
        assert is_lock_error(caught.value)
        with pytest.raises(OperationalError) as held, factory.begin() as session:
            begin_write(session)  # taking the lock before reading fails the same way
        assert is_lock_error(held.value)
        with factory() as session:  # reads do not need the write lock (WAL)
            assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0
    finally:
        holder.rollback()
        holder.close()
    with factory.begin() as session:  # the engine is fine once the lock is free
        session.execute(text("INSERT INTO t VALUES (1)"))
    engine.dispose()
    assert _count(sqlite_file) == 1


def test_other_errors_are_not_lock_errors(sqlite_file: Path) -> None:
    engine = _engine(sqlite_file, wait=1)
    with pytest.raises(OperationalError) as caught, engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO missing VALUES (1)")
    assert not is_lock_error(caught.value)
    assert not is_lock_error(ValueError("database is locked"))
    engine.dispose()


def test_postgresql_lock_timeouts_are_lock_errors() -> None:
    with scratch_pg_database("leadhunter_locks") as url:
        engine = create_engine(url)
        try:
            with engine.begin() as conn:
                conn.exec_driver_sql("CREATE TABLE t (x INTEGER PRIMARY KEY)")
                conn.exec_driver_sql("INSERT INTO t VALUES (1)")
            with engine.connect() as holder, engine.connect() as waiter:
                holder.begin()
                holder.exec_driver_sql("SELECT x FROM t WHERE x = 1 FOR UPDATE")
                waiter.begin()
                waiter.exec_driver_sql("SET LOCAL lock_timeout = '100ms'")
                with pytest.raises(OperationalError) as caught:
                    waiter.exec_driver_sql("UPDATE t SET x = 2 WHERE x = 1")
                assert is_lock_error(caught.value)
                waiter.rollback()
                holder.rollback()
        finally:
            engine.dispose()


def test_a_schema_defect_is_neither_busy_nor_unavailable_but_a_missing_database_is_unavailable(
        sqlite_file: Path, tmp_path: Path) -> None:
    engine = _engine(sqlite_file, wait=1)
    with pytest.raises(OperationalError) as caught, engine.begin() as conn:
        conn.exec_driver_sql("SELECT * FROM missing")  # a defect: the API answers 500 and reports it
    assert not is_unavailable_error(caught.value) and not is_lock_error(caught.value)
    engine.dispose()
    gone = create_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    with pytest.raises(OperationalError) as caught, gone.connect():
        pass
    assert is_unavailable_error(caught.value)
    unreachable = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    with pytest.raises(OperationalError) as caught, unreachable.connect():
        pass
    assert is_unavailable_error(caught.value)
