"""Admin console API: knowledge (FAQ drafts, documents, publish, versions), hit test, unanswered
groups, tickets, analytics, users and the audit log. Every route needs the admin role."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import time
from collections import Counter
from typing import Any

import numpy as np
from aiohttp import web

from index.build import section_label
from knowledge.documents import DocumentError, dump_document, parse_document_text
from knowledge.faq import TOPICS, FaqError
from knowledge.formats import UnsupportedFile, extract_text
from web.auth import ROLES, hash_password, public_name, require_role, validate_display_name, validate_password
from web.http import BadRequest, error, json_body, ok, size_label, small_id, text_field
from web.privacy import mask_pii
from web.state import LIVE, PUBLISHER, SEARCH_POOL, SETTINGS, STORE
from web.tickets import admin_ticket, requeue

MAX_UPLOAD = 2 * 1024 * 1024  # default of settings web.max_upload_bytes
FORM_SLACK = 64 * 1024  # multipart overhead and the form's text fields on top of the file
GROUP_SIMILARITY = 0.9
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
admin = require_role("admin")


def _iso(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else ""


# -- FAQ ----------------------------------------------------------------------------------------
def effective_faq(request: web.Request) -> list[dict[str, Any]]:
    """Published entries (the live index) with the admin's unpublished drafts laid over them."""
    retriever = request.app[LIVE].retriever
    drafts = request.app[STORE].faq_drafts()
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
        items[eid].update(updated_at=_iso(d["updated_at"]), updated_by=d["updated_by"])
    return sorted(items.values(), key=lambda e: (min(e.get("tasks") or [99]), e["id"]))


@admin
async def list_faq(request: web.Request) -> web.Response:
    q, task, topic = request.query.get("q", ""), request.query.get("task", ""), request.query.get("topic", "")
    items = effective_faq(request)
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
    item = next((e for e in effective_faq(request) if e["id"] == eid), None)
    return ok(item) if item else error(404, f"没有条目 {eid}")


def _task_number(value: str) -> int:
    number = small_id(value)
    if number is None:
        raise BadRequest("任务编号必须是不超过 9 位的数字")
    return number


def _entry_from(data: dict[str, Any], eid: str | None = None) -> dict[str, Any]:
    raw = {k: data.get(k) for k in ("id", "doc", "tasks", "topic", "department", "questions", "answer")}
    if eid is not None:
        raw["id"] = eid
    if isinstance(raw.get("questions"), str):
        raw["questions"] = [q.strip() for q in raw["questions"].splitlines() if q.strip()]
    if isinstance(raw.get("tasks"), str):
        raw["tasks"] = [_task_number(t.strip()) for t in re.split(r"[,\s，]+", raw["tasks"]) if t.strip().isdigit()]
    return {k: v for k, v in raw.items() if v is not None}


async def _save_draft(request: web.Request, raw: dict[str, Any]) -> web.Response:
    try:
        entry = request.app[PUBLISHER].validate(raw)
    except FaqError as exc:
        return error(400, "条目校验未通过", problems=exc.problems)
    user = request["user"]["username"]
    request.app[STORE].save_faq_draft(entry.id, entry.to_dict(), user)
    request.app[STORE].audit(user, "save_faq_draft", entry.id, json.dumps(entry.to_dict(), ensure_ascii=False))
    return ok({**entry.to_dict(), "state": "draft"}, status=201)


@admin
async def create_faq(request: web.Request) -> web.Response:
    raw = _entry_from(await json_body(request))
    if any(e["id"] == raw.get("id") for e in effective_faq(request)):
        return error(409, f"条目 {raw.get('id')} 已存在")
    return await _save_draft(request, raw)


@admin
async def update_faq(request: web.Request) -> web.Response:
    return await _save_draft(request, _entry_from(await json_body(request), request.match_info["eid"]))


@admin
async def delete_faq(request: web.Request) -> web.Response:
    eid = request.match_info["eid"]
    if not any(e["id"] == eid for e in effective_faq(request)):
        return error(404, f"没有条目 {eid}")
    user = request["user"]["username"]
    request.app[STORE].save_faq_draft(eid, None, user)
    request.app[STORE].audit(user, "delete_faq_draft", eid)
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
        items.append({"version": v, "built_at": m.get("built_at"), "note": m.get("note", ""), "units": m["units"]})
    return ok({"current": store.current(), "versions": items})


