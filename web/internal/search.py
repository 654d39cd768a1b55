"""`POST /api/search`: the knowledge search the action server (and the hit test) runs.

Searches run on one worker thread: embedding a query is CPU-bound C code and must not stall the event
loop, and one thread keeps the embedder's OpenMP team warm instead of two searches fighting over two cores.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from web.http import BadRequest, json_body, ok
from web.state import LIVE, SEARCH_POOL, SETTINGS

MAX_K = 20


def parse_search(data: dict[str, Any], max_chars: int) -> tuple[str, int, str | None]:
    q = data.get("q")
    if not isinstance(q, str) or not q.strip():
        raise BadRequest("q 不能为空")
    if len(q) > max_chars:
        raise BadRequest(f"q 过长：最多 {max_chars} 个字符")
    k = data.get("k", 5)
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise BadRequest(f"k 必须是 1 到 {MAX_K} 之间的整数")
    context = data.get("context")
    if context is not None and (not isinstance(context, str) or len(context) > max_chars):
        raise BadRequest(f"context 必须是不超过 {max_chars} 个字符的字符串")
    return q.strip(), k, context


async def search(request: web.Request) -> web.Response:
    q, k, context = parse_search(await json_body(request), request.app[SETTINGS]["web"]["max_query_chars"])
    retriever = request.app[LIVE].retriever
    t0 = time.perf_counter()
    result = await asyncio.get_running_loop().run_in_executor(
        request.app[SEARCH_POOL], lambda: retriever.search(q, k, context=context))
    payload = result.to_dict()
    payload["took_ms"] = round((time.perf_counter() - t0) * 1000, 2)
    return ok(payload)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/search", search)
