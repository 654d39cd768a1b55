"""One SQLite database file: the connection, write transactions and the migrations.

The aggregates (tickets, handoffs, accounts, drafts, logs) run their SQL through `tx()` and `query()`;
nothing else opens the file. One connection guarded by a lock serves every thread: the store's worker
threads (web.store.AsyncStore), the index publisher and command-line tools.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from web.store.migrations import MIGRATIONS


class Database:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        for suffix in ("", "-wal", "-shm"):  # tickets, sessions, audit: owner-only, whatever the umask
            with contextlib.suppress(OSError):  # not there (no WAL yet, :memory:) or not ours
                os.chmod(f"{self.path}{suffix}", 0o600)
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.RLock()
        self._migrate()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: no other writer can interleave)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def _migrate(self) -> None:
        with self.tx() as c:
            c.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = c.execute("SELECT version FROM schema_version").fetchone()
            current = row[0] if row else 0
            if row is None:
                c.execute("INSERT INTO schema_version VALUES (0)")
            for n, sql in enumerate(MIGRATIONS[current:], start=current + 1):
                code = re.sub(r"--[^\n]*", "", sql)  # comments may contain ';'
                for stmt in (s for s in code.split(";") if s.strip()):
                    c.execute(stmt)
                c.execute("UPDATE schema_version SET version = ?", (n,))

    @property
    def schema_version(self) -> int:
        return int(self.query("SELECT version FROM schema_version")[0][0])
