"""👍/👎 from the widget on an answer it showed (one vote per message; a second click changes it).

A 👎 also queues the question in the unanswered log (`thumbs_down`): a confidently wrong answer must reach
the admins, not only the ratings chart."""

from __future__ import annotations

from aiohttp import web

from protocol.patterns import SENDER_RE
from web.http import BadRequest, choice_field, error, json_body, ok, optional_int, text_field
from web.internal.unanswered import queue_once
from web.privacy import hash_sender, mask_pii
from web.public.chat import WRITE_LIMITED, allow_public_write
from web.state import SETTINGS, STORE


async def feedback(request: web.Request) -> web.Response:
    """👍/👎 on an answer the widget showed."""
    settings = request.app[SETTINGS]
    data = await json_body(request)
    sender = text_field(data, "sender", 100, label="sender")
    if not SENDER_RE.match(sender):
        raise BadRequest("sender 只能包含字母、数字和 _ . : -")
    rating = choice_field(data, "rating", ("up", "down"))
    if not await allow_public_write(request, "feedback", sender):
        return error(429, WRITE_LIMITED)
    task = optional_int(data, "citation_task")
    channel = text_field(data, "channel", 20, required=False) or "widget"
    sender_hash = hash_sender(sender, settings["web"]["sender_salt"])
    question = mask_pii(text_field(data, "question", 500, required=False))
    answer = mask_pii(text_field(data, "answer", 4000, required=False))
    fid = await request.app[STORE].logs.record_feedback(
        channel=channel, sender_hash=sender_hash, message_id=text_field(data, "message_id", 64, label="message_id"),
        question=question, answer=answer, task=task, rating=rating)
    if rating == "down" and question.strip():
        await queue_once(request.app[STORE], {
            "channel": channel, "sender_hash": sender_hash, "text": question, "reason": "thumbs_down",
            "candidates": [{"id": "", "task": task, "score": 0.0, "text": answer[:300]}], "previous_turn": ""})
    return ok({"id": fid, "rating": rating}, status=201)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/feedback", feedback)
