"""Human handoff, the agents' side: the 转人工 queue, taking a conversation with its history, replying,
handing back to the bot or closing.

Every change (requested, taken, replied, returned, closed, the citizen wrote) is an event on
`/api/handoffs/events` (Server-Sent Events, from any replica through web.shared): the console refreshes
its queue and open conversation on events instead of polling.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from protocol.clock import iso
from web.consoles.auth import current_user, public_name, require_role
from web.http import BadRequest, error, json_body, ok, small_id, text_field
from web.public.handoff import RETURN_TEXT, joined_text
from web.shared import AGENTS, EventStream, handoff_event, next_event
from web.state import SHARED, STORE
from web.store import AsyncStore

QUEUE_PAGE = 1000  # handoffs per page of the agent queue (oldest first; `total` counts them all)


async def public_handoff(h: dict[str, Any], store: AsyncStore) -> dict[str, Any]:
    msgs = await store.handoffs.messages(h["id"])
    last = next((m["text"] for m in reversed(msgs) if m["role"] == "user"), "")
    if not last:
        turns = await store.logs.turns(h["sender"], 1)
        last = turns[-1]["question"] if turns else ""
    return {"id": h["id"], "sender_label": f"访客 {h['sender'][-6:]}", "status": h["status"], "agent": h["agent"],
            "created_at": iso(h["created_at"]), "updated_at": iso(h["updated_at"]), "last_message": last[:200],
            "waiting_seconds": int(time.time() - h["created_at"])}


async def history(store: AsyncStore, h: dict[str, Any]) -> list[dict[str, Any]]:
    """The bot conversation before the handoff, then the handoff's own messages."""
    out: list[dict[str, Any]] = []
    for t in await store.logs.turns(h["sender"], 50):
        if t["at"] > h["created_at"]:
            break
        out.append({"id": f"t{t['id']}u", "from": "user", "text": t["question"], "at": iso(t["at"])})
        if t["reply"]:
            out.append({"id": f"t{t['id']}b", "from": "bot", "text": t["reply"], "at": iso(t["at"])})
    for m in await store.handoffs.messages(h["id"]):
        out.append({"id": m["id"], "from": m["role"], "text": m["text"], "at": iso(m["at"])})
    return out


async def _handoff_or_404(request: web.Request) -> dict[str, Any]:
    hid = small_id(request.match_info["hid"])
    h = None if hid is None else await request.app[STORE].handoffs.get(hid)
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
    items = [await public_handoff(h, store) for h in await store.handoffs.in_status(status, limit, offset)]
    return ok({"items": items, "total": await store.handoffs.count(status), "limit": limit, "offset": offset})


@require_role("agent", "admin")
async def get_handoff(request: web.Request) -> web.Response:
    h = await _handoff_or_404(request)
    store = request.app[STORE]
    return ok({"handoff": await public_handoff(h, store), "messages": await history(store, h)})


@require_role("agent", "admin")
async def take(request: web.Request) -> web.Response:
    h = await _handoff_or_404(request)
    store, me = request.app[STORE], request["user"]["username"]
    if not await store.handoffs.update(h["id"], ("waiting",), status="active", agent=me):
        return error(409, "该会话已被其他客服接入或已结束")
    # what the citizen sees: display name or staff number, never the login
    name = public_name(await store.accounts.user(me))
    await store.handoffs.add_message(h["id"], "system", joined_text(name))
    h = await store.handoffs.get(h["id"])
    await handoff_event(request.app[SHARED], "taken", h)
    return ok({"handoff": await public_handoff(h, store)})


@require_role("agent", "admin")
async def reply(request: web.Request) -> web.Response:
    h = await _handoff_or_404(request)
    text = text_field(await json_body(request), "text", 1000, label="回复内容")
    if h["status"] != "active" or h["agent"] != request["user"]["username"]:
        return error(409, "请先接入该会话")
    m = await request.app[STORE].handoffs.add_message(h["id"], "agent", text)
    await handoff_event(request.app[SHARED], "replied", h)
    return ok({"message": {"id": m["id"], "from": "agent", "text": m["text"], "at": iso(m["at"])}}, status=201)


async def _finish(request: web.Request, reason: str) -> web.Response:
    h = await _handoff_or_404(request)
    store = request.app[STORE]
    if not await store.handoffs.update(h["id"], ("waiting", "active"), status="closed", closed_reason=reason):
        return error(409, "该会话已结束")
    await store.handoffs.add_message(h["id"], "system", RETURN_TEXT)
    h = await store.handoffs.get(h["id"])
    await handoff_event(request.app[SHARED], reason, h)
    return ok({"handoff": await public_handoff(h, store)})


@require_role("agent", "admin")
async def return_to_bot(request: web.Request) -> web.Response:
    return await _finish(request, "returned")


@require_role("agent", "admin")
async def close(request: web.Request) -> web.Response:
    return await _finish(request, "closed")


@require_role("agent", "admin")
async def events(request: web.Request) -> web.StreamResponse:
    """Handoff events for the agent consoles: `handoff` {type, id, status} per change; `resync` when events
    may have been missed. The sign-in is checked again at every heartbeat: a session that ended (logout,
    expiry, account disabled) ends the stream, and EventSource's reconnect then gets 401."""
    shared = request.app[SHARED]
    async with shared.listen(AGENTS) as queue:
        stream = await EventStream(request).open()
        try:
            await stream.send("ready", {})
            while not stream.expired:
                event = await next_event(queue)
                if event is None:
                    break
                if event is False:
                    user = await current_user(request)
                    if user is None or user["role"] not in ("agent", "admin"):
                        break
                    await stream.ping()
                    continue
                await stream.send("handoff" if event.get("type") != "resync" else "resync", event)
        except (ConnectionResetError, RuntimeError):  # the console went away
            pass
    return stream.response


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/handoffs/events", events)  # before /{hid}
    app.router.add_get("/api/handoffs", list_handoffs)
    app.router.add_get("/api/handoffs/{hid}", get_handoff)
    app.router.add_post("/api/handoffs/{hid}/take", take)
    app.router.add_post("/api/handoffs/{hid}/reply", reply)
    app.router.add_post("/api/handoffs/{hid}/return", return_to_bot)
    app.router.add_post("/api/handoffs/{hid}/close", close)
