"""Admin console, knowledge tab: FAQ drafts over the published entries, chunks, publish, versions, rollback.

A refused entry comes back as 400 with `problems` (Chinese, each naming its field) and `fields`: the same
problems by entry field ("basis", "answer", …; "" for none), so the editor shows each next to its field.

An entry cites a document (`doc`) and units of it (`tasks`): the plan's task numbers, a regulation's article
numbers, or the sequential unit numbers of other documents. GET /api/admin/units names every unit of every
live document in the document's own terms ("第5项任务", "第二章 第五条", "三、（二）") for the editor, and
refusals about a document other than the plan speak of its units in those terms too."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from aiohttp import web

from knowledge.faq import FIELD_LABELS, FIELDS, TOPICS, FaqError, Problem
from protocol.clock import iso
from web.consoles.auth import admin
from web.http import BadRequest, error, json_body, ok, small_id, text_field
from web.state import LIVE, PUBLISHER, STORE

_OUTLINE_PART = re.compile(r"^(?:[一二三四五六七八九十]+|\([一二三四五六七八九十]+\)|\d{1,3})$")
EXCERPT = 40


def _outline_label(parts: list[str]) -> str:
    """"三.(二).5" split → "三、（二）5.": an outline path as the document writes its headings."""
    out = ""
    for p in parts:
        if p.startswith("("):
            out += f"（{p[1:-1]}）"
        elif p.isdigit():
            out += f"{p}."
        else:
            out += f"{p}、"
    return out


def _unit(task: int, chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """One citable unit (the chunks of one task number) labelled in its document's own terms."""
    first = chunks[0]
    numbered = next((c for c in chunks if c.get("numbered")), None)
    excerpt = re.sub(r"\s+", "", first.get("text", ""))[:EXCERPT]
    if numbered is not None:
        return {"task": task, "label": f"第{task}项任务", "title": numbered.get("task_title", ""),
                "kind": "task", "excerpt": excerpt}
    sections = [c.get("section", "") for c in chunks]
    if any(not s for s in sections):  # the text before the first heading (the plan's 一、 joins it)
        return {"task": task, "label": "前言", "title": "", "kind": "item", "excerpt": excerpt}
    split = [s.split(".") for s in sections if s]
    if all(_OUTLINE_PART.match(p) for parts in split for p in parts):
        common: list[str] = []
        for column in zip(*split):
            if len(set(column)) > 1:
                break
            common.append(column[0])
        if common:
            titles = first.get("section_titles") or []
            title = titles[len(common) - 1] if len(titles) >= len(common) else first.get("task_title", "")
            return {"task": task, "label": _outline_label(common), "title": title, "kind": "item",
                    "excerpt": excerpt}
    label = first.get("section_label") or first.get("section") or f"单元 {task}"
    kind = "article" if re.search(r"第[^ ]+条", label) else "item"
    title = "" if kind == "article" else first.get("task_title", "")
    return {"task": task, "label": label, "title": title if title not in label else "", "kind": kind,
            "excerpt": excerpt}


def doc_units(retriever: Any) -> dict[str, list[dict[str, Any]]]:
    """Every live document's units in reading order: {doc id: [{task, label, title, kind, excerpt}]}."""
    by_doc: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for c in retriever.chunks.values():
        by_doc.setdefault(c["doc"], {}).setdefault(int(c["task"]), []).append(c)
    out: dict[str, list[dict[str, Any]]] = {}
    for doc_id, tasks in by_doc.items():
        units = [_unit(t, cs) for t, cs in tasks.items()]
        out[doc_id] = sorted(units, key=lambda u: min(int(c.get("start", 0)) for c in tasks[u["task"]]))
    return out


def doc_terms(units: list[dict[str, Any]]) -> str:
    """How a document's units are named: "task" (the plan's 第N项任务), "article" (条) or "item"."""
    kinds = {u["kind"] for u in units}
    return "task" if "task" in kinds else "article" if "article" in kinds else "item"


def unit_label(retriever: Any, doc_id: str, task: int, units: dict[str, list[dict[str, Any]]] | None = None) -> str:
    """The label of one unit, "" when the live index does not hold it."""
    units = doc_units(retriever) if units is None else units
    return next((u["label"] for u in units.get(doc_id, []) if u["task"] == task), "")


def default_doc(retriever: Any) -> str:
    """The document a new entry without `doc` cites (as Publisher.validate decides)."""
    cited = Counter(e["doc"] for e in retriever.faq.values())
    return cited.most_common(1)[0][0] if cited else next(iter(retriever.docs), "")


