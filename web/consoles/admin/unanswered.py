"""Admin console, unanswered tab: open questions grouped by similarity, resolved into FAQ entries.

Each group carries its nearest knowledge across every live document: each candidate names its document
(`doc_id`, `doc_title`) and its unit in that document's own terms (`unit_label`: "第5项任务",
"第二章 第五条", "三、（二）"), and `suggested` is the document and unit of the nearest one, which the editor
pre-selects for a new entry. A group is resolved by linking it to an entry of any document or writing one."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import numpy as np
from aiohttp import web

from knowledge.faq import FIELDS, FaqError
from protocol.clock import iso
from web.consoles.admin.faq import doc_units, effective_faq, entry_from, save_draft
from web.consoles.auth import admin
from web.http import BadRequest, error, json_body, ok, small_id
from web.state import LIVE, PUBLISHER, SEARCH_POOL, STORE

GROUP_SIMILARITY = 0.9


def group_unanswered(request: web.Request) -> list[dict[str, Any]]:
    """Greedy grouping of open unanswered questions by embedding similarity."""
    rows = [r for r in request.app[STORE].sync.logs.unanswered("open", limit=500) if r["text"].strip()]
    if not rows:
        return []
    retriever = request.app[LIVE].retriever
    vecs = retriever.embedder.embed_queries([r["text"] for r in rows])
    groups: list[dict[str, Any]] = []
    centers: list[np.ndarray] = []
    for row, v in zip(rows, vecs):
        sims = [float(c @ v) for c in centers]
        if sims and max(sims) >= GROUP_SIMILARITY:
            groups[int(np.argmax(sims))]["rows"].append(row)
        else:
            groups.append({"rows": [row]})
            centers.append(v)
    units = doc_units(retriever)
    out = []
    for g in groups:
        rs = g["rows"]
        sample = Counter(r["text"] for r in rs).most_common(1)[0][0]
        r = retriever.search(sample, k=3)
        nearest = [_candidate(retriever, units, h) for h in r.results]
        suggested = next(({k: n[k] for k in ("doc_id", "doc_title", "task", "unit_label")}
                          for n in nearest if n["doc_id"]), None)
        out.append({"id": min(x["id"] for x in rs), "count": len(rs), "first_at": iso(min(x["at"] for x in rs)),
                    "last_at": iso(max(x["at"] for x in rs)), "sample": sample,
                    "texts": sorted({x["text"] for x in rs}), "reasons": sorted({x["reason"] for x in rs}),
                    "row_ids": [x["id"] for x in rs], "nearest": nearest, "suggested": suggested})
    return sorted(out, key=lambda g: (-g["count"], g["id"]))


def _candidate(retriever: Any, units: dict[str, list[dict[str, Any]]], hit: Any) -> dict[str, Any]:
    """A nearest FAQ entry or passage, with its document and its unit in that document's terms."""
    doc_id = str(getattr(hit, "doc_id", "") or "")
    title = str((retriever.docs.get(doc_id) or {}).get("title") or getattr(hit, "doc", "") or doc_id)
    unit = next((u for u in units.get(doc_id, []) if u["task"] == hit.task), None)
    return {"id": hit.id, "kind": hit.kind, "text": hit.text[:200], "score": round(hit.score, 4), "task": hit.task,
            "doc_id": doc_id, "doc_title": title, "unit_label": unit["label"] if unit else "",
            "unit_title": unit["title"] if unit else ""}


@admin
async def unanswered_groups(request: web.Request) -> web.Response:
    groups = await asyncio.get_running_loop().run_in_executor(request.app[SEARCH_POOL], group_unanswered, request)
    return ok({"groups": groups})


@admin
async def resolve_group(request: web.Request) -> web.Response:
    gid = small_id(request.match_info["gid"])
    if gid is None:
        return error(404, "没有这个问题组（可能已处理）")
    groups = await asyncio.get_running_loop().run_in_executor(request.app[SEARCH_POOL], group_unanswered, request)
    group = next((g for g in groups if g["id"] == gid), None)
    if group is None:
        return error(404, "没有这个问题组（可能已处理）")
    data = await json_body(request)
    user = request["user"]["username"]
    texts = [t for t in group["texts"] if t and "*" not in t]  # masked PII never becomes a question
    if data.get("faq_id"):
        current = next((e for e in await effective_faq(request) if e["id"] == data["faq_id"]), None)
        if current is None or current["state"] == "deleted":
            return error(404, f"没有条目 {data['faq_id']}")
        raw = {k: current[k] for k in FIELDS if k in current}
        raw["questions"] = list(dict.fromkeys([*raw["questions"], *texts]))
    elif isinstance(data.get("entry"), dict):
        raw = entry_from(data["entry"])
        raw["questions"] = list(dict.fromkeys([*(raw.get("questions") or []), *texts]))
    else:
        raise BadRequest("需要 faq_id 或 entry")
    resp = await save_draft(request, raw)
    if resp.status >= 400:
        return resp
    pub = request.app[PUBLISHER]
    try:
        result = await pub.run(pub.publish_faq, user)
    except FaqError as exc:
        return error(400, "草稿校验未通过，未发布", problems=exc.problems)
    n = await request.app[STORE].logs.mark_unanswered_resolved(group["row_ids"], raw["id"])
    await request.app[STORE].logs.audit(user, "resolve_unanswered", raw["id"], f"{n} questions: {group['sample']}")
    return ok({"resolved": n, "version": result["version"], "faq_id": raw["id"]})


@admin
async def list_questions(request: web.Request) -> web.Response:
    status = request.query.get("status", "open")
    return ok({"items": await request.app[STORE].logs.unanswered(status)})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/unanswered", list_questions)
    app.router.add_get("/api/admin/unanswered/groups", unanswered_groups)
    app.router.add_post("/api/admin/unanswered/groups/{gid}/resolve", resolve_group)
