"""Admin console, tickets tab: complaint tickets with their delivery history, and retry."""

from __future__ import annotations

from aiohttp import web

from web.consoles.auth import admin
from web.http import error, ok
from web.internal.tickets import admin_ticket, requeue
from web.state import STORE
from web.susuban.wire import STATUS_LABELS


@admin
async def list_tickets(request: web.Request) -> web.Response:
    status = request.query.get("status") or None
    tickets = await request.app[STORE].tickets.recent(status, limit=500)
    # the labels travel with the list: the console's status filter never repeats the wire format
    return ok({"items": [admin_ticket(t) for t in tickets], "statuses": STATUS_LABELS})


@admin
async def get_ticket(request: web.Request) -> web.Response:
    t = await request.app[STORE].tickets.get(request.match_info["ticket_no"].upper())
    if t is None:
        return error(404, "没有这个工单")
    return ok(admin_ticket(t, await request.app[STORE].tickets.events(t["id"])))


@admin
async def retry_ticket(request: web.Request) -> web.Response:
    no = request.match_info["ticket_no"].upper()
    if not await requeue(request.app, no):
        return error(409, f"工单 {no} 不存在或不是投递失败状态")
    await request.app[STORE].logs.audit(request["user"]["username"], "retry_ticket", no)
    return ok({"ticket_no": no, "delivery": "pending"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/tickets", list_tickets)
    app.router.add_get("/api/admin/tickets/{ticket_no}", get_ticket)
    app.router.add_post("/api/admin/tickets/{ticket_no}/retry", retry_ticket)
