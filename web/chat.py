"""Chat gateway: the widget's one endpoint in front of Rasa's REST channel.

It owns what Rasa should not: input limits, per-sender rate limits, turning Rasa's message list into
the widget's shape (answer + citation + buttons), and a polite reply plus a logged question when
Rasa or its action server cannot answer.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict, deque
from typing import Any

import aiohttp
from aiohttp import web

from web.http import BadRequest, choice_field, error, json_body, ok, optional_int, require_token, text_field
from web.privacy import hash_sender, mask_pii
from web.state import CHAT, SETTINGS, STORE

SENDER_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
DOWN_REPLY = ("抱歉，智能助手暂时无法回复，您的问题已记录，我们会尽快处理。"
              "急事可拨打12345政务服务便民热线。")
MAX_SENDERS = 10000


class RateLimiter:
    """Sliding one-minute window per sender (in memory: one web process per deployment unit)."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, sender: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self._hits.pop(sender, None) or deque()
        while hits and now - hits[0] > 60:
            hits.popleft()
        allowed = len(hits) < self.per_minute
        if allowed:
            hits.append(now)
        self._hits[sender] = hits
        while len(self._hits) > MAX_SENDERS:
            self._hits.popitem(last=False)
        return allowed


class ChatGateway:
    def __init__(self, settings: dict[str, Any]):
        web_cfg = settings["web"]
        self.rasa_url = web_cfg["rasa_url"].rstrip("/") + "/webhooks/rest/webhook"
        self.timeout = aiohttp.ClientTimeout(total=float(web_cfg["chat_timeout"]))
        self.limiter = RateLimiter(int(web_cfg["rate_limit_per_minute"]))
        self.previous: OrderedDict[str, str] = OrderedDict()
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self.session:
            await self.session.close()

    def remember(self, sender: str, message: str) -> str:
        prev = self.previous.pop(sender, "")
        self.previous[sender] = message
        while len(self.previous) > MAX_SENDERS:
            self.previous.popitem(last=False)
        return prev

    async def ask_rasa(self, sender: str, message: str, channel: str) -> list[dict[str, Any]]:
        assert self.session is not None
        async with self.session.post(self.rasa_url, json={"sender": sender, "message": message,
                                                          "metadata": {"channel": channel}},
                                     timeout=self.timeout) as resp:
            if resp.status != 200:
                raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status)
            data = await resp.json()
        if not isinstance(data, list):
            raise ValueError("unexpected Rasa reply")
        return data


def to_widget(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa REST messages → widget messages; a custom payload enriches the text message before it."""
    out: list[dict[str, Any]] = []
    for m in raw:
        custom = m.get("custom")
        if isinstance(custom, dict) and out and custom.get("type") in ("answer", "declined", "form", "ticket",
                                                                          "handoff"):
            out[-1].update({k: v for k, v in custom.items() if k != "type"})
            out[-1]["type"] = custom["type"]
            continue
        msg: dict[str, Any] = {"type": "text", "text": m.get("text", "")}
        if m.get("buttons"):
            msg["buttons"] = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in m["buttons"]]
        if isinstance(custom, dict):
            msg.update(custom)
            msg.setdefault("type", "custom")
        if m.get("image"):
            msg["image"] = m["image"]
        out.append(msg)
    return out


async def chat(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    gw: ChatGateway = request.app[CHAT]
    data = await json_body(request)
    sender = text_field(data, "sender", 100, label="sender")
    if not SENDER_RE.match(sender):
        raise BadRequest("sender 只能包含字母、数字和 _ . : -")
    message = text_field(data, "message", int(settings["web"]["max_message_chars"]), label="message")
    channel = text_field(data, "channel", 20, required=False) or "widget"
    if not gw.limiter.allow(sender):
        return error(429, "发送太频繁，请稍后再试")
    store = request.app[STORE]
    handoff = store.open_handoff_for(sender)
    if handoff is not None:  # a person is (or will be) answering: the message goes to them, not to Rasa
        store.add_handoff_message(handoff["id"], "user", message)
        store.log_turn(sender, channel, message, "", "agent")
        return ok({"sender": sender, "messages": [], "degraded": False, "handoff": handoff["status"]})
    previous = gw.remember(sender, message)
    t0 = time.perf_counter()
    try:
        raw = await gw.ask_rasa(sender, message, channel)
        messages = to_widget(raw)
        degraded = not messages
        reason = "no_reply"
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        messages, degraded, reason = [], True, f"rasa_unavailable:{type(exc).__name__}"
    if degraded:
        messages = [{"type": "error", "text": DOWN_REPLY}]
        store.log_unanswered(
            channel=channel, sender_hash=hash_sender(sender, settings["web"]["sender_salt"]),
            text=mask_pii(message), reason=reason[:40], candidates=[], previous_turn=mask_pii(previous))
    first = messages[0]
    citation = next((m.get("citation") for m in messages if m.get("citation")), None) or {}
    store.log_turn(sender, channel, message, "\n".join(m.get("text", "") for m in messages),
                   first.get("type", "text"), citation.get("task"),
                   next((m.get("topic", "") for m in messages if m.get("topic")), ""))
    return ok({"sender": sender, "messages": messages, "degraded": degraded,
               "took_ms": round((time.perf_counter() - t0) * 1000, 1)})


async def feedback(request: web.Request) -> web.Response:
    """👍/👎 on an answer the widget showed."""
    settings = request.app[SETTINGS]
    data = await json_body(request)
    sender = text_field(data, "sender", 100, label="sender")
    if not SENDER_RE.match(sender):
        raise BadRequest("sender 只能包含字母、数字和 _ . : -")
    rating = choice_field(data, "rating", ("up", "down"))
    task = optional_int(data, "citation_task")
    fid = request.app[STORE].record_feedback(
        channel=text_field(data, "channel", 20, required=False) or "widget",
        sender_hash=hash_sender(sender, settings["web"]["sender_salt"]),
        message_id=text_field(data, "message_id", 64, label="message_id"),
        question=mask_pii(text_field(data, "question", 500, required=False)),
        answer=text_field(data, "answer", 4000, required=False), task=task, rating=rating)
    return ok({"id": fid, "rating": rating}, status=201)


async def list_feedback(request: web.Request) -> web.Response:
    require_token(request, request.app[SETTINGS]["web"]["admin_token"], header="Authorization")
    return ok({"items": request.app[STORE].feedback(request.query.get("rating") or None)})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/chat", chat)
    app.router.add_post("/api/feedback", feedback)
    app.router.add_get("/api/feedback", list_feedback)
