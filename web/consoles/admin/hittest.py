"""Admin console, hit-test tab: what the retriever finds for a question, with scores and the decision."""

from __future__ import annotations

import asyncio

from aiohttp import web

from web.consoles.auth import admin
from web.http import json_body, ok, text_field
from web.state import LIVE, SEARCH_POOL


@admin
async def hit_test(request: web.Request) -> web.Response:
    q = text_field(await json_body(request), "q", 500, label="问题")
    retriever = request.app[LIVE].retriever
    r = await asyncio.get_running_loop().run_in_executor(request.app[SEARCH_POOL], retriever.search, q, 8)
    return ok(r.to_dict())


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/admin/hit-test", hit_test)
