"""Chat gateway: the widget's one endpoint in front of Rasa's REST channel.

It owns what Rasa should not: input limits, per-sender rate limits, turning Rasa's message list into
the widget's shape (answer + citation + buttons), and a polite reply plus a logged question when
Rasa or its action server cannot answer.

It is also the safety net under the dialogue: a reply that is empty, or that repeats a message (Rasa
running the same action again and again), is logged as an incident and the conversation is restarted
through Rasa's own `/restart` (action_restart resets the tracker), so the user's next message starts
clean instead of the widget staying dead. The user sees each distinct message once. A sender for whom
Rasa failed several times in a row is restarted before their next message reaches Rasa, and every
degraded reply carries a 重新开始 button that sends `/restart`.

Limits and per-sender memory (failures in a row, a restart owed) live in web.shared: with Redis, a
sender's next message sees them on whichever replica it lands.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from typing import Any

import aiohttp
from aiohttp import web

from protocol.messages import to_widget
from protocol.patterns import SENDER_RE
from web.http import BadRequest, error, json_body, ok, text_field
from web.privacy import hash_sender, mask_pii
from web.shared import SharedState, handoff_event
from web.state import CHAT, SETTINGS, SHARED, STORE

DOWN_REPLY = ("抱歉，智能助手暂时无法回复，您的问题已记录，我们会尽快处理。"
              "急事可拨打12345政务服务便民热线。")
RESET_REPLY = "抱歉，刚才的对话出了点问题，已为您重新开始对话。请重新发送您的问题，我会继续为您解答。"
RESTARTED_REPLY = "已为您重新开始对话，请问有什么可以帮您？"
RESTART_COMMAND = "/restart"  # Rasa's built-in intent: RulePolicy runs action_restart, which resets the tracker
RESTART_BUTTON = {"title": "重新开始", "payload": RESTART_COMMAND}
RESTART_AFTER_FAILURES = 3  # Rasa errors/timeouts in a row for one sender before its conversation is reset
FAILURES_TTL = 3600.0  # a streak of Rasa errors older than this is forgotten
RESTART_TTL = 24 * 3600.0  # a restart still owed to a sender after this long is dropped (Rasa's session expired)
RATE_LIMITED = "发送太频繁，请稍后再试"
log = logging.getLogger(__name__)


WRITE_LIMITED = "操作太频繁，请稍后再试"


async def allow_public_write(request: web.Request, endpoint: str, sender: str) -> bool:
    """Per-minute limit of a public write (`feedback`, `handoff`) per client address and per sender.

    The client address is the socket's peer (no proxy header is trusted). The action server calls in with
    the internal token for every citizen at once, so only its per-sender limit applies.
    """
    per_minute = request.app[CHAT].write_limits[endpoint]
    shared: SharedState = request.app[SHARED]
    token = request.app[SETTINGS]["web"].get("internal_token") or ""
    given = request.headers.get("X-Internal-Token", "").encode("utf-8", "surrogateescape")
    internal = bool(token) and hmac.compare_digest(given, token.encode("utf-8", "surrogateescape"))
    if not internal and not await shared.hit(f"{endpoint}:addr:{request.remote}", per_minute):
        return False
    return await shared.hit(f"{endpoint}:sender:{sender}", per_minute)


# Rasa's gateway channel (bot/channels.py): loopback only, and only with the shared token
RASA_WEBHOOK = "/webhooks/gateway/webhook"


def rasa_headers(settings: dict[str, Any]) -> dict[str, str]:
    return {"X-Channel-Token": str(settings["rasa"]["channel_token"] or "")}


class ChatGateway:
    def __init__(self, settings: dict[str, Any], shared: SharedState):
        web_cfg = settings["web"]
        self.rasa_url = web_cfg["rasa_url"].rstrip("/") + RASA_WEBHOOK
        self.rasa_headers = rasa_headers(settings)
        self.timeout = aiohttp.ClientTimeout(total=float(web_cfg["chat_timeout"]))
        self.shared = shared
        self.per_minute = int(web_cfg["rate_limit_per_minute"])
        # public writes: a per-minute limit per endpoint, counted by client address and by sender
        self.write_limits = {"feedback": int(web_cfg.get("feedback_per_minute", 30)),
                             "handoff": int(web_cfg.get("handoff_per_minute", 10))}
        self.session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        self.session = aiohttp.ClientSession()

    async def close(self) -> None:
        if self.session:
            await self.session.close()

    async def ask_rasa(self, sender: str, message: str, channel: str) -> list[dict[str, Any]]:
        assert self.session is not None
        async with self.session.post(self.rasa_url, json={"sender": sender, "message": message,
                                                          "metadata": {"channel": channel}},
                                     headers=self.rasa_headers, timeout=self.timeout) as resp:
            if resp.status != 200:
                raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status)
            data = await resp.json()
        if not isinstance(data, list):
            raise ValueError("unexpected Rasa reply")
        return data

    async def allow(self, sender: str) -> bool:
        """The sender's per-minute chat limit (shared by every replica)."""
        return await self.shared.hit(f"chat:{sender}", self.per_minute)

    async def restart(self, sender: str, channel: str) -> bool:
        """Reset the sender's conversation in Rasa (`/restart` through the same REST webhook); True if done."""
        try:
            await self.ask_rasa(sender, RESTART_COMMAND, channel)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            log.warning("restarting a conversation failed: %s", type(exc).__name__)
            return False
        await self.shared.delete(f"chat:failures:{sender}", f"chat:restart:{sender}")
        return True

    async def failed(self, sender: str) -> int:
        """Count one more Rasa error for the sender; returns how many in a row."""
        return await self.shared.incr(f"chat:failures:{sender}", FAILURES_TTL)

    async def answered(self, sender: str) -> None:
        await self.shared.delete(f"chat:failures:{sender}")

    async def restart_later(self, sender: str, incident_id: int) -> None:
        """Restart the sender's conversation before their next message reaches Rasa."""
        await self.shared.put(f"chat:restart:{sender}", str(incident_id), RESTART_TTL)

    async def restart_owed(self, sender: str) -> int | None:
        """The incident a restart of the sender's conversation is owed for, if any."""
        value = await self.shared.get(f"chat:restart:{sender}")
        return int(value) if value and value.isdigit() else None