async def effective_faq(request: web.Request) -> list[dict[str, Any]]:
    """Published entries (the live index) with the admin's unpublished drafts laid over them."""
    retriever = request.app[LIVE].retriever
    drafts = await request.app[STORE].drafts.faq_drafts()
    items: dict[str, dict[str, Any]] = {}
    for e in retriever.faq.values():
        items[e["id"]] = {**{k: e[k] for k in FIELDS if k in e},
                          "state": "published", "updated_at": "", "updated_by": ""}
    for eid, d in drafts.items():
        base = items.get(eid, {"id": eid})
        if d["data"] is None:
            items[eid] = {**base, "state": "deleted"}
        else:
            # the draft is the whole entry: a field it leaves out (a cleared 依据) is gone, not inherited
            kept = {k: v for k, v in base.items() if k not in FIELDS}
            items[eid] = {**kept, **d["data"], "state": "draft"}
        items[eid].update(updated_at=iso(d["updated_at"]), updated_by=d["updated_by"])
    return sorted(items.values(), key=lambda e: (min(e.get("tasks") or [99]), e["id"]))


def with_labels(request: web.Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries with their document's title and their units' labels, for the lists (not entry fields)."""
    retriever = request.app[LIVE].retriever
    units = doc_units(retriever)
    out = []
    for e in items:
        doc = e.get("doc") or ""
        title = str((retriever.docs.get(doc) or {}).get("title") or "")
        labels = [unit_label(retriever, doc, t, units) or f"单元 {t}" for t in e.get("tasks") or []]
        out.append({**e, "doc_title": title, "unit_labels": labels})
    return out


@admin
async def list_faq(request: web.Request) -> web.Response:
    q, task, topic = request.query.get("q", ""), request.query.get("task", ""), request.query.get("topic", "")
    doc = request.query.get("doc", "")
    items = await effective_faq(request)
    if q:
        items = [e for e in items if q in e["id"] or q in e.get("answer", "") or q in e.get("basis", "")
                 or any(q in x for x in e.get("questions", []))]
    if task.isdigit():
        items = [e for e in items if _task_number(task) in (e.get("tasks") or [])]
    if topic:
        items = [e for e in items if e.get("topic") == topic]
    if doc:
        items = [e for e in items if e.get("doc") == doc]
    return ok({"items": with_labels(request, items)})


@admin
async def get_faq(request: web.Request) -> web.Response:
    eid = request.match_info["eid"]
    item = next((e for e in await effective_faq(request) if e["id"] == eid), None)
    return ok(with_labels(request, [item])[0]) if item else error(404, f"没有条目 {eid}")


def _task_number(value: str) -> int:
    number = small_id(value)
    if number is None:
        raise BadRequest("任务编号必须是不超过 9 位的数字")
    return number


def entry_from(data: dict[str, Any], eid: str | None = None) -> dict[str, Any]:
    """The entry fields of a request body; the editor may send questions and tasks as text."""
    raw = {k: data.get(k) for k in FIELDS}
    if eid is not None:
        raw["id"] = eid
    if isinstance(raw.get("questions"), str):
        raw["questions"] = [q.strip() for q in raw["questions"].splitlines() if q.strip()]
    if isinstance(raw.get("tasks"), str):
        raw["tasks"] = [_task_number(t.strip()) for t in re.split(r"[,\s，]+", raw["tasks"]) if t.strip().isdigit()]
    return {k: v for k, v in raw.items() if v is not None}


def refused(message: str, exc: FaqError) -> web.Response:
    """400 with every problem, and the same problems by field for the editor's inline messages."""
    return error(400, message, problems=[str(p) for p in exc.problems], fields=exc.by_field())


def _field_error(field: str, message: str) -> web.Response:
    text = f"{FIELD_LABELS[field]}（{field}）：{message}"
    return error(400, "条目校验未通过，请按提示修改", problems=[text], fields={field: [text]})


def in_document_terms(request: web.Request, raw: dict[str, Any], exc: FaqError) -> FaqError:
    """The problems of an entry citing a document other than the plan, about its units in that document's
    terms: "所选任务（第5项）" → "所选单元（第二章 第五条）", "中没有第7项任务" → "中没有单元 7"."""
    retriever = request.app[LIVE].retriever
    doc = str(raw.get("doc") or (retriever.faq.get(str(raw.get("id") or "")) or {}).get("doc") or "")
    units = doc_units(retriever).get(doc)
    if not units or doc_terms(units) == "task":
        return exc
    labels = {u["task"]: u["label"] for u in units}
    title = str((retriever.docs.get(doc) or {}).get("title") or doc)

    def chosen(m: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"第(\d+)项", m.group(1))]
        return "所选单元（" + "、".join(labels.get(n, f"单元 {n}") for n in numbers) + "）"

    out = []
    for p in exc.problems:
        text = re.sub(r"所选任务（((?:第\d+项、?)+)）", chosen, str(p))
        text = re.sub(r"文档 \S+ 中没有第(\d+)项任务", lambda m: f"《{title}》中没有单元 {m.group(1)}", text)
        text = text.replace("任务编号（tasks）必须是非空的任务编号列表，如 [5] 或 [5, 6]",
                            "单元（tasks）：请选择至少一个单元")
        text = text.replace("任务编号（tasks）", "单元（tasks）")
        out.append(Problem(text, getattr(p, "field", "")))
    return FaqError(out)


