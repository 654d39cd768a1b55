"""Admin console, documents tab: upload with a chunk preview, publish, validity, delete drafts."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from typing import Any

from aiohttp import web

from index.build import section_label
from knowledge.documents import DocumentError, dump_document, parse_document_text
from knowledge.formats import UnsupportedFile, extract_text
from knowledge.sources import load_documents_with_local
from web.consoles.auth import admin
from web.http import BadRequest, error, json_body, ok, size_label, text_field
from web.state import PUBLISHER, SETTINGS, STORE

MAX_UPLOAD = 2 * 1024 * 1024  # default of settings web.max_upload_bytes
FORM_SLACK = 64 * 1024  # multipart overhead and the form's text fields on top of the file
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@admin
async def list_documents(request: web.Request) -> web.Response:
    pub = request.app[PUBLISHER]
    uploads = {d["id"]: d for d in await request.app[STORE].drafts.documents()}
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
    await request.app[STORE].drafts.save_document(doc_id, text, "draft", user)
    await request.app[STORE].logs.audit(user, "upload_document", doc_id, title)
    return ok({"id": doc_id, "title": doc.title, "preview": _preview(doc)}, status=201)


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
    if doc_id not in {d.id for d in load_documents_with_local(pub.settings)}:
        return error(404, f"没有已发布的文档 {doc_id}")
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
    app.router.add_get("/api/admin/documents", list_documents)
    app.router.add_post("/api/admin/documents", upload_document)
    app.router.add_post("/api/admin/documents/{doc_id}/publish", publish_document)
    app.router.add_post("/api/admin/documents/{doc_id}/validity", set_validity)
    app.router.add_delete("/api/admin/documents/{doc_id}", delete_document)
