"""Application factory: knowledge API, chat gateway, tickets, unanswered log, background workers.

Searches run in a worker thread: embedding a query is CPU-bound C code and must not stall the event
loop. Background tasks: the index pointer is re-checked every second (a publish goes live without a
restart) and at once when any replica announces a new version (web.shared), the 诉速办 outbox is
drained, and records spooled by the action server are taken in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from aiohttp import web

from config import load_settings, resolve_path
from index.live import LiveIndex
from web.consoles import admin, agent, auth, handoffs
from web.consoles.publish import Publisher
from web.http import (
    body_limits_middleware,
    client_address_middleware,
    cors_middleware,
    errors_middleware,
    ok,
    parse_route_limits,
    security_headers,
)
from web.internal import search, tickets, unanswered
from web.public import chat, feedback, handoff
from web.public.chat import ChatGateway
from web.retention import retention_pass
from web.shared import INDEX, make_shared
from web.state import CHAT, DISPATCHER, LIVE, PUBLISHER, ROUTING, SEARCH_POOL, SETTINGS, SHARED, STORE
from web.store import AsyncStore, Store
from web.susuban import callback
from web.susuban.client import Dispatcher
from web.susuban.routing import Routing

log = logging.getLogger(__name__)
REFRESH_SECONDS = 1.0
SPOOL_SECONDS = 5.0
RETENTION_SECONDS = 600.0
STATIC = Path(__file__).resolve().parent / "static"


async def health(request: web.Request) -> web.Response:
    live = request.app[LIVE]
    version = live.version
    return ok({"status": "ok" if version else "no_index", "index_version": version,
               "embedder": live.embedder.name, "store_schema": request.app[STORE].schema_version,
               "susuban": "endpoint" if request.app[DISPATCHER] else "local_inbox"},
              status=200 if version else 503)


async def _every(seconds: float, fn: Callable[[], Any], what: str) -> None:
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(None, fn)
        except Exception:  # a failing pass must not kill the service
            log.exception("%s failed", what)
        await asyncio.sleep(seconds)


async def _follow_index(app: web.Application) -> None:
    """Swap to a version another replica (or this one) announced, without waiting for the periodic check."""
    loop = asyncio.get_running_loop()
    async with app[SHARED].listen(INDEX) as queue:
        while (await queue.get()) is not None:
            try:
                await loop.run_in_executor(None, app[LIVE].refresh)
            except Exception:  # the periodic check retries
                log.exception("index refresh on announcement failed")


async def _end_streams(app: web.Application) -> None:
    """on_shutdown: open event streams end now instead of holding the shutdown for their timeout."""
    app[SHARED].hub.close()


async def _warm_up(app: web.Application) -> None:
    """One search before the service reports healthy: the first query pays for lazy model and tokenizer
    set-up (seconds on a busy machine), which would otherwise hit the action server's timeout."""
    if not app[LIVE].version:
        return
    retriever = app[LIVE].retriever
    try:
        await asyncio.get_running_loop().run_in_executor(app[SEARCH_POOL], lambda: retriever.search("企业开办", 1))
    except Exception:  # a failed warm-up must not stop the service; the first real search will tell
        log.exception("search warm-up failed")


async def _background(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    spool = resolve_path(settings["actions"]["spool"])
    await app[SHARED].start()
    await app[CHAT].start()
    await _warm_up(app)
    jobs: list[Awaitable[Any]] = [
        _follow_index(app),
        _every(REFRESH_SECONDS, app[LIVE].refresh, "index refresh"),
        _every(SPOOL_SECONDS, lambda: unanswered.import_spool(app[STORE].sync, settings, spool), "spool import"),
        _every(RETENTION_SECONDS, lambda: retention_pass(settings), "tracker retention"),
    ]
    if app[DISPATCHER] is not None:
        jobs.append(app[DISPATCHER].run())
    tasks = [asyncio.create_task(j) for j in jobs]  # type: ignore[arg-type]
    yield
    for t in tasks:
        t.cancel()
    for t in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await t
    await app[CHAT].close()
    await app[SHARED].close()
    app[SEARCH_POOL].shutdown(wait=False)
    app[STORE].close()


def create_app(settings: dict[str, Any] | None = None, live: LiveIndex | None = None) -> web.Application:
    settings = settings or load_settings()
    max_body = int(settings["web"].get("max_body_bytes", 64 * 1024))
    limits = body_limits_middleware(max_body, parse_route_limits(settings["web"].get("route_limits")))
    app = web.Application(middlewares=[client_address_middleware(settings["web"].get("trusted_proxies") or []),
                                       cors_middleware(settings["web"]["allowed_origins"]), errors_middleware, limits],
                          client_max_size=max_body)
    app.on_response_prepare.append(security_headers)
    app[SETTINGS] = settings
    app[LIVE] = live or LiveIndex(settings)
    app[LIVE].refresh()
    app[STORE] = AsyncStore(Store(settings["web"]["store"]))  # a SQLite path or a postgresql:// URL
    app[ROUTING] = Routing(resolve_path(settings["susuban"]["routing"]))
    ss = settings["susuban"]
    app[DISPATCHER] = Dispatcher(app[STORE], ss["url"], ss["secret"], timeout=float(ss["timeout"]),
                                 max_attempts=int(ss["max_attempts"]), backoff_base=float(ss["backoff_base"]),
                                 backoff_max=float(ss["backoff_max"])) if ss["url"] else None
    app[SHARED] = make_shared(settings)  # in-process, or Redis shared by every replica (web.redis_url)
    app[CHAT] = ChatGateway(settings, app[SHARED])
    # one search thread: the embedder's OpenMP team stays warm on it, and searches (CPU-bound) queue
    # instead of fighting over the two cores
    app[SEARCH_POOL] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="search")
    app[PUBLISHER] = Publisher(settings, app[LIVE], app[STORE].sync, app[SHARED])
    app.cleanup_ctx.append(_background)
    app.on_shutdown.append(_end_streams)
    app.router.add_get("/", lambda _: web.FileResponse(STATIC / "index.html"))
    app.router.add_get("/widget.js", lambda _: web.FileResponse(STATIC / "widget.js",
                                                                 headers={"Cache-Control": "no-cache"}))
    app.router.add_get("/agent", lambda _: web.FileResponse(STATIC / "agent.html"))
    app.router.add_get("/admin", lambda _: web.FileResponse(STATIC / "admin.html"))
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/health", health)
    for audience in (chat, feedback, handoff,  # the widget
                     search, tickets, unanswered,  # the action server
                     auth, agent, handoffs, admin,  # the consoles
                     callback):  # 诉速办
        audience.add_routes(app)
    return app