@admin
async def rollback(request: web.Request) -> web.Response:
    version = text_field(await json_body(request), "version", 100, label="version")
    if version not in request.app[LIVE].store.versions():
        return error(404, f"没有版本 {version}")
    pub = request.app[PUBLISHER]
    return ok({"current": await pub.run(pub.rollback, version, request["user"]["username"])})


# -- documents ----------------------------------------------------------------------------------
@admin
async def list_documents(request: web.Request) -> web.Response:
    from index.build import load_documents_with_local

    pub = request.app[PUBLISHER]
    uploads = {d["id"]: d for d in request.app[STORE].documents()}
    items = []
    for d in load_documents_with_local(pub.settings):
        items.append({"id": d.id, "title": d.title, "number": d.meta.get("number"), "written": d.written,
                      "validity": d.meta.get("validity", "有效"), "chunks": len(d.chunks),
                      # an upload is published only once its version is live (the store says so); its file
                      # exists earlier, while the publish is still building
                      "state": uploads[d.id]["state"] if d.id in uploads else "published",
                      "source": "upload" if d.id in uploads else "repository"})
    known = {i["id"] for i in items}
    for u in uploads.values():
        if u["id"] not in known:
            doc = parse_document_text(u["text"], u["id"])
            items.append({"id": u["id"], "title": doc.title, "number": doc.meta.get("number"),
                          "written": doc.written, "validity": doc.meta.get("validity", "有效"),
                          "state": "publish_failed" if u["state"] == "published" else u["state"],
                          "chunks": len(doc.chunks), "source": "upload"})
    return ok({"items": items})


def _preview(doc: Any) -> dict[str, Any]:
    return {"chunks": [{"section": c.section, "section_label": section_label(c.section, c.section_titles),
                        "task": c.task, "task_title": c.task_title, "text": c.text} for c in doc.chunks],
            "tasks": len({c.task for c in doc.chunks})}


@admin
async def upload_document(request: web.Request) -> web.Response:
    limit = int(request.app[SETTINGS]["web"].get("max_upload_bytes", MAX_UPLOAD))
    too_large = f"文件过大：最大 {size_label(limit)}"
    if request.content_length and request.content_length > limit + FORM_SLACK:
        return error(413, too_large)
    request = request.clone(client_max_size=limit + FORM_SLACK)  # this route only: the app-wide limit is small
    try:
        form = await request.post()
    except (ValueError, web.HTTPRequestEntityTooLarge):
        return error(413, too_large)
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise BadRequest("请选择要上传的文件")
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        return error(413, too_large)
    try:
        body = await asyncio.get_running_loop().run_in_executor(None, extract_text, upload.filename or "", data)
    except UnsupportedFile as exc:
        raise BadRequest(str(exc)) from None
    title = str(form.get("title") or "").strip() or (upload.filename or "").rsplit(".", 1)[0]
    written = str(form.get("written") or "").strip()
    if not DATE_RE.match(written):
        raise BadRequest("成文日期格式应为 YYYY-MM-DD")
    effective = str(form.get("effective") or "").strip()
    if effective and not DATE_RE.match(effective):
        raise BadRequest("生效日期格式应为 YYYY-MM-DD")
    doc_id = f"upload-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(6)}"  # unique even for one title
    meta = {"id": doc_id, "title": title[:200], "number": str(form.get("number") or "").strip() or None,
            "issuer": str(form.get("issuer") or "").strip() or None, "written": written,
            "effective": effective or None, "validity": "有效", "source": upload.filename}
    text = dump_document(meta, body)
    try:
        doc = parse_document_text(text, upload.filename or doc_id)
    except DocumentError:
        raise BadRequest("文件中没有可识别的正文（需要包含完整的句子）") from None
    user = request["user"]["username"]
    request.app[STORE].save_document(doc_id, text, "draft", user)
    request.app[STORE].audit(user, "upload_document", doc_id, title)
    return ok({"id": doc_id, "title": doc.title, "preview": _preview(doc)}, status=201)


