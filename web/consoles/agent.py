"""Hotline agent console API: suggestions while the agent types, feedback on them, unresolved questions.

A suggestion carries the engine's outcome (answered | partial | declined), so the agent sees when the plan
does not state what the caller asked, and each result's document (title, unit, date, validity) with, for the
answer, the related passages of other documents; 不合适 queues the question for the admins like a citizen's 👎."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from aiohttp import web

from web.consoles.auth import require_role
from web.http import choice_field, json_body, ok, optional_int, text_field
from web.internal.unanswered import queue_once
from web.privacy import hash_sender, mask_pii
from web.state import LIVE, SEARCH_POOL, SETTINGS, STORE


async def search_payload(request: web.Request, q: str, k: int) -> tuple[Any, Any]:
    retriever = request.app[LIVE].retriever
    result = await asyncio.get_running_loop().run_in_executor(request.app[SEARCH_POOL], retriever.search, q, k)
    return retriever, result


# what a suggestion shows of a citation: the document (title, number, issuer, level), the unit in the
# document's own terms, the date and the validity, and the source line a reply would carry
CITATION_FIELDS = ("doc_id", "doc_title", "number", "issuer", "level", "section_label", "task", "task_title", "date",
                   "validity", "text")
ANSWER_FIELDS = ("text", "missing", "rule", "faq_id", "topic", "basis")


def brief_citation(citation: dict[str, Any]) -> dict[str, Any]:
    return {k: citation.get(k) for k in CITATION_FIELDS}


def suggestion_payload(payload: dict[str, Any], citations: list[dict[str, Any]]) -> dict[str, Any]:
    """/api/agent/suggest's answer from a search payload (`SearchResponse.to_dict()`) and each result's
    citation: the results with their documents, and the text the caller would get (the passage, or
    "方案中没有写明…。相关规定：…") with the related passages of other documents (其他文件的相关规定)."""
    results = []
    for item, citation in zip(payload.get("results") or [], citations, strict=True):
        results.append({**item, "citation_text": citation["text"], "citation": brief_citation(citation)})
    outcome = payload.get("outcome") or ("declined" if payload.get("declined") else "answered")
    answer = payload.get("answer") or None
    if answer is not None:
        shaped = {k: answer[k] for k in ANSWER_FIELDS if k in answer}
        if isinstance(answer.get("citation"), dict):
            shaped["citation"] = brief_citation(answer["citation"])
        shaped["others"] = [{"text": o["text"], "citation": brief_citation(o["citation"])}
                            for o in answer.get("others") or [] if isinstance(o.get("citation"), dict)]
        answer = shaped
    return {"declined": bool(payload.get("declined")), "reason": payload.get("reason"), "outcome": outcome,
            "answer": answer, "lang": payload.get("lang", "zh"), "results": results,
            "explain": payload.get("explain") or {}}


@require_role("agent", "admin")
async def suggest(request: web.Request) -> web.Response:
    q = text_field(await json_body(request), "q", int(request.app[SETTINGS]["web"]["max_query_chars"]), label="问题")
    retriever, r = await search_payload(request, q, 3)
    return ok(suggestion_payload(r.to_dict(), [retriever.citation_for(h) for h in r.results]))


@require_role("agent", "admin")
async def feedback(request: web.Request) -> web.Response:
    data = await json_body(request)
    q = text_field(data, "q", 500, label="问题")
    result_id = text_field(data, "result_id", 200, label="result_id")
    rating = choice_field(data, "rating", ("used", "unsuitable"))
    task = optional_int(data, "task")
    user = request["user"]["username"]
    salt = request.app[SETTINGS]["web"]["sender_salt"]
    message_id = hashlib.sha256(f"{result_id}|{q}".encode()).hexdigest()[:32]
    fid = await request.app[STORE].logs.record_feedback("hotline", hash_sender(user, salt), message_id, mask_pii(q),
                                             result_id, task, rating)
    if rating == "unsuitable":  # one entry per question, however many of its suggestions are marked
        await queue_once(request.app[STORE], {
            "channel": "hotline", "sender_hash": hash_sender(user, salt), "text": mask_pii(q),
            "reason": "agent_unsuitable", "candidates": [{"id": result_id, "task": task, "score": 0.0, "text": ""}],
            "previous_turn": ""})
    return ok({"id": fid, "rating": rating}, status=201)


@require_role("agent", "admin")
async def unresolved(request: web.Request) -> web.Response:
    q = text_field(await json_body(request), "q", 500, label="问题")
    _, r = await search_payload(request, q, 3)
    candidates = [{"id": h.id, "task": h.task, "score": round(h.score, 4), "text": mask_pii(h.text[:200])}
                  for h in r.results]
    uid = await request.app[STORE].logs.log_unanswered(
        channel="hotline", sender_hash=hash_sender(request["user"]["username"],
                                                   request.app[SETTINGS]["web"]["sender_salt"]),
        text=mask_pii(q), reason="agent_marked", candidates=candidates)
    return ok({"id": uid}, status=201)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/agent/suggest", suggest)
    app.router.add_post("/api/agent/feedback", feedback)
    app.router.add_post("/api/agent/unresolved", unresolved)
