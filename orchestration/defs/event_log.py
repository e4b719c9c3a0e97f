"""Dagster's SQLite event log, keeping each database's connection open for the process instead of opening one per
event: the same files, tables and readers, so the UI and the daemon read what a run wrote.

Dagster's own class (`SqliteEventLogStorage`) creates an engine, connects, commits and closes (which checkpoints the
write-ahead log) for every event and shard: about 10 ms an event here, and a quiet evening stores about 300 of them.
Kept open, an event costs about 2 ms. Dagster's instance loads it from dagster.yaml (`event_log_storage`), as it
loads its own storage classes.

Two more per-event costs go: each commit's fsync (the files are in WAL mode, where `synchronous=NORMAL` keeps them
consistent and loses at most the last events on a power cut; the warehouse, not the event log, is the record) and
Dagster's `has_table`, which opens a fresh engine on the index for every asset check event to ask whether a table
exists (a table, once there, stays).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine

OPEN_DATABASES = 8  # the index and the newest runs' databases; a long-lived UI reading old runs closes the oldest


class KeptOpenSqliteEventLogStorage(SqliteEventLogStorage):
    """SqliteEventLogStorage with one engine per database (shard), kept open, the least recently used closed first."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        self._tables_seen: set[str] = set()
        super().__init__(base_dir, inst_data)  # connects to the index database on a fresh home

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> KeptOpenSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
                )
                event.listen(engine, "connect", _commit_without_fsync)
            self._engines[shard] = engine
            while len(self._engines) > OPEN_DATABASES:
                self._engines.popitem(last=False)[1].dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str):
        # Dagster's _connect, with the engine kept: the same lock, first-use initialisation and one transaction
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        if table_name in self._tables_seen:
            return True
        exists = super().has_table(table_name)
        if exists:
            self._tables_seen.add(table_name)
        return exists

    def dispose(self) -> None:
        super().dispose()
        with self._engines_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()


def _commit_without_fsync(dbapi_connection, _record) -> None:
    """WAL with synchronous=NORMAL: a commit appends to the log without waiting for the disk."""
    dbapi_connection.execute("pragma synchronous=normal")