@admin
async def publish_document(request: web.Request) -> web.Response:
    pub, doc_id = request.app[PUBLISHER], request.match_info["doc_id"]
    if request.app[STORE].document(doc_id) is None:
        return error(404, f"没有文档 {doc_id}")
    return ok(await pub.run(pub.publish_document, doc_id, request["user"]["username"]))


@admin
async def set_validity(request: web.Request) -> web.Response:
    validity = text_field(await json_body(request), "validity", 10, label="validity")
    if validity not in ("有效", "失效"):
        raise BadRequest("validity 必须是 有效 或 失效")
    from index.build import load_documents_with_local

    pub, doc_id = request.app[PUBLISHER], request.match_info["doc_id"]
    if doc_id not in {d.id for d in load_documents_with_local(pub.settings)}:
        return error(404, f"没有已发布的文档 {doc_id}")
    return ok(await pub.run(pub.set_validity, doc_id, validity, request["user"]["username"]))


@admin
async def delete_document(request: web.Request) -> web.Response:
    doc = request.app[STORE].document(request.match_info["doc_id"])
    if doc is None or doc["state"] not in ("draft", "publish_failed"):
        return error(409, "只能删除未发布的草稿文档")
    request.app[STORE].delete_document(doc["id"])
    request.app[STORE].audit(request["user"]["username"], "delete_document", doc["id"])
    return ok({"id": doc["id"]})


# -- hit test --------------------------------------------------------------------------------------
@admin
async def hit_test(request: web.Request) -> web.Response:
    q = text_field(await json_body(request), "q", 500, label="问题")
    retriever = request.app[LIVE].retriever
    r = await asyncio.get_running_loop().run_in_executor(request.app[SEARCH_POOL], retriever.search, q, 8)
    return ok(r.to_dict())


# -- unanswered groups -------------------------------------------------------------------------------
def group_unanswered(request: web.Request) -> list[dict[str, Any]]:
    """Greedy grouping of open unanswered questions by embedding similarity."""
    rows = [r for r in request.app[STORE].unanswered("open", limit=500) if r["text"].strip()]
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
    out = []
    for g in groups:
        rs = g["rows"]
        sample = Counter(r["text"] for r in rs).most_common(1)[0][0]
        r = retriever.search(sample, k=3)
        out.append({"id": min(x["id"] for x in rs), "count": len(rs), "first_at": _iso(min(x["at"] for x in rs)),
                    "last_at": _iso(max(x["at"] for x in rs)), "sample": sample,
                    "texts": sorted({x["text"] for x in rs}), "reasons": sorted({x["reason"] for x in rs}),
                    "row_ids": [x["id"] for x in rs],
                    "nearest": [{"id": h.id, "kind": h.kind, "text": h.text[:200], "score": round(h.score, 4),
                                 "task": h.task} for h in r.results]})
    return sorted(out, key=lambda g: (-g["count"], g["id"]))


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
        current = next((e for e in effective_faq(request) if e["id"] == data["faq_id"]), None)
        if current is None or current["state"] == "deleted":
            return error(404, f"没有条目 {data['faq_id']}")
        raw = {k: current[k] for k in ("id", "doc", "tasks", "topic", "department", "questions", "answer")}
        raw["questions"] = list(dict.fromkeys([*raw["questions"], *texts]))
    elif isinstance(data.get("entry"), dict):
        raw = _entry_from(data["entry"])
        raw["questions"] = list(dict.fromkeys([*(raw.get("questions") or []), *texts]))
    else:
        raise BadRequest("需要 faq_id 或 entry")
    resp = await _save_draft(request, raw)
    if resp.status >= 400:
        return resp
    pub = request.app[PUBLISHER]
    try:
        result = await pub.run(pub.publish_faq, user)
    except FaqError as exc:
        return error(400, "草稿校验未通过，未发布", problems=exc.problems)
    n = request.app[STORE].mark_unanswered_resolved(group["row_ids"], raw["id"])
    request.app[STORE].audit(user, "resolve_unanswered", raw["id"], f"{n} questions: {group['sample']}")
    return ok({"resolved": n, "version": result["version"], "faq_id": raw["id"]})


