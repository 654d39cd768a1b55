"""Admin console, knowledge tab: FAQ drafts over the published entries, chunks, publish, versions, rollback."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from knowledge.faq import TOPICS, FaqError
from protocol.clock import iso
from web.consoles.auth import admin
from web.http import BadRequest, error, json_body, ok, small_id, text_field
from web.state import LIVE, PUBLISHER, STORE


async def effective_faq(request: web.Request) -> list[dict[str, Any]]:
    """Published entries (the live index) with the admin's unpublished drafts laid over them."""
    retriever = request.app[LIVE].retriever
    drafts = await request.app[STORE].drafts.faq_drafts()
    items: dict[str, dict[str, Any]] = {}
    for e in retriever.faq.values():
        items[e["id"]] = {**{k: e[k] for k in ("id", "doc", "tasks", "topic", "department", "questions", "answer")},
                          "state": "published", "updated_at": "", "updated_by": ""}
    for eid, d in drafts.items():
        base = items.get(eid, {"id": eid})
        if d["data"] is None:
            items[eid] = {**base, "state": "deleted"}
        else:
            items[eid] = {**base, **d["data"], "state": "draft"}
        items[eid].update(updated_at=iso(d["updated_at"]), updated_by=d["updated_by"])
    return sorted(items.values(), key=lambda e: (min(e.get("tasks") or [99]), e["id"]))


@admin
async def list_faq(request: web.Request) -> web.Response:
    q, task, topic = request.query.get("q", ""), request.query.get("task", ""), request.query.get("topic", "")
    items = await effective_faq(request)
    if q:
        items = [e for e in items if q in e["id"] or q in e.get("answer", "")
                 or any(q in x for x in e.get("questions", []))]
    if task.isdigit():
        items = [e for e in items if _task_number(task) in (e.get("tasks") or [])]
    if topic:
        items = [e for e in items if e.get("topic") == topic]
    return ok({"items": items})


@admin
async def get_faq(request: web.Request) -> web.Response:
    eid = request.match_info["eid"]
    item = next((e for e in await effective_faq(request) if e["id"] == eid), None)
    return ok(item) if item else error(404, f"没有条目 {eid}")


def _task_number(value: str) -> int:
    number = small_id(value)
    if number is None:
        raise BadRequest("任务编号必须是不超过 9 位的数字")
    return number


def entry_from(data: dict[str, Any], eid: str | None = None) -> dict[str, Any]:
    raw = {k: data.get(k) for k in ("id", "doc", "tasks", "topic", "department", "questions", "answer")}
    if eid is not None:
        raw["id"] = eid
    if isinstance(raw.get("questions"), str):
        raw["questions"] = [q.strip() for q in raw["questions"].splitlines() if q.strip()]
    if isinstance(raw.get("tasks"), str):
        raw["tasks"] = [_task_number(t.strip()) for t in re.split(r"[,\s，]+", raw["tasks"]) if t.strip().isdigit()]
    return {k: v for k, v in raw.items() if v is not None}


async def save_draft(request: web.Request, raw: dict[str, Any]) -> web.Response:
    try:
        entry = request.app[PUBLISHER].validate(raw)
    except FaqError as exc:
        return error(400, "条目校验未通过", problems=exc.problems)
    user = request["user"]["username"]
    await request.app[STORE].drafts.save_faq_draft(entry.id, entry.to_dict(), user)
    await request.app[STORE].logs.audit(user, "save_faq_draft", entry.id,
                                        json.dumps(entry.to_dict(), ensure_ascii=False))
    return ok({**entry.to_dict(), "state": "draft"}, status=201)


@admin
async def create_faq(request: web.Request) -> web.Response:
    raw = entry_from(await json_body(request))
    if any(e["id"] == raw.get("id") for e in await effective_faq(request)):
        return error(409, f"条目 {raw.get('id')} 已存在")
    return await save_draft(request, raw)


@admin
async def update_faq(request: web.Request) -> web.Response:
    return await save_draft(request, entry_from(await json_body(request), request.match_info["eid"]))


@admin
async def delete_faq(request: web.Request) -> web.Response:
    eid = request.match_info["eid"]
    if not any(e["id"] == eid for e in await effective_faq(request)):
        return error(404, f"没有条目 {eid}")
    user = request["user"]["username"]
    await request.app[STORE].drafts.save_faq_draft(eid, None, user)
    await request.app[STORE].logs.audit(user, "delete_faq_draft", eid)
    return ok({"id": eid, "state": "deleted"})


@admin
async def chunks(request: web.Request) -> web.Response:
    r = request.app[LIVE].retriever
    task = request.query.get("task", "")
    items = [{"doc_id": c["doc"], "section": c["section"], "section_label": c["section_label"], "task": c["task"],
              "task_title": c["task_title"], "text": c["text"]}
             for c in r.chunks.values() if not task.isdigit() or c["task"] == _task_number(task)]
    return ok({"items": items})


@admin
async def topics(request: web.Request) -> web.Response:
    depts = sorted({e["department"] for e in request.app[LIVE].retriever.faq.values()})
    return ok({"topics": list(TOPICS), "departments": depts})


@admin
async def publish(request: web.Request) -> web.Response:
    try:
        result = await request.app[PUBLISHER].run(request.app[PUBLISHER].publish_faq, request["user"]["username"])
    except FaqError as exc:
        return error(400, "草稿校验未通过，未发布", problems=exc.problems)
    return ok(result)


@admin
async def versions(request: web.Request) -> web.Response:
    store = request.app[LIVE].store
    items = []
    for v in reversed(store.versions()):
        m = store.meta(v)
        items.append({"version": v, "built_at": iso(m.get("built_at")), "note": m.get("note", ""), "units": m["units"]})
    return ok({"current": store.current(), "versions": items})


@admin
async def rollback(request: web.Request) -> web.Response:
    version = text_field(await json_body(request), "version", 100, label="version")
    if version not in request.app[LIVE].store.versions():
        return error(404, f"没有版本 {version}")
    pub = request.app[PUBLISHER]
    return ok({"current": await pub.run(pub.rollback, version, request["user"]["username"])})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/faq", list_faq)
    app.router.add_post("/api/admin/faq", create_faq)
    app.router.add_get("/api/admin/faq/{eid}", get_faq)
    app.router.add_put("/api/admin/faq/{eid}", update_faq)
    app.router.add_delete("/api/admin/faq/{eid}", delete_faq)
    app.router.add_get("/api/admin/chunks", chunks)
    app.router.add_get("/api/admin/topics", topics)
    app.router.add_post("/api/admin/publish", publish)
    app.router.add_get("/api/admin/versions", versions)
    app.router.add_post("/api/admin/rollback", rollback)
