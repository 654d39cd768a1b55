"""Two web replicas' dispatchers draining one outbox against a real 诉速办 receiver: each ticket is sent once.

On PostgreSQL the lease is `SELECT … FOR UPDATE SKIP LOCKED` (web.store.tickets: claim_due); on SQLite the
write transaction serialises the claims. Both engines run the same race."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

import pytest
from aiohttp import web

from tests.stack import Receiver
from web.store import AsyncStore, Store
from web.susuban.client import Dispatcher

SECRET = "t-ssb-race"
TICKETS = 40


class CountingReceiver(Receiver):
    """The stack's test receiver, a little slow (so claims overlap), noting which replica sent each post."""

    async def _handle(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0.02)
        resp = await super()._handle(request)
        self.posts[-1]["replica"] = request.query.get("replica", "")
        return resp


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return str(tmp_path / "app.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")


async def test_two_replicas_deliver_every_ticket_exactly_once(target: str) -> None:
    receiver = CountingReceiver(SECRET).start()
    replicas = [AsyncStore(Store(target)), AsyncStore(Store(target))]
    tasks: list[asyncio.Task[None]] = []
    try:
        fields = {"company": "某公司", "contact": "王", "phone": "0532-86981234", "category": "劳动用工",
                  "department": "区人力资源局", "description": "拖欠工资"}
        for i in range(TICKETS):
            await replicas[i % 2].tickets.create(fields, f"race-{i}", "pending")
        tasks = [asyncio.create_task(Dispatcher(store, f"{receiver.url}?replica={name}", SECRET,
                                                poll_seconds=0.05).run())
                 for name, store in zip("ab", replicas, strict=True)]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            rows = await replicas[0].tickets.recent(limit=TICKETS)
            if all(r["delivery"] == "delivered" for r in rows):
                break
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.3)  # a double send would land now
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        receiver.stop()
    try:
        per_key = Counter(p["key"] for p in receiver.posts)
        assert per_key == {f"race-{i}": 1 for i in range(TICKETS)}, "every ticket delivered once, none twice"
        per_replica = Counter(p["replica"] for p in receiver.posts)
        assert per_replica["a"] > 0 and per_replica["b"] > 0, f"both replicas took part: {per_replica}"
        rows = await replicas[1].tickets.recent(limit=TICKETS)
        assert {(r["delivery"], r["status"], r["attempts"]) for r in rows} == {("delivered", "delivered", 1)}
        assert len({r["external_id"] for r in rows}) == TICKETS
    finally:
        for s in replicas:
            s.close()
