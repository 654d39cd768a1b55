"""Human handoff, the widget's side: ask for a person, then read what the agent writes.

While a handoff is open the chat gateway routes the user's messages to it instead of to Rasa. The agents'
side is web.consoles.handoffs. What the agent writes is pushed to the widget over Server-Sent Events
(`/api/handoff/{sender}/events`, fed by web.shared from any replica); `/messages` stays for the widget's
fallback poll, and both give the same messages.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from protocol.clock import iso
from protocol.patterns import SENDER_RE
from web.consoles.auth import public_name
from web.http import BadRequest, error, json_body, ok, small_id, text_field
from web.public.chat import WRITE_LIMITED, allow_public_write
from web.shared import EventStream, handoff_event, next_event, sender_topic
from web.state import SHARED, STORE
from web.store import AsyncStore

WAITING_TEXT = "已为您转接人工客服，请稍候。人工服务时间为工作日 9:00—17:00，也可拨打12345热线。"
RETURN_TEXT = "人工客服已结束本次服务，智能助手继续为您服务。"
QUEUE_PAGE = 1000  # handoffs per page of the agent queue (oldest first; `total` counts them all)
MAX_WIDGET_STREAMS = 1000  # open widget event streams per replica; beyond, the widget polls
OPEN = ("waiting", "active")


def joined_text(name: str) -> str:
    """The notice the citizen sees when an agent takes the conversation (`name`: display name or staff number)."""
    return f"人工客服 {name} 已接入" if name else "人工客服已接入"



async def request_handoff(request: web.Request) -> web.Response:
    sender = text_field(await json_body(request), "sender", 100, label="sender")
    if not SENDER_RE.match(sender):
        raise BadRequest("sender 只能包含字母、数字和 _ . : -")
    if not await allow_public_write(request, "handoff", sender):
        return error(429, WRITE_LIMITED)
    store = request.app[STORE]
    h, created = await store.handoffs.open(sender)
    if created:
        await store.handoffs.add_message(h["id"], "system", "用户请求转人工")
        await handoff_event(request.app[SHARED], "requested", h)
    return ok({"status": h["status"], "message": WAITING_TEXT})


def _sender(request: web.Request) -> str:
    sender = request.match_info["sender"]
    if not SENDER_RE.match(sender):
        raise BadRequest("sender 只能包含字母、数字和 _ . : -")
    return sender


def _after(value: str) -> int:
    after = small_id(value or "0")
    if after is None:
        raise BadRequest("after 必须是不超过 9 位的非负整数")
    return after


async def widget_payload(store: AsyncStore, h: dict[str, Any], after: int) -> dict[str, Any]:
    """What the widget shows of a handoff after message `after`: agent and system messages, and the status."""
    msgs = [{"id": m["id"], "from": m["role"], "text": m["text"], "at": iso(m["at"])}
            for m in await store.handoffs.messages(h["id"], after) if m["role"] in ("agent", "system")
            and m["text"] != "用户请求转人工"]
    if h["agent"]:  # the agent's public name labels their replies, never the login
        name = public_name(await store.accounts.user(h["agent"]))
        legacy = f"人工客服 {h['agent']} 已接入"  # written with the login name before display names existed
        for m in msgs:
            if m["from"] == "agent":
                m["name"] = name
            elif m["text"] == legacy:
                m["text"] = joined_text(name)
    return {"messages": msgs, "status": h["status"]}


async def widget_messages(request: web.Request) -> web.Response:
    store = request.app[STORE]
    h = await store.handoffs.latest_for(_sender(request))
    if h is None:
        return ok({"messages": [], "status": "none"})
    return ok(await widget_payload(store, h, _after(request.query.get("after", "0"))))


async def widget_events(request: web.Request) -> web.StreamResponse:
    """The citizen's open handoff as a stream: an event `messages` (same shape as /messages) whenever the
    agent writes or the status changes, from whichever replica it happened on. The stream ends with the
    handoff; the SSE id is the last message id, so a reconnecting EventSource resumes where it was."""
    sender = _sender(request)
    after = _after(request.headers.get("Last-Event-ID") or request.query.get("after", "0"))
    store, shared = request.app[STORE], request.app[SHARED]
    h = await store.handoffs.latest_for(sender)
    if h is None or h["status"] not in OPEN:
        return error(404, "没有进行中的人工服务")
    if shared.hub.count("sender:") >= MAX_WIDGET_STREAMS:
        return error(503, "人工服务连接繁忙，请稍后再试")
    async with shared.listen(sender_topic(sender)) as queue:
        stream = await EventStream(request).open()
        status = ""
        try:
            while not stream.expired:
                h = await store.handoffs.get(h["id"]) or h
                payload = await widget_payload(store, h, after)
                if payload["messages"] or payload["status"] != status:
                    after = max([after, *(m["id"] for m in payload["messages"])])
                    await stream.send("messages", payload, after)
                    status = payload["status"]
                if status not in OPEN:
                    break
                event = await next_event(queue)
                if event is None:
                    break
                if event is False:  # quiet: a heartbeat, and the store is read again (an event may be lost)
                    await stream.ping()
        except (ConnectionResetError, RuntimeError):  # the widget went away
            pass
    return stream.response


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/handoff", request_handoff)
    app.router.add_get("/api/handoff/{sender}/messages", widget_messages)
    app.router.add_get("/api/handoff/{sender}/events", widget_events)