def dedupe(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Each distinct message once, in order (same type + text = same message; a message without text
    counts as repeated only if identical); returns (messages, how many repeats were dropped)."""
    seen: set[Any] = set()
    out: list[dict[str, Any]] = []
    for m in messages:
        key = (m.get("type"), m.get("text")) if m.get("text") else json.dumps(m, sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out, len(messages) - len(out)


async def restart_conversation(request: web.Request, sender: str, sender_hash: str, channel: str) -> bool:
    """`/restart` for the sender in Rasa; an incident waiting for that restart is marked recovered."""
    gw: ChatGateway = request.app[CHAT]
    incident = await gw.restart_owed(sender)
    if not await gw.restart(sender, channel):
        return False
    if incident is not None:
        await request.app[STORE].logs.mark_incident_recovered(incident)
        log.warning("chat incident %d recovered: conversation of sender %s restarted", incident, sender_hash)
    return True


async def converse(request: web.Request, sender: str, sender_hash: str, channel: str,
                   message: str) -> tuple[list[dict[str, Any]], str]:
    """One turn through Rasa under the safety net; returns (widget messages, reason the turn is degraded).

    An empty reason means a normal answer; an empty message list with a reason means: show DOWN_REPLY.
    """
    gw: ChatGateway = request.app[CHAT]
    store = request.app[STORE]
    if await gw.restart_owed(sender) is not None:  # Rasa failed this sender before: start clean once it answers
        await restart_conversation(request, sender, sender_hash, channel)
    try:
        raw = await gw.ask_rasa(sender, message, channel)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        reason = f"rasa_unavailable:{type(exc).__name__}"
        streak = await gw.failed(sender)
        if streak == RESTART_AFTER_FAILURES:
            detail = f"{streak} Rasa errors in a row, last {reason}"
            incident = await store.logs.record_incident(sender_hash, channel, "rasa_error", message, detail)
            await gw.restart_later(sender, incident)
            log.warning("chat incident rasa_error for sender %s: %s; restarting when Rasa answers", sender_hash,
                        detail)
        return [], reason
    await gw.answered(sender)
    received = to_widget(raw)
    messages, repeats = dedupe(received)
    kind = "empty_reply" if not messages else "repeated_reply" if repeats else ""
    if not kind:
        return messages, ""
    recovered = await restart_conversation(request, sender, sender_hash, channel)
    detail = f"{len(received)} messages, {repeats} repeated" if repeats else "Rasa sent no message"
    incident = await store.logs.record_incident(sender_hash, channel, kind, message, detail, recovered=recovered)
    if not recovered:
        await gw.restart_later(sender, incident)
    log.warning("chat incident %s for sender %s (%s); conversation restarted: %s", kind, sender_hash, detail,
                recovered)
    if messages:
        return messages, ""
    return ([{"type": "text", "text": RESET_REPLY}] if recovered else []), "no_reply"


async def chat(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    gw: ChatGateway = request.app[CHAT]
    data = await json_body(request)
    sender = text_field(data, "sender", 100, label="sender")
    if not SENDER_RE.match(sender):
        raise BadRequest("sender 只能包含字母、数字和 _ . : -")
    message = text_field(data, "message", int(settings["web"]["max_message_chars"]), label="message")
    channel = text_field(data, "channel", 20, required=False) or "widget"
    if not await gw.allow(sender):
        return error(429, RATE_LIMITED)
    store = request.app[STORE]
    handoff = await store.handoffs.open_for(sender)
    if handoff is not None:  # a person is (or will be) answering: the message goes to them, not to Rasa
        await store.handoffs.add_message(handoff["id"], "user", message)
        await handoff_event(request.app[SHARED], "user_message", handoff)
        await store.logs.log_turn(sender, channel, mask_pii(message), "", "agent")
        return ok({"sender": sender, "messages": [], "degraded": False, "handoff": handoff["status"]})
    sender_hash = hash_sender(sender, settings["web"]["sender_salt"])
    t0 = time.perf_counter()
    if message == RESTART_COMMAND:  # 重新开始 (the button of a degraded reply): a clean conversation
        if await restart_conversation(request, sender, sender_hash, channel):
            messages, reason = [{"type": "text", "text": RESTARTED_REPLY}], ""
        else:
            messages, reason = [], "rasa_unavailable"
    else:
        messages, reason = await converse(request, sender, sender_hash, channel, message)
    degraded = bool(reason)
    if not messages:
        messages = [{"type": "error", "text": DOWN_REPLY, "buttons": [RESTART_BUTTON]}]
    if degraded and message != RESTART_COMMAND:
        # the turn before this one, from the turn log: the one record of what the sender said
        previous = next((t["question"] for t in await store.logs.turns(sender, 1)), "")
        await store.logs.log_unanswered(
            channel=channel, sender_hash=sender_hash,
            text=mask_pii(message), reason=reason[:40], candidates=[], previous_turn=mask_pii(previous))
    first = messages[0]
    citation = next((m.get("citation") for m in messages if m.get("citation")), None) or {}
    # the turn log keeps no phone or ID numbers: a complaint's contact data lives only in its ticket
    await store.logs.log_turn(sender, channel, mask_pii(message),
                              mask_pii("\n".join(m.get("text", "") for m in messages)), first.get("type", "text"),
                              citation.get("task"), next((m.get("topic", "") for m in messages if m.get("topic")), ""))
    return ok({"sender": sender, "messages": messages, "degraded": degraded,
               "took_ms": round((time.perf_counter() - t0) * 1000, 1)})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/chat", chat)
