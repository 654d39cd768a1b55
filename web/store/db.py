"""The app store's database: one SQLite file (the default) or PostgreSQL (a URL), behind one interface.

The aggregates (tickets, handoffs, accounts, drafts, logs) run their SQL through `tx()` and `query()`;
nothing else opens the database. They write one SQL text for both engines, in SQLite's spelling (`?`
placeholders) plus the few PostgreSQL clauses SQLite has no use for (`FOR UPDATE [SKIP LOCKED]`: SQLite's
write transaction already excludes every other writer); `to_sqlite` / `to_postgres` translate. Rows come
back readable by position and by column name (`r[0]`, `r["id"]`, `dict(r)`) on both engines.

- SQLite: one connection guarded by a lock serves every thread; `tx()` is BEGIN IMMEDIATE.
- PostgreSQL: a psycopg connection pool; `tx()` is a READ COMMITTED transaction, and the aggregates take
  row locks (`FOR UPDATE`), `ON CONFLICT` or `tx.lock(key)` (a transaction-scoped advisory lock) wherever
  they read, decide and write, so several web replicas on one database stay correct.

Migrations run at open on both engines under one `schema_version`; on PostgreSQL inside one transaction
holding an advisory lock, so replicas starting together migrate once.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from config import resolve_path
from web.store.migrations import MIGRATIONS, POSTGRES_ONLY

URL_PREFIXES = ("postgresql://", "postgres://")
POOL_MAX = 8  # the async store's workers, the publisher and the spool import, with room to spare
LOCK_TIMEOUT = "10s"  # like SQLite's busy timeout: a row lock held longer is an error, not a hang
MIGRATION_LOCK_TIMEOUT = "120s"  # another replica may be migrating


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Tx(ABC):
    """One open transaction: what `Database.tx()` yields to the aggregates."""

    @abstractmethod
    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor: ...

    @abstractmethod
    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Cursor: ...

    @abstractmethod
    def lock(self, key: str) -> None:
        """Hold `key` until this transaction ends: a read-then-write on something no row stands for yet
        (an idempotency key, a sender's open handoff) cannot interleave with another replica's."""


class Database(ABC):
    engine: str  # "sqlite" | "postgresql"
    migrated: int = 0  # migrations this open applied (0: the schema was already current)

    @abstractmethod
    def tx(self) -> contextlib.AbstractContextManager[Tx]:
        """One write transaction: commits at the end of the block, rolls back on an exception."""

    @abstractmethod
    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        """One read, outside any write transaction."""

    @abstractmethod
    def close(self) -> None: ...

    @property
    def schema_version(self) -> int:
        return int(self.query("SELECT version FROM schema_version")[0][0])

    def _migration_lock(self, c: Tx) -> None:
        """Keep a concurrent opener (another replica starting) out until this one's migrations committed."""
        c.lock("xha:schema-migration")

    def _migrate(self) -> None:
        with self.tx() as c:
            self._migration_lock(c)
            c.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = c.execute("SELECT version FROM schema_version").fetchone()
            current = row[0] if row else 0
            if row is None:
                c.execute("INSERT INTO schema_version VALUES (0)")
            for n, sql in enumerate(MIGRATIONS[current:], start=current + 1):
                for stmt in self._statements(n, sql):
                    c.execute(stmt)
                c.execute("UPDATE schema_version SET version = ?", (n,))
                self.migrated += 1

    def _statements(self, n: int, sql: str) -> list[str]:
        code = re.sub(r"--[^\n]*", "", sql)  # comments may contain ';'
        return [s for s in code.split(";") if s.strip()]


def is_url(target: str | os.PathLike[str]) -> bool:
    """Settings `web.store` names a PostgreSQL database (else a SQLite file)."""
    return os.fspath(target).startswith(URL_PREFIXES)


def open_database(target: str | os.PathLike[str]) -> Database:
    """The one place that picks the engine: a `postgresql://user:pw@host:port/db` URL opens PostgreSQL,
    anything else is a SQLite file path (relative to the repository root, like every settings path)."""
    if is_url(target):
        return PostgresDatabase(os.fspath(target))
    return SqliteDatabase(resolve_path(target))


# -- SQLite -----------------------------------------------------------------------------------------------
_FOR_UPDATE = re.compile(r"\s+FOR\s+UPDATE(\s+SKIP\s+LOCKED)?\b", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def to_sqlite(sql: str) -> str:
    """Drop row-lock clauses: SQLite has none, and BEGIN IMMEDIATE already serialises writers."""
    return _FOR_UPDATE.sub("", sql)


class SqliteTx(Tx):
    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._conn.execute(to_sqlite(sql), args)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        return self._conn.executemany(to_sqlite(sql), rows)

    def lock(self, key: str) -> None:
        """Nothing to do: BEGIN IMMEDIATE holds the database's only write lock already."""


class SqliteDatabase(Database):
    engine = "sqlite"

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
    def tx(self) -> Iterator[SqliteTx]:
        """BEGIN IMMEDIATE: no other writer can interleave."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield SqliteTx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(to_sqlite(sql), args).fetchall()


# -- PostgreSQL -------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=1024)
def to_postgres(sql: str) -> str:
    """`?` placeholders outside string literals become `%s`; a literal `%` is doubled for psycopg."""
    out, quoted = [], False
    for ch in sql:
        if ch == "'":
            quoted = not quoted  # '' inside a literal toggles twice
        out.append("%%" if ch == "%" else "%s" if ch == "?" and not quoted else ch)
    return "".join(out)


_DDL = ((re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
        (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),  # PostgreSQL's REAL is 4 bytes: no use for timestamps
        (re.compile(r"\bINTEGER\b"), "BIGINT"))  # SQLite's integers are 8 bytes


def ddl_to_postgres(stmt: str) -> str:
    """A migration statement in SQLite's types, in PostgreSQL's."""
    for pattern, replacement in _DDL:
        stmt = pattern.sub(replacement, stmt)
    return stmt


def _args(args: Sequence[Any]) -> tuple[Any, ...]:
    """SQLite stores True as 1 in an INTEGER column; PostgreSQL would refuse a boolean there."""
    return tuple(int(a) if isinstance(a, bool) else a for a in args)


class Row(tuple):
    """A result row readable by position and by column name, like sqlite3.Row (`dict(row)` works)."""

    def __new__(cls, names: tuple[str, ...], index: dict[str, int], values: Sequence[Any]) -> Row:
        row = super().__new__(cls, values)
        row._names, row._index = names, index
        return row

    def keys(self) -> list[str]:
        return list(self._names)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._index[key])
        return tuple.__getitem__(self, key)


def _row_factory(cursor: Any) -> Any:
    if cursor.description is None:
        return tuple
    names = tuple(col.name for col in cursor.description)
    index = {name: i for i, name in reversed(list(enumerate(names)))}  # a repeated name: the first one
    return functools.partial(Row, names, index)


class PostgresTx(Tx):
    def __init__(self, conn: Any):
        self._conn = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self._conn.execute(to_postgres(sql), _args(args))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        cur = self._conn.cursor()
        cur.executemany(to_postgres(sql), [_args(r) for r in rows])
        return cur

    def lock(self, key: str) -> None:
        self._conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))


class PostgresDatabase(Database):
    engine = "postgresql"

    def __init__(self, url: str, max_size: int = POOL_MAX, connect_wait: float = 30.0):
        from psycopg.conninfo import conninfo_to_dict
        from psycopg_pool import ConnectionPool, PoolTimeout

        self.pool = ConnectionPool(
            url, min_size=1, max_size=max_size, name="app-store", open=False,
            check=ConnectionPool.check_connection,  # a database restart costs one reconnect, not errors
            kwargs={"autocommit": True, "row_factory": _row_factory, "application_name": "xha-web",
                    "connect_timeout": 10, "options": f"-c lock_timeout={LOCK_TIMEOUT}"})
        try:
            self.pool.open(wait=True, timeout=connect_wait)
        except PoolTimeout as exc:  # the start fails, naming the database but never the password
            self.pool.close()
            info = conninfo_to_dict(url)
            raise ConnectionError(f"app store: no connection to PostgreSQL {info.get('host', '')}:"
                                  f"{info.get('port', 5432)}/{info.get('dbname', '')} within {connect_wait:g}s "
                                  "(settings web.store)") from exc
        try:
            self._migrate()
        except BaseException:
            self.pool.close()
            raise

    def close(self) -> None:
        self.pool.close()

    @contextmanager
    def tx(self) -> Iterator[PostgresTx]:
        with self.pool.connection() as conn, conn.transaction():
            yield PostgresTx(conn)

    def query(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with self.pool.connection() as conn:
            return conn.execute(to_postgres(sql), _args(args)).fetchall()

    def _migration_lock(self, c: Tx) -> None:
        c.execute(f"SET LOCAL lock_timeout = '{MIGRATION_LOCK_TIMEOUT}'")
        super()._migration_lock(c)  # pg_advisory_xact_lock: released at this transaction's end

    def _statements(self, n: int, sql: str) -> list[str]:
        return [ddl_to_postgres(s) for s in super()._statements(n, sql)] + POSTGRES_ONLY.get(n, [])
