"""The one HTTP client the actions use to reach the web service, with a short timeout.

When the web service cannot be reached, records that must not be lost (unanswered questions) are
written to the spool folder as one file each; the web service takes them in when it is back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp

from config import load_settings, resolve_path

log = logging.getLogger(__name__)


class ApiError(Exception):
    """The knowledge API could not be reached or refused the request."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


class KnowledgeAPI:
    _shared: KnowledgeAPI | None = None

    @classmethod
    def shared(cls) -> KnowledgeAPI:
        """The action server's one client (one connection pool for every action)."""
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    def __init__(self, settings: dict[str, Any] | None = None):
        settings = settings or load_settings()
        self.settings = settings
        self.base = settings["actions"]["api_url"].rstrip("/")
        self.timeout = aiohttp.ClientTimeout(total=float(settings["actions"]["timeout"]))
        self.token = settings["web"]["internal_token"]
        self.spool = resolve_path(settings["actions"]["spool"])
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        """One keep-alive session per event loop: no new TCP connection per action."""
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session._loop is not loop:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"X-Internal-Token": self.token}
        try:
            async with self._client().request(method, self.base + path, json=payload, headers=headers) as resp:
                try:
                    data = await resp.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    data = {}
                if resp.status >= 400:
                    raise ApiError(str((data or {}).get("error", f"HTTP {resp.status}")), resp.status)
                return data
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise ApiError(f"{type(exc).__name__}: {exc}") from exc

    async def search(self, q: str, k: int = 4, context: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"q": q[:500], "k": k}
        if context:
            body["context"] = context[:500]
        return await self._call("POST", "/api/search", body)

    async def suggest_category(self, text: str) -> dict[str, Any]:
        return await self._call("POST", "/api/tickets/suggest", {"text": text[:2000]})

    async def categories(self) -> list[dict[str, Any]]:
        return (await self._call("GET", "/api/tickets/categories"))["categories"]

    async def create_ticket(self, fields: dict[str, Any]) -> dict[str, Any]:
        return await self._call("POST", "/api/tickets", fields)

    async def ticket(self, ticket_no: str, sender: str, phone_last4: str = "") -> dict[str, Any]:
        """A citizen's lookup: their own ticket, or anyone's with the contact phone's last 4 digits (403 without)."""
        query = urlencode({"sender": sender, **({"phone_last4": phone_last4} if phone_last4 else {})})
        return await self._call("GET", f"/api/tickets/{ticket_no}?{query}")

    async def request_handoff(self, sender: str) -> dict[str, Any]:
        return await self._call("POST", "/api/handoff", {"sender": sender})

    async def log_unanswered(self, record: dict[str, Any]) -> None:
        """Log a question the assistant could not answer; spool it if the web service is unreachable."""
        try:
            await self._call("POST", "/api/unanswered", record)
        except ApiError as exc:
            if exc.status and exc.status < 500:
                log.error("unanswered record rejected: %s", exc)
                return
            self.spool_record(record)

    def spool_record(self, record: dict[str, Any]) -> Path:
        self.spool.mkdir(parents=True, exist_ok=True)
        name = f"unanswered-{time.time():.6f}-{uuid.uuid4().hex[:8]}"
        tmp = self.spool / f"{name}.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        final = self.spool / f"{name}.json"
        os.replace(tmp, final)
        return final
