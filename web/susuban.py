"""诉速办 routing: categories → departments, and the outbox dispatcher that delivers tickets.

Delivery is at-least-once from here and exactly-once in effect: a ticket stays `pending` until 诉速办
acknowledges it, every attempt carries the ticket's idempotency key, so a resend after a crash or restart
mid-delivery is recognised by the receiver as the same ticket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from web.signing import sign
from web.store import Store

log = logging.getLogger(__name__)


class Routing:
    """Category table from config/departments.yaml."""

    def __init__(self, path: Path):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        self.categories: dict[str, dict[str, Any]] = data["categories"]
        self.default: str = data.get("default", next(iter(self.categories)))
        for name, c in self.categories.items():
            if not c.get("department"):
                raise ValueError(f"{path}: category {name!r} has no department")

    def department(self, category: str) -> str:
        return self.categories.get(category, self.categories[self.default])["department"]

    def suggest(self, text: str) -> str:
        """The category whose keywords the text mentions most (ties: table order)."""
        best, best_hits = self.default, 0
        for name, c in self.categories.items():
            hits = sum(1 for k in c.get("keywords", []) if k in text)
            if hits > best_hits:
                best, best_hits = name, hits
        return best


class Dispatcher:
    """Polls the outbox and POSTs due tickets to the 诉速办 endpoint with backoff."""

    def __init__(self, store: Store, url: str, secret: str, timeout: float = 5.0, max_attempts: int = 12,
                 backoff_base: float = 2.0, backoff_max: float = 300.0, poll_seconds: float = 0.5):
        self.store, self.url, self.secret = store, url, secret
        self.timeout, self.max_attempts = timeout, max_attempts
        self.backoff_base, self.backoff_max, self.poll = backoff_base, backoff_max, poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A new ticket was queued: don't wait for the next poll."""
        self._wake.set()

    def payload(self, t: dict[str, Any]) -> dict[str, Any]:
        return {k: t[k] for k in ("ticket_no", "category", "department", "company", "contact", "phone",
                                  "description", "location", "channel", "created_at")}

    def backoff(self, attempts: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)

    async def deliver(self, session: aiohttp.ClientSession, t: dict[str, Any]) -> None:
        body = json.dumps(self.payload(t), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": t["idempotency_key"],
                   **sign(self.secret, body)}
        try:
            async with session.post(self.url, data=body, headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=self.timeout)) as resp:
                text = await resp.text()
                if resp.status < 300 or resp.status == 409:  # 409: it already has this key
                    try:
                        ext = str(json.loads(text).get("id", ""))
                    except (ValueError, AttributeError):
                        ext = ""
                    self.store.record_attempt(t["id"], True, f"HTTP {resp.status}", external_id=ext)
                    log.info("ticket %s delivered (HTTP %s)", t["ticket_no"], resp.status)
                    return
                error = f"HTTP {resp.status}: {text[:200]}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempts = t["attempts"] + 1
        give_up = attempts >= self.max_attempts
        self.store.record_attempt(t["id"], False, error, time.time() + self.backoff(attempts), give_up=give_up)
        log.warning("ticket %s delivery failed (%s)%s", t["ticket_no"], error, "; giving up" if give_up else "")

    async def run(self) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    for t in self.store.claim_due(time.time(), lease_seconds=self.timeout + 5):
                        await self.deliver(session, t)
                except Exception:  # keep the outbox alive whatever one ticket does
                    log.exception("dispatcher pass failed")
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll)
                except asyncio.TimeoutError:
                    pass
