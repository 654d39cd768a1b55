"""Admin console, documents tab: upload with metadata and a parse preview, publish, life cycle, validity."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
import time
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy

import knowledge.documents as documents
import knowledge.formats as formats
import knowledge.parser as parser
from index import build
from knowledge.documents import Document, DocumentError, dump_document, parse_document_text
from knowledge.formats import UnsupportedFile, extract_text
from knowledge.sources import load_documents_with_local
from web.consoles.auth import admin
from web.http import (
    DEFAULT_ROUTE_LIMITS,
    BadRequest,
    body_limit,
    error,
    json_body,
    ok,
    parse_route_limits,
    size_label,
    text_field,
)
from web.state import PUBLISHER, SETTINGS, STORE

UPLOAD_ROUTE = "/api/admin/documents"
SIGNED_DATE_RE = re.compile(r"(20\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TERM_RE = re.compile(r"^(\d{1,3}\s*(年|个月|月)|长期)$")  # 有效期 as knowledge.documents reads it
LEVELS = documents.MOST_SPECIFIC_FIRST  # the form's order: the New Area's own level first
RELATIONS = documents.RELATION_KEYS
MIN_COVERAGE = 0.98
NO_TEXT = "文件中没有可识别的正文（需要包含以句号结尾的完整句子）；扫描件 PDF 需先做文字识别"
LONG_UNIT = 1500  # characters; a longer unit is retrieved as one block and cited imprecisely
UNIT_NAMES = {"task": "项任务", "article": "条", "chapter": "章", "section": "节", "item": "项", "paragraph": "段"}
# multipart fields → their labels in the form, for the Chinese messages
FIELD_LABELS = {"title": "标题", "number": "文号", "issuer": "发文机关", "term": "有效期"}


# ---- life cycle --------------------------------------------------------------------------------------
def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def statuses(docs: list[Document], today: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """Each document's state, label (已被《…》替代 …), replacing document and whether it may answer
    (knowledge.documents.lifecycle), with the replacement named for a document also switched off by hand."""
    found = {doc_id: s.to_dict() for doc_id, s in documents.lifecycle(docs, today or dt.date.today()).items()}
    return _with_replacers(found, docs)


def _with_replacers(found: dict[str, dict[str, Any]], docs: list[Document]) -> dict[str, dict[str, Any]]:
    """A document switched off by hand and also replaced keeps its state (已废止), but the replacement in
    force is named too: switching it back on would not make it answer."""
    for d in sorted(docs, key=lambda x: (x.written, x.id)):  # the newest replacer wins, as in lifecycle
        if found.get(d.id, {}).get("state") != "有效":
            continue
        for old in d.relations("replaces"):
            if old in found and old != d.id and found[old]["state"] != "已被替代":
                found[old]["replaced_by"] = d.id
    return found


def _item(doc: Document, status: dict[str, Any], titles: dict[str, str]) -> dict[str, Any]:
    meta = doc.meta
    replaced_by = status.get("replaced_by")
    return {"id": doc.id, "title": doc.title, "number": meta.get("number"), "issuer": meta.get("issuer"),
            "written": doc.written, "effective": meta.get("effective"), "expires": meta.get("expires"),
            "term": meta.get("term"), "level": doc.level,
            "validity": meta.get("validity", "有效"), "chunks": len(doc.chunks),
            "status": status["state"], "status_label": status["label"], "answerable": status["answerable"],
            "replaced_by": replaced_by, "replaced_by_title": titles.get(replaced_by or ""),
            **{rel: doc.relations(rel) for rel in RELATIONS}}


@admin
async def list_documents(request: web.Request) -> web.Response:
    pub = request.app[PUBLISHER]
    uploads = {d["id"]: d for d in await request.app[STORE].drafts.documents()}
    published = load_documents_with_local(pub.settings)
    titles = {d.id: d.title for d in published}
    found = statuses(published)
    items = []
    for d in published:
        # an upload is published only once its version is live (the store says so); its file exists
        # earlier, while the publish is still building
        items.append({**_item(d, found[d.id], titles),
                      "state": uploads[d.id]["state"] if d.id in uploads else "published",
                      "source": "upload" if d.id in uploads else "repository"})
    known = {d.id for d in published}
    for u in uploads.values():
        if u["id"] in known:
            continue
        try:
            doc = parse_document_text(u["text"], u["id"])
        except DocumentError as exc:  # a draft saved under older, looser rules: show it, so it can be deleted
            items.append({"id": u["id"], "title": u["id"], "status": "无法解析", "status_label": f"无法解析：{exc}",
                          "state": u["state"], "source": "upload", "answerable": False})
            continue
        status = statuses([*published, doc])[doc.id]  # as it would be once published
        items.append({**_item(doc, status, titles), "source": "upload",
                      "state": "publish_failed" if u["state"] == "published" else u["state"]})
    # what the upload accepts, so the form says the same as the server
    limits = {**DEFAULT_ROUTE_LIMITS, **parse_route_limits(request.app[SETTINGS]["web"].get("route_limits"))}
    return ok({"items": items, "levels": list(LEVELS), "extensions": list(formats.SUPPORTED),
               "max_bytes": limits[UPLOAD_ROUTE], "max_label": size_label(limits[UPLOAD_ROUTE])})


# ---- preview -----------------------------------------------------------------------------------------
def _dropped_lines(body: str, chunks: list[Any], n: int = 5) -> list[str]:
    """Lines of the body no unit keeps as text or title: what the admin should check."""
    kept = [c.text for c in chunks] + [t for c in chunks for t in (*c.section_titles, c.task_title) if t]
    lines = (line.strip() for line in body.splitlines())
    return [line[:80] for line in lines if len(line) >= 4 and not any(line in k or k in line for k in kept)][:n]


def preview(doc: Document) -> dict[str, Any]:
    """What the parser made of a document: its units, how much text they keep, and what to check."""
    chunks = doc.chunks
    total = len(re.sub(r"\s+", "", doc.body))
    ratio = parser.coverage(doc.body, chunks)
    kept = round(total * ratio)
    units = list(dict.fromkeys(build.unit_label(c) for c in chunks))
    unit = chunks[0].unit if chunks else "task"
    has_tasks = any(c.unit == "task" for c in chunks)
    problems: list[str] = []
    if ratio < MIN_COVERAGE:
        problems.append(f"只保留了 {ratio:.1%} 的正文（低于 98%），部分内容不会被检索到，请检查下面列出的未保留内容")
    dropped = _dropped_lines(doc.body, chunks) if ratio < 1 else []
    problems += [f"未保留：{line}" for line in dropped]
    if len(units) <= 1 and len(chunks) > 1:
        problems.append("没有识别出章、条或“一、（一）1.”等编号，全文按段落切分，引用时只能指向整篇文件")
    long = [c for c in chunks if len(c.text) > LONG_UNIT][:3]
    problems += [f"“{build.unit_label(c)}”过长（{len(c.text)} 字），检索时作为一整段引用" for c in long]
    return {
        "chunks": [{"label": build.unit_label(c), "unit": c.unit, "section": c.section,
                    "section_label": build.section_label(c.section, c.section_titles),
                    "task": c.task if c.unit == "task" else None, "task_title": c.task_title, "text": c.text}
                   for c in chunks],
        "tasks": len({c.task for c in chunks if c.unit == "task"}) if has_tasks else 0,
        "units": len(units), "unit": unit, "unit_name": UNIT_NAMES.get(unit, "个单元"),
        "coverage": round(ratio, 4), "kept_chars": kept, "total_chars": total,
        "coverage_text": f"已保留 {kept} / {total} 字符（{ratio:.1%}）", "coverage_ok": ratio >= MIN_COVERAGE,
        "problems": problems,
    }


# ---- upload ------------------------------------------------------------------------------------------
def _text(form: MultiDictProxy[Any], name: str, max_len: int = 200) -> str:
    value = form.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if len(value) > max_len:
        raise BadRequest(f"{FIELD_LABELS.get(name, name)}过长：最多 {max_len} 个字符")
    return value


def _date_field(form: MultiDictProxy[Any], name: str, label: str, required: bool = False) -> str | None:
    value = _text(form, name, 20)
    if not value:
        if required:
            raise BadRequest(f"请填写{label}（YYYY-MM-DD）")
        return None
    if not DATE_RE.match(value) or _date(value) is None:
        raise BadRequest(f"{label}格式应为 YYYY-MM-DD，且是有效日期：{value}")
    return value


def _relations(form: MultiDictProxy[Any], known: dict[str, str]) -> dict[str, list[str]]:
    """依据 / 替代 / 引用: ids of published documents, each field repeated or ";"-separated."""
    out = {}
    for rel, label in RELATIONS.items():
        values = [v for v in form.getall(rel, []) if isinstance(v, str)]
        ids = list(dict.fromkeys(x for v in values for x in documents.as_id_list(v)))
        unknown = [x for x in ids if x not in known]
        if unknown:
            raise BadRequest(f"{label}的文件不存在或未发布：{'、'.join(unknown[:3])}")
        out[rel] = ids
    return out


def written_in(body: str) -> str | None:
    """The 成文日期 an official document states itself: its last "2024年3月15日" (the date under the
    signature), as YYYY-MM-DD."""
    for m in reversed(list(SIGNED_DATE_RE.finditer(body))):
        value = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        if _date(value) is not None:
            return value
    return None


def upload_meta(form: MultiDictProxy[Any], filename: str, known: dict[str, str], body: str = "") -> dict[str, Any]:
    """The front matter of an upload from its form, validated; messages in Chinese for the admin. Without a
    成文日期 in the form, the date the document states under its signature is used."""
    written = _date_field(form, "written", "成文日期") or written_in(body)
    if not written:
        raise BadRequest("请填写成文日期（YYYY-MM-DD）：文件中也没有找到“2024年3月15日”这样的落款日期")
    effective = _date_field(form, "effective", "生效日期")
    expires = _date_field(form, "expires", "失效日期")
    term = _text(form, "term", 20)
    if term and not TERM_RE.match(term):
        raise BadRequest(f"有效期应写成“3年”“6个月”或“长期”：{term}")
    if expires and term:
        raise BadRequest("失效日期和有效期只需填写一项")
    start = effective or written
    if expires and start and expires <= start:
        raise BadRequest(f"失效日期 {expires} 应晚于{'生效' if effective else '成文'}日期 {start}")
    level = _text(form, "level", 20) or LEVELS[0]
    if level not in LEVELS:
        raise BadRequest(f"层级必须是 {' / '.join(LEVELS)} 之一")
    relations = _relations(form, known)
    both = set(relations["replaces"]) & (set(relations["based_on"]) | set(relations["cites"]))
    if both:
        raise BadRequest(f"《{known[sorted(both)[0]]}》不能既被替代又被依据或引用")
    meta: dict[str, Any] = {
        "title": (_text(form, "title") or filename.rsplit(".", 1)[0])[:200], "number": _text(form, "number") or None,
        "issuer": _text(form, "issuer") or None, "level": level, "written": written, "effective": effective,
        "expires": expires, "term": term or None, "validity": "有效", "source": filename,
    }
    meta.update({rel: ids for rel, ids in relations.items() if ids})
    return {k: v for k, v in meta.items() if v is not None}


@admin
async def upload_document(request: web.Request) -> web.Response:
    limit = body_limit(request)  # web.route_limits; the middleware already refused larger bodies
    form = await request.post()
    upload = form.get("file")
    if not isinstance(upload, web.FileField):
        raise BadRequest("请选择要上传的文件")
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        return error(413, f"文件过大：最大 {size_label(limit)}")
    filename = upload.filename or ""
    published = load_documents_with_local(request.app[PUBLISHER].settings)
    _date_field(form, "written", "成文日期")  # a malformed date is refused before the file is read
    try:
        body = await asyncio.get_running_loop().run_in_executor(None, extract_text, filename, data)
    except UnsupportedFile as exc:
        raise BadRequest(str(exc)) from None
    meta = upload_meta(form, filename, {d.id: d.title for d in published}, body)
    doc_id = f"upload-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(6)}"  # unique even for one title
    text = dump_document({"id": doc_id, **meta}, body)
    try:
        doc = parse_document_text(text, filename or doc_id)
    except DocumentError as exc:
        why = str(exc).replace(f"{filename or doc_id}：", "")
        if "no body" in why or "没有可识别的句子" in why or not any("\u4e00" <= ch <= "\u9fff" for ch in why):
            raise BadRequest(NO_TEXT) from None
        raise BadRequest(why) from None
    user = request["user"]["username"]
    await request.app[STORE].drafts.save_document(doc_id, text, "draft", user)
    await request.app[STORE].logs.audit(user, "upload_document", doc_id, meta["title"])
    return ok({"id": doc_id, "title": doc.title, "meta": {k: v for k, v in doc.meta.items() if k != "id"},
               "preview": preview(doc)}, status=201)


@admin
async def publish_document(request: web.Request) -> web.Response:
    pub, doc_id = request.app[PUBLISHER], request.match_info["doc_id"]
    if await request.app[STORE].drafts.document(doc_id) is None:
        return error(404, f"没有文档 {doc_id}")
    return ok(await pub.run(pub.publish_document, doc_id, request["user"]["username"]))


@admin
async def set_validity(request: web.Request) -> web.Response:
    validity = text_field(await json_body(request), "validity", 10, label="validity")
    if validity not in ("有效", "失效"):
        raise BadRequest("validity 必须是 有效 或 失效")
    pub, doc_id = request.app[PUBLISHER], request.match_info["doc_id"]
    published = load_documents_with_local(pub.settings)
    by_id = {d.id: d for d in published}
    if doc_id not in by_id:
        return error(404, f"没有已发布的文档 {doc_id}")
    if validity == "有效":
        replacing = statuses(published).get(doc_id, {}).get("replaced_by")
        if replacing:
            title, new = by_id[doc_id].title, by_id[replacing].title if replacing in by_id else replacing
            return error(409, f"《{title}》已被《{new}》替代，不能恢复为有效：替代关系仍在，"
                              f"请先将《{new}》设为失效（或重新上传不含该替代关系的文件）后再恢复",
                         replaced_by=replacing)
    return ok(await pub.run(pub.set_validity, doc_id, validity, request["user"]["username"]))


@admin
async def delete_document(request: web.Request) -> web.Response:
    doc = await request.app[STORE].drafts.document(request.match_info["doc_id"])
    if doc is None or doc["state"] not in ("draft", "publish_failed"):
        return error(409, "只能删除未发布的草稿文档")
    await request.app[STORE].drafts.delete_document(doc["id"])
    await request.app[STORE].logs.audit(request["user"]["username"], "delete_document", doc["id"])
    return ok({"id": doc["id"]})


def add_routes(app: web.Application) -> None:
    app.router.add_get(UPLOAD_ROUTE, list_documents)
    app.router.add_post(UPLOAD_ROUTE, upload_document)
    app.router.add_post("/api/admin/documents/{doc_id}/publish", publish_document)
    app.router.add_post("/api/admin/documents/{doc_id}/validity", set_validity)
    app.router.add_delete("/api/admin/documents/{doc_id}", delete_document)
