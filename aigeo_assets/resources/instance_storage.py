"""The Dagster instance's event log and run storage on SQLite, with a connection each process keeps.

Dagster's ``ConsolidatedSqliteEventLogStorage`` (all runs' events in ``<home>/event_log.db``, which
``aigeo run`` and ``aigeo ui`` configure) makes a new SQLAlchemy engine for every read or write and
closes its connection after it (``NullPool``). A connection's close is where SQLite checkpoints the
write-ahead log into the database and syncs it when no other connection of the process is open, and
every commit syncs the log again (``synchronous=FULL``). A run writes some twenty events, so on the
demo world's 126 runs these opens, commits and closes were about an eighth of the workers' time
(issue 13; sampled with py-spy over a whole `make demo`).

Dagster's ``SqliteRunStorage`` (``<home>/history/runs.db``) does the same for every read or write of a
run's record (its creation, each status change, the queue's and the UI's reads).

``KeptConnectionSqliteEventLogStorage`` and ``KeptConnectionSqliteRunStorage`` are the same storages
(same files, tables and migrations) whose process keeps one engine per file, with a pool of open
connections set to ``synchronous=NORMAL``: in write-ahead-log mode SQLite then syncs at checkpoints
only, and the database stays consistent after a crash (a power loss can take back the last
transactions, i.e. the last events or status changes of a run, never corrupt the file). SQLite's
busy timeout still orders the writers of several processes.

**Fork safety.** A forked child (``aigeo run``'s workers) must not use or close the connections of
its parent (SQLite: "do not open a database connection then fork() then try to use that database
connection in the child"); the child drops the parent's engines without closing them and opens its
own.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._core.storage.runs import SqliteRunStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()
_INHERITED: list[Engine] = []
"""A forked child's copies of its parent's engines: kept referenced, so that their connections are
never closed (nor used) in the child."""


def _forget_parent_engines() -> None:
    global _LOCK
    _LOCK = threading.Lock()  # another thread of the parent may have held it at the fork
    _INHERITED.extend(_ENGINES.values())
    _ENGINES.clear()


os.register_at_fork(after_in_child=_forget_parent_engines)


def _set_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def kept_engine(conn_string: str) -> Engine:
    """The engine of this process on ``conn_string`` (made on first use): pooled connections, each set to
    ``synchronous=NORMAL``, with Dagster's busy timeout. Five stay open; more are opened when more
    threads need one at once (the UI's server answers requests on many threads), never waited for,
    as with Dagster's engine per operation, and closed when returned."""
    engine = _ENGINES.get(conn_string)
    if engine is None:
        with _LOCK:
            engine = _ENGINES.get(conn_string)
            if engine is None:
                engine = create_engine(conn_string, pool_size=5, max_overflow=-1,
                                       connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
                event.listen(engine, "connect", _set_pragmas)
                _ENGINES[conn_string] = engine
    return engine


class KeptConnectionSqliteEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """``ConsolidatedSqliteEventLogStorage`` on a connection the process keeps (module docstring).
    Configured as it is: ``base_dir`` (the Dagster home)."""

    @contextmanager
    def _connect(self):
        with kept_engine(self._conn_string).connect() as conn:
            with conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        engine = kept_engine(self._conn_string)
        with engine.connect() as conn:
            return bool(engine.dialect.has_table(conn, table_name))


RUNS_FOLDER = "history"
"""Where in the Dagster home Dagster's default run storage keeps ``runs.db``."""


class KeptConnectionSqliteRunStorage(SqliteRunStorage):
    """``SqliteRunStorage`` on a connection the process keeps (module docstring). Configured like
    the event log: ``base_dir`` is the Dagster home, and the runs stay in ``<home>/history/runs.db``,
    where Dagster's default run storage keeps them (a home's earlier runs are still listed)."""

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls.from_local(inst_data=inst_data, base_dir=os.path.join(config_value["base_dir"], RUNS_FOLDER))

    @contextmanager
    def connect(self):
        with kept_engine(self._conn_string).connect() as conn:
            with conn.begin():
                yield conn