# -- tickets ------------------------------------------------------------------------------------------
@admin
async def list_tickets(request: web.Request) -> web.Response:
    status = request.query.get("status") or None
    return ok({"items": [admin_ticket(t) for t in request.app[STORE].tickets(status, limit=500)]})


@admin
async def get_ticket(request: web.Request) -> web.Response:
    t = request.app[STORE].ticket(request.match_info["ticket_no"].upper())
    if t is None:
        return error(404, "没有这个工单")
    return ok(admin_ticket(t, request.app[STORE].ticket_events(t["id"])))


@admin
async def retry_ticket(request: web.Request) -> web.Response:
    no = request.match_info["ticket_no"].upper()
    if not requeue(request.app, no):
        return error(409, f"工单 {no} 不存在或不是投递失败状态")
    request.app[STORE].audit(request["user"]["username"], "retry_ticket", no)
    return ok({"ticket_no": no, "delivery": "pending"})


# -- analytics ------------------------------------------------------------------------------------------
@admin
async def analytics(request: web.Request) -> web.Response:
    try:
        days = max(1, min(365, int(request.query.get("days", "30"))))
    except ValueError:
        raise BadRequest("days 必须是整数") from None
    store = request.app[STORE]
    since = time.time() - days * 86400
    day = lambda ts: time.strftime("%Y-%m-%d", time.localtime(ts))  # noqa: E731
    per_day: dict[str, dict[str, Any]] = {}
    for i in range(days - 1, -1, -1):
        d = day(time.time() - i * 86400)
        per_day[d] = {"day": d, "questions": 0, "answered": 0, "declined": 0}
    topics: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    for t in store.turns_since(since):
        if t["reply_type"] not in ("answer", "declined"):
            continue
        row = per_day.setdefault(day(t["at"]), {"day": day(t["at"]), "questions": 0, "answered": 0, "declined": 0})
        row["questions"] += 1
        row["answered" if t["reply_type"] == "answer" else "declined"] += 1
        if t["topic"]:
            topics[t["topic"]] += 1
        questions[mask_pii(t["question"].strip())[:80]] += 1
    total = sum(r["questions"] for r in per_day.values())
    answered = sum(r["answered"] for r in per_day.values())
    unanswered: Counter[str] = Counter(day(r["at"]) for r in store.query(
        "SELECT at FROM unanswered WHERE at >= ?", (since,)))
    fb = Counter(r["rating"] for r in store.query("SELECT rating FROM feedback WHERE at >= ?", (since,)))
    now = time.time()
    incidents = {"last_24h": store.incident_counts(now - 86400), "last_7d": store.incident_counts(now - 7 * 86400),
                 "recent": [{**i, "at": _iso(i["at"]), "recovered": bool(i["recovered"])}
                            for i in store.incidents(20)]}
    return ok({"per_day": list(per_day.values()), "answer_rate": round(answered / total, 4) if total else None,
               "top_topics": [{"topic": k, "n": n} for k, n in topics.most_common(10)],
               "top_questions": [{"text": k, "n": n} for k, n in questions.most_common(10)],
               "feedback": {k: fb.get(k, 0) for k in ("up", "down", "used", "unsuitable")},
               "unanswered_per_day": [{"day": d, "n": unanswered.get(d, 0)} for d in per_day],
               "incidents": incidents})


# -- users and audit ---------------------------------------------------------------------------------------
@admin
async def list_users(request: web.Request) -> web.Response:
    return ok({"items": [{**u, "active": bool(u["active"]), "created_at": _iso(u["created_at"]),
                          "last_login": _iso(u["last_login"]), "public_name": public_name(u)}
                         for u in request.app[STORE].users()]})