async def save_draft(request: web.Request, raw: dict[str, Any]) -> web.Response:
    try:
        entry = request.app[PUBLISHER].validate(raw)
    except FaqError as exc:
        return refused("条目校验未通过，请按提示修改", in_document_terms(request, raw, exc))
    user = request["user"]["username"]
    await request.app[STORE].drafts.save_faq_draft(entry.id, entry.to_dict(), user)
    await request.app[STORE].logs.audit(user, "save_faq_draft", entry.id,
                                        json.dumps(entry.to_dict(), ensure_ascii=False))
    return ok({**entry.to_dict(), "state": "draft"}, status=201)


async def _entry_of(request: web.Request, eid: str | None = None) -> dict[str, Any] | web.Response:
    """The request's entry, or a 400 naming the tasks field when its task numbers are unreadable."""
    data = await json_body(request)
    try:
        return entry_from(data, eid)
    except BadRequest as exc:
        return _field_error("tasks", str(exc))


@admin
async def create_faq(request: web.Request) -> web.Response:
    raw = await _entry_of(request)
    if isinstance(raw, web.Response):
        return raw
    if any(e["id"] == raw.get("id") for e in await effective_faq(request)):
        text = f"条目 ID（id）：条目 {raw.get('id')} 已存在，请换一个 ID"
        return error(409, f"条目 {raw.get('id')} 已存在", problems=[text], fields={"id": [text]})
    return await save_draft(request, raw)


@admin
async def update_faq(request: web.Request) -> web.Response:
    raw = await _entry_of(request, request.match_info["eid"])
    return raw if isinstance(raw, web.Response) else await save_draft(request, raw)


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
    """The text of units to quote from: `task` (a unit number) and `doc` (a document id) narrow it down."""
    r = request.app[LIVE].retriever
    task, doc = request.query.get("task", ""), request.query.get("doc", "")
    number = _task_number(task) if task.isdigit() else None
    units = doc_units(r)
    items = [{"doc_id": c["doc"], "doc_title": str((r.docs.get(c["doc"]) or {}).get("title") or c["doc"]),
              "section": c["section"], "section_label": c["section_label"], "task": c["task"],
              "unit_label": unit_label(r, c["doc"], c["task"], units),
              "task_title": c["task_title"], "text": c["text"], "sentences": list(c.get("sentences") or [])}
             for c in r.chunks.values()
             if (number is None or c["task"] == number) and (not doc or c["doc"] == doc)]
    return ok({"items": items})


@admin
async def units(request: web.Request) -> web.Response:
    """The live documents an entry may cite, each with its units labelled in its own terms; `default` is
    the document a new entry cites unless another is chosen. `doc` narrows the list to one document."""
    r = request.app[LIVE].retriever
    wanted = request.query.get("doc", "")
    by_doc = doc_units(r)
    fallback = default_doc(r)
    docs = [{"id": d, "title": str(meta.get("title") or d), "terms": doc_terms(by_doc.get(d, [])),
             "default": d == fallback, "units": by_doc.get(d, [])}
            for d, meta in r.docs.items() if not wanted or d == wanted]
    docs.sort(key=lambda d: (not d["default"], d["title"]))
    return ok({"docs": docs, "default": fallback})


@admin
async def topics(request: web.Request) -> web.Response:
    depts = sorted({e["department"] for e in request.app[LIVE].retriever.faq.values()})
    return ok({"topics": list(TOPICS), "departments": depts})


@admin
async def publish(request: web.Request) -> web.Response:
    try:
        result = await request.app[PUBLISHER].run(request.app[PUBLISHER].publish_faq, request["user"]["username"])
    except FaqError as exc:
        return refused("草稿校验未通过，未发布", exc)
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
    app.router.add_get("/api/admin/units", units)
    app.router.add_get("/api/admin/topics", topics)
    app.router.add_post("/api/admin/publish", publish)
    app.router.add_get("/api/admin/versions", versions)
    app.router.add_post("/api/admin/rollback", rollback)
