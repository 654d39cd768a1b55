"""Human handoff, the widget's side: ask for a person, then read what the agent writes.

While a handoff is open the chat gateway routes the user's messages to it instead of to Rasa. The agents'
side is web.consoles.handoffs.
"""

from __future__ import annotations

from aiohttp import web

from protocol.clock import iso
from protocol.patterns import SENDER_RE
from web.consoles.auth import public_name
from web.http import BadRequest, error, json_body, ok, small_id, text_field
from web.public.chat import WRITE_LIMITED, allow_public_write
from web.state import STORE

WAITING_TEXT = "已为您转接人工客服，请稍候。人工服务时间为工作日 9:00—17:00，也可拨打12345热线。"
RETURN_TEXT = "人工客服已结束本次服务，智能助手继续为您服务。"
QUEUE_PAGE = 1000  # handoffs per page of the agent queue (oldest first; `total` counts them all)


def joined_text(name: str) -> str:
    """The notice the citizen sees when an agent takes the conversation (`name`: display name or staff number)."""
    return f"人工客服 {name} 已接入" if name else "人工客服已接入"



async def request_handoff(request: web.Request) -> web.Response:
    sender = text_field(await json_body(request), "sender", 100, label="sender")
    if not SENDER_RE.match(sender):
        raise BadRequest("sender 只能包含字母、数字和 _ . : -")
    if not allow_public_write(request, "handoff", sender):
        return error(429, WRITE_LIMITED)
    store = request.app[STORE]
    h, created = await store.handoffs.open(sender)
    if created:
        await store.handoffs.add_message(h["id"], "system", "用户请求转人工")
    return ok({"status": h["status"], "message": WAITING_TEXT})


async def widget_messages(request: web.Request) -> web.Response:
    store = request.app[STORE]
    h = await store.handoffs.latest_for(request.match_info["sender"])
    if h is None:
        return ok({"messages": [], "status": "none"})
    after = small_id(request.query.get("after", "0"))
    if after is None:
        raise BadRequest("after 必须是不超过 9 位的非负整数")
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
    return ok({"messages": msgs, "status": h["status"]})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/handoff", request_handoff)
    app.router.add_get("/api/handoff/{sender}/messages", widget_messages)