@admin
async def create_user(request: web.Request) -> web.Response:
    from web.users import USERNAME_RE

    data = await json_body(request)
    username = text_field(data, "username", 50, label="用户名")
    if not USERNAME_RE.match(username):
        raise BadRequest("用户名为 3-50 位字母、数字或 _ . -")
    role = text_field(data, "role", 10, label="角色")
    if role not in ROLES:
        raise BadRequest("角色必须是 admin 或 agent")
    password = text_field(data, "password", 200, label="密码")
    validate_password(password)
    store = request.app[STORE]
    if store.user(username):
        return error(409, f"用户 {username} 已存在")
    display_name = validate_display_name(data.get("display_name"), username, [u["username"] for u in store.users()])
    store.create_user(username, hash_password(password), role, display_name)
    store.audit(request["user"]["username"], "create_user", username,
                f"{role} {display_name}" if display_name else role)
    return ok({"username": username, "role": role, "display_name": display_name,
               "public_name": public_name(store.user(username))}, status=201)


@admin
async def update_user(request: web.Request) -> web.Response:
    username = request.match_info["username"]
    store = request.app[STORE]
    if store.user(username) is None:
        return error(404, f"没有用户 {username}")
    data = await json_body(request)
    fields: dict[str, Any] = {}
    if "role" in data:
        if data["role"] not in ROLES:
            raise BadRequest("角色必须是 admin 或 agent")
        fields["role"] = data["role"]
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise BadRequest("active 必须是 true 或 false")
        fields["active"] = int(data["active"])
    if "password" in data:
        password = text_field(data, "password", 200, label="密码")
        validate_password(password)
        fields["password_hash"] = hash_password(password)
    if "display_name" in data:
        fields["display_name"] = validate_display_name(data["display_name"], username,
                                                       [u["username"] for u in store.users()])
    if username == request["user"]["username"] and (fields.get("role", "admin") != "admin"
                                                    or fields.get("active", 1) == 0):
        raise BadRequest("不能降低或停用自己的管理员账号")
    store.update_user(username, **fields)
    store.audit(request["user"]["username"], "update_user", username,
                json.dumps({k: v for k, v in fields.items() if k != "password_hash"} |
                           ({"password": "changed"} if "password_hash" in fields else {}), ensure_ascii=False))
    return ok({"username": username, **{k: v for k, v in fields.items() if k != "password_hash"},
               "public_name": public_name(store.user(username))})


@admin
async def audit_log(request: web.Request) -> web.Response:
    return ok({"items": [{"at": _iso(a["at"]), "user": a["username"], "action": a["action"], "target": a["target"],
                          "detail": a["detail"]} for a in request.app[STORE].audit_log()]})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/api/admin/faq", list_faq)
    r.add_post("/api/admin/faq", create_faq)
    r.add_get("/api/admin/faq/{eid}", get_faq)
    r.add_put("/api/admin/faq/{eid}", update_faq)
    r.add_delete("/api/admin/faq/{eid}", delete_faq)
    r.add_get("/api/admin/chunks", chunks)
    r.add_get("/api/admin/topics", topics)
    r.add_post("/api/admin/publish", publish)
    r.add_get("/api/admin/versions", versions)
    r.add_post("/api/admin/rollback", rollback)
    r.add_get("/api/admin/documents", list_documents)
    r.add_post("/api/admin/documents", upload_document)
    r.add_post("/api/admin/documents/{doc_id}/publish", publish_document)
    r.add_post("/api/admin/documents/{doc_id}/validity", set_validity)
    r.add_delete("/api/admin/documents/{doc_id}", delete_document)
    r.add_post("/api/admin/hit-test", hit_test)
    r.add_get("/api/admin/unanswered/groups", unanswered_groups)
    r.add_post("/api/admin/unanswered/groups/{gid}/resolve", resolve_group)
    r.add_get("/api/admin/tickets", list_tickets)
    r.add_get("/api/admin/tickets/{ticket_no}", get_ticket)
    r.add_post("/api/admin/tickets/{ticket_no}/retry", retry_ticket)
    r.add_get("/api/admin/analytics", analytics)
    r.add_get("/api/admin/users", list_users)
    r.add_post("/api/admin/users", create_user)
    r.add_put("/api/admin/users/{username}", update_user)
    r.add_get("/api/admin/audit", audit_log)
