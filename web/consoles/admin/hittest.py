"""Admin console, hit-test tab: what the retriever finds for a question, with scores and the decision.

With `doc` (a document id) only that document's hits are listed: the retriever is asked for more
candidates first, so the filter still returns up to K of them; the decision stays the whole index's.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from index.engine import Retriever, SearchResponse
from web.consoles.auth import admin
from web.http import BadRequest, json_body, ok, text_field
from web.state import LIVE, SEARCH_POOL

K = 8
WIDEN = 8  # candidates asked per hit wanted when filtering by document, grown until enough or all
MAX_CANDIDATES = 4096  # a hit test never scores more than this many candidates


def search_in_doc(retriever: Retriever, q: str, doc_id: str, k: int = K) -> SearchResponse:
    """Search, then keep only `doc_id`'s hits; widen the candidate pool until k of them or no more."""
    total = min(max(len(retriever.units), k), MAX_CANDIDATES)
    want = k * WIDEN
    while True:
        r = retriever.search(q, min(want, total))
        mine = [h for h in r.results if h.doc_id == doc_id]
        if len(mine) >= k or want >= total:
            break
        want *= 4
    r.results = mine[:k]
    return r


def known_docs(retriever: Retriever) -> dict[str, str]:
    """Documents of the live index version: id → title."""
    return {doc_id: d["title"] for doc_id, d in retriever.docs.items()}


@admin
async def hit_test(request: web.Request) -> web.Response:
    data = await json_body(request)
    q = text_field(data, "q", 500, label="问题")
    doc_id = text_field(data, "doc", 200, required=False, label="文档") or request.query.get("doc", "").strip()
    retriever = request.app[LIVE].retriever
    loop = asyncio.get_running_loop()
    if not doc_id:
        r = await loop.run_in_executor(request.app[SEARCH_POOL], retriever.search, q, K)
        return ok(r.to_dict())
    docs = known_docs(retriever)
    if doc_id not in docs:
        raise BadRequest(f"当前线上索引中没有该文档：{doc_id}（未发布，或已失效 / 被替代）")
    r = await loop.run_in_executor(request.app[SEARCH_POOL], search_in_doc, retriever, q, doc_id)
    out = r.to_dict()
    answer_doc = ((out.get("answer") or {}).get("citation") or {}).get("doc_id")
    out["filter"] = {"doc": doc_id, "doc_title": docs[doc_id], "answer_in_doc": answer_doc == doc_id}
    return ok(out)


@admin
async def hit_test_docs(request: web.Request) -> web.Response:
    """The documents the live index answers from, for the hit test's document filter."""
    docs = known_docs(request.app[LIVE].retriever)
    return ok({"items": [{"id": i, "title": t} for i, t in sorted(docs.items(), key=lambda x: x[1])]})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/admin/hit-test", hit_test)
    app.router.add_get("/api/admin/hit-test/docs", hit_test_docs)
