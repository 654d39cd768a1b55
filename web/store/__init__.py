"""The app store: the only code that knows the schema, split by aggregate over one database.

`Store` is synchronous, for threads and command-line tools (`store.tickets.create(...)`). Request
handlers and the dispatcher use `AsyncStore`, whose aggregates have the same methods but are awaited
(`await store.tickets.create(...)`): each call runs on the store's worker threads, so a slow disk
(`synchronous=FULL` waits for fsync) or a lock never stalls the event loop.

`Store(target)` opens SQLite for a path (settings `web.store`, default var/app.db) and PostgreSQL for a
`postgresql://` URL (web.store.db.open_database decides); the aggregates and their callers are the same.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from os import PathLike
from typing import Any, Generic, TypeVar

from web.store.accounts import Accounts
from web.store.db import Database, open_database
from web.store.drafts import Drafts
from web.store.handoffs import Handoffs
from web.store.logs import INCIDENT_KINDS, Logs
from web.store.tickets import Tickets

T = TypeVar("T")
WORKERS = {"sqlite": 2,  # one writes while the other reads; SQLite takes one writer at a time anyway
           "postgresql": 4}  # PostgreSQL runs writers side by side (its pool holds a few more connections)

__all__ = ["INCIDENT_KINDS", "AsyncStore", "Store"]


class Store:
    def __init__(self, target: PathLike[str] | str):
        """`target`: a SQLite file path or a postgresql://user:pw@host:port/db URL."""
        self.db: Database = open_database(target)
        self.tickets = Tickets(self.db)
        self.handoffs = Handoffs(self.db)
        self.accounts = Accounts(self.db)
        self.drafts = Drafts(self.db)
        self.logs = Logs(self.db)

    @property
    def schema_version(self) -> int:
        return self.db.schema_version

    def close(self) -> None:
        self.db.close()


class Offloaded(Generic[T]):
    """An aggregate whose every method call runs on the store's threads and is awaited."""

    def __init__(self, target: T, pool: ThreadPoolExecutor):
        self._target, self._pool = target, pool

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self._target, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.get_running_loop().run_in_executor(
                self._pool, functools.partial(method, *args, **kwargs))

        return call


class AsyncStore:
    def __init__(self, store: Store, workers: int | None = None):
        self.sync = store
        self._pool = ThreadPoolExecutor(max_workers=workers or WORKERS[store.db.engine], thread_name_prefix="store")
        self.tickets: Offloaded[Tickets] = Offloaded(store.tickets, self._pool)
        self.handoffs: Offloaded[Handoffs] = Offloaded(store.handoffs, self._pool)
        self.accounts: Offloaded[Accounts] = Offloaded(store.accounts, self._pool)
        self.drafts: Offloaded[Drafts] = Offloaded(store.drafts, self._pool)
        self.logs: Offloaded[Logs] = Offloaded(store.logs, self._pool)

    @property
    def schema_version(self) -> int:
        return self.sync.schema_version

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self.sync.close()
