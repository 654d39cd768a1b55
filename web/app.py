"""Application factory and the knowledge API routes.

Searches run in a worker thread: embedding a query is CPU-bound C code and must not stall the
event loop. The live index is re-checked every second so a publish is visible without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from aiohttp import web

from config import load_settings
from index.live import LiveIndex
from web.http import BadRequest, errors_middleware, json_body, ok

log = logging.getLogger(__name__)
LIVE = web.AppKey("live", LiveIndex)
SETTINGS = web.AppKey("settings", dict)
MAX_K = 20
REFRESH_SECONDS = 1.0


async def health(request: web.Request) -> web.Response:
    live = request.app[LIVE]
    version = live.version
    return ok({"status": "ok" if version else "no_index", "index_version": version,
               "embedder": live.embedder.name}, status=200 if version else 503)


def parse_search(data: dict[str, Any], max_chars: int) -> tuple[str, int]:
    q = data.get("q")
    if not isinstance(q, str) or not q.strip():
        raise BadRequest("q 不能为空")
    if len(q) > max_chars:
        raise BadRequest(f"q 过长：最多 {max_chars} 个字符")
    k = data.get("k", 5)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise BadRequest(f"k 必须是 1 到 {MAX_K} 之间的整数")
    return q.strip(), k


async def search(request: web.Request) -> web.Response:
    q, k = parse_search(await json_body(request), request.app[SETTINGS]["web"]["max_query_chars"])
    retriever = request.app[LIVE].retriever
    t0 = time.perf_counter()
    result = await asyncio.get_running_loop().run_in_executor(None, retriever.search, q, k)
    payload = result.to_dict()
    payload["took_ms"] = round((time.perf_counter() - t0) * 1000, 2)
    return ok(payload)


async def _refresh_loop(app: web.Application) -> None:
    live = app[LIVE]
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(None, live.refresh)
        except Exception:  # a broken version must not kill the service; the old one stays live
            log.exception("index refresh failed")
        await asyncio.sleep(REFRESH_SECONDS)


async def _background(app: web.Application):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(_refresh_loop(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def create_app(settings: dict[str, Any] | None = None, live: LiveIndex | None = None) -> web.Application:
    settings = settings or load_settings()
    app = web.Application(middlewares=[errors_middleware], client_max_size=64 * 1024)
    app[SETTINGS] = settings
    app[LIVE] = live or LiveIndex(settings)
    app[LIVE].refresh()
    app.cleanup_ctx.append(_background)
    app.router.add_get("/api/health", health)
    app.router.add_post("/api/search", search)
    return app
