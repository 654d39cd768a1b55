"""Every store test runs on both engines: a SQLite file and a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from web.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """What settings `web.store` would hold: a SQLite path, or a PostgreSQL URL (the pg_url fixture)."""
    if request.param == "sqlite":
        return str(tmp_path / "a.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def open_store(target: str) -> Iterator[Callable[[], Store]]:
    """Open a Store on the test's database (call it twice: two replicas on one database); all closed after."""
    opened: list[Store] = []

    def open_() -> Store:
        opened.append(Store(target))
        return opened[-1]

    yield open_
    for s in opened:
        s.close()
