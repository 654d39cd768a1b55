"""The 诉速办 client: the outbox dispatcher that delivers tickets.

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
from typing import Any

import aiohttp

from web.store import AsyncStore
from web.susuban.wire import sign, ticket_body

log = logging.getLogger(__name__)


class Dispatcher:
    """Polls the outbox and POSTs due tickets to the 诉速办 endpoint with backoff."""

    def __init__(self, store: AsyncStore, url: str, secret: str, timeout: float = 5.0, max_attempts: int = 12,
                 backoff_base: float = 2.0, backoff_max: float = 300.0, poll_seconds: float = 0.5):
        self.store, self.url, self.secret = store, url, secret
        self.timeout, self.max_attempts = timeout, max_attempts
        self.backoff_base, self.backoff_max, self.poll = backoff_base, backoff_max, poll_seconds
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A new ticket was queued: don't wait for the next poll."""
        self._wake.set()

    def backoff(self, attempts: int) -> float:
        return min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)

    async def deliver(self, session: aiohttp.ClientSession, t: dict[str, Any]) -> None:
        body = json.dumps(ticket_body(t), ensure_ascii=False).encode()
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
                    await self.store.tickets.record_attempt(t["id"], True, f"HTTP {resp.status}", external_id=ext)
                    log.info("ticket %s delivered (HTTP %s)", t["ticket_no"], resp.status)
                    return
                error = f"HTTP {resp.status}: {text[:200]}"
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        attempts = t["attempts"] + 1
        give_up = attempts >= self.max_attempts
        await self.store.tickets.record_attempt(t["id"], False, error, time.time() + self.backoff(attempts),
                                                give_up=give_up)
        log.warning("ticket %s delivery failed (%s)%s", t["ticket_no"], error, "; giving up" if give_up else "")

    async def run(self) -> None:
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    for t in await self.store.tickets.claim_due(time.time(), lease_seconds=self.timeout + 5):
                        await self.deliver(session, t)
                except Exception:  # keep the outbox alive whatever one ticket does
                    log.exception("dispatcher pass failed")
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.poll)
                except asyncio.TimeoutError:
                    pass
