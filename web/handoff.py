"""Human handoff: the widget asks for a person, an agent takes the conversation, replies reach the widget.

While a handoff is open the chat gateway routes the user's messages here instead of to Rasa.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from web.auth import public_name, require_role
from web.chat import SENDER_RE, WRITE_LIMITED, allow_public_write
from web.http import BadRequest, error, json_body, ok, small_id, text_field
from web.state import STORE
from web.store import Store

WAITING_TEXT = "已为您转接人工客服，请稍候。人工服务时间为工作日 9:00—17:00，也可拨打12345热线。"
RETURN_TEXT = "人工客服已结束本次服务，智能助手继续为您服务。"
QUEUE_PAGE = 1000  # handoffs per page of the agent queue (oldest first; `total` counts them all)


def joined_text(name: str) -> str:
    """The notice the citizen sees when an agent takes the conversation (`name`: display name or staff number)."""
    return f"人工客服 {name} 已接入" if name else "人工客服已接入"


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def public_handoff(h: dict[str, Any], store: Store) -> dict[str, Any]:
    msgs = store.handoff_messages(h["id"])
    last = next((m["text"] for m in reversed(msgs) if m["role"] == "user"), "")
    if not last:
        turns = store.turns(h["sender"], 1)
        last = turns[-1]["question"] if turns else ""
    return {"id": h["id"], "sender_label": f"访客 {h['sender'][-6:]}", "status": h["status"], "agent": h["agent"],
            "created_at": _iso(h["created_at"]), "updated_at": _iso(h["updated_at"]), "last_message": last[:200],
            "waiting_seconds": int(time.time() - h["created_at"])}


def history(store: Store, h: dict[str, Any]) -> list[dict[str, Any]]:
    """The bot conversation before the handoff, then the handoff's own messages."""
    out: list[dict[str, Any]] = []
    for t in store.turns(h["sender"], 50):
        if t["at"] > h["created_at"]:
            break
        out.append({"id": f"t{t['id']}u", "from": "user", "text": t["question"], "at": _iso(t["at"])})
        if t["reply"]:
            out.append({"id": f"t{t['id']}b", "from": "bot", "text": t["reply"], "at": _iso(t["at"])})
    for m in store.handoff_messages(h["id"]):
        out.append({"id": m["id"], "from": m["role"], "text": m["text"], "at": _iso(m["at"])})
    return out


# -- widget side (public) -------------------------------------------------------------------------
async def request_handoff(request: web.Request) -> web.Response:
    sender = text_field(await json_body(request), "sender", 100, label="sender")
    if not SENDER_RE.match(sender):
        raise BadRequest("sender 只能包含字母、数字和 _ . : -")
    if not allow_public_write(request, "handoff", sender):
        return error(429, WRITE_LIMITED)
    store = request.app[STORE]
    h, created = store.open_handoff(sender)
    if created:
        store.add_handoff_message(h["id"], "system", "用户请求转人工")
    return ok({"status": h["status"], "message": WAITING_TEXT})


async def widget_messages(request: web.Request) -> web.Response:
    store = request.app[STORE]
    h = store.latest_handoff_for(request.match_info["sender"])
    if h is None:
        return ok({"messages": [], "status": "none"})
    after = small_id(request.query.get("after", "0"))
    if after is None:
        raise BadRequest("after 必须是不超过 9 位的非负整数")
    msgs = [{"id": m["id"], "from": m["role"], "text": m["text"], "at": _iso(m["at"])}
            for m in store.handoff_messages(h["id"], after) if m["role"] in ("agent", "system")
            and m["text"] != "用户请求转人工"]
    if h["agent"]:  # the agent's public name labels their replies, never the login
        name = public_name(store.user(h["agent"]))
        legacy = f"人工客服 {h['agent']} 已接入"  # written with the login name before display names existed
        for m in msgs:
            if m["from"] == "agent":
                m["name"] = name
            elif m["text"] == legacy:
                m["text"] = joined_text(name)
    return ok({"messages": msgs, "status": h["status"]})


# -- agent side -------------------------------------------------------------------------------------
def _handoff_or_404(request: web.Request) -> dict[str, Any]:
    hid = small_id(request.match_info["hid"])
    h = None if hid is None else request.app[STORE].handoff(hid)
    if h is None:
        raise web.HTTPNotFound(reason="没有这个会话")
    return h


@require_role("agent", "admin")
async def list_handoffs(request: web.Request) -> web.Response:
    status = request.query.get("status", "waiting")
    if status not in ("waiting", "active", "closed"):
        raise BadRequest("status 必须是 waiting、active 或 closed")
    try:
        limit = min(max(int(request.query.get("limit", str(QUEUE_PAGE))), 1), QUEUE_PAGE)
        offset = max(int(request.query.get("offset", "0")), 0)
    except ValueError:
        raise BadRequest("limit 和 offset 必须是整数") from None
    store = request.app[STORE]
    items = [public_handoff(h, store) for h in store.handoffs(status, limit, offset)]
    return ok({"items": items, "total": store.count_handoffs(status), "limit": limit, "offset": offset})


@require_role("agent", "admin")
async def get_handoff(request: web.Request) -> web.Response:
    h = _handoff_or_404(request)
    store = request.app[STORE]
    return ok({"handoff": public_handoff(h, store), "messages": history(store, h)})


@require_role("agent", "admin")
async def take(request: web.Request) -> web.Response:
    h = _handoff_or_404(request)
    store, me = request.app[STORE], request["user"]["username"]
    if not store.update_handoff(h["id"], ("waiting",), status="active", agent=me):
        return error(409, "该会话已被其他客服接入或已结束")
    name = public_name(store.user(me))  # what the citizen sees: display name or staff number, never the login
    store.add_handoff_message(h["id"], "system", joined_text(name))
    return ok({"handoff": public_handoff(store.handoff(h["id"]), store)})


@require_role("agent", "admin")
async def reply(request: web.Request) -> web.Response:
    h = _handoff_or_404(request)
    text = text_field(await json_body(request), "text", 1000, label="回复内容")
    if h["status"] != "active" or h["agent"] != request["user"]["username"]:
        return error(409, "请先接入该会话")
    m = request.app[STORE].add_handoff_message(h["id"], "agent", text)
    return ok({"message": {"id": m["id"], "from": "agent", "text": m["text"], "at": _iso(m["at"])}}, status=201)


async def _finish(request: web.Request, reason: str) -> web.Response:
    h = _handoff_or_404(request)
    store = request.app[STORE]
    if not store.update_handoff(h["id"], ("waiting", "active"), status="closed", closed_reason=reason):
        return error(409, "该会话已结束")
    store.add_handoff_message(h["id"], "system", RETURN_TEXT)
    return ok({"handoff": public_handoff(store.handoff(h["id"]), store)})


@require_role("agent", "admin")
async def return_to_bot(request: web.Request) -> web.Response:
    return await _finish(request, "returned")


@require_role("agent", "admin")
async def close(request: web.Request) -> web.Response:
    return await _finish(request, "closed")


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/handoff", request_handoff)
    app.router.add_get("/api/handoff/{sender}/messages", widget_messages)
    app.router.add_get("/api/handoffs", list_handoffs)
    app.router.add_get("/api/handoffs/{hid}", get_handoff)
    app.router.add_post("/api/handoffs/{hid}/take", take)
    app.router.add_post("/api/handoffs/{hid}/reply", reply)
    app.router.add_post("/api/handoffs/{hid}/return", return_to_bot)
    app.router.add_post("/api/handoffs/{hid}/close", close)
