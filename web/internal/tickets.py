"""Complaint tickets for the action server: creation, a citizen's status lookup, categories.

The views of a ticket (`public_ticket` for citizens, `admin_ticket` for staff) are defined here once."""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from protocol.clock import iso
from protocol.patterns import PHONE_RE, TICKET_NO_RE
from web.http import BadRequest, error, json_body, ok, require_token, text_field
from web.privacy import hash_sender
from web.state import DISPATCHER, ROUTING, SETTINGS, STORE
from web.susuban.wire import status_label


def public_ticket(t: dict[str, Any], events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What a requester may see of a ticket: no phone, no internal ids."""
    out = {"ticket_no": t["ticket_no"], "status": t["status"],
           "status_label": status_label(t["status"]), "category": t["category"],
           "department": t["department"], "delivery": t["delivery"],
           "created_at": iso(t["created_at"]), "updated_at": iso(t["updated_at"])}
    if events is not None:
        out["history"] = [{"at": iso(e["at"]), "kind": e["kind"], "detail": e["detail"]} for e in events]
    return out


def admin_ticket(t: dict[str, Any], events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What staff see: the public view plus delivery attempts and the last error."""
    return public_ticket(t, events) | {"attempts": t["attempts"], "last_error": t["last_error"]}


async def requeue(app: web.Application, ticket_no: str) -> bool:
    """Put a failed delivery back in the outbox and wake the dispatcher."""
    if not await app[STORE].tickets.retry(ticket_no):
        return False
    if app[DISPATCHER] is not None:
        app[DISPATCHER].wake()
    return True



async def create_ticket(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    require_token(request, settings["web"]["internal_token"])
    data = await json_body(request)
    routing = request.app[ROUTING]
    fields = {
        "company": text_field(data, "company", 100, label="企业名称"),
        "contact": text_field(data, "contact", 50, label="联系人"),
        "phone": text_field(data, "phone", 20, label="联系电话"),
        "category": text_field(data, "category", 20, label="类别"),
        "description": text_field(data, "description", 2000, label="问题描述"),
        "location": text_field(data, "location", 200, required=False, label="地点"),
        "channel": text_field(data, "channel", 20, required=False),
    }
    key = text_field(data, "idempotency_key", 100, label="idempotency_key")
    phone = fields["phone"].replace(" ", "")
    if not PHONE_RE.match(phone):
        raise BadRequest("联系电话格式不正确")
    fields["phone"] = phone
    if fields["category"] not in routing.categories:
        raise BadRequest(f"未知类别：{fields['category']}")
    fields["department"] = routing.department(fields["category"])
    sender = text_field(data, "sender", 200, required=False)
    fields["sender_hash"] = hash_sender(sender, settings["web"]["sender_salt"]) if sender else ""
    delivery = "pending" if settings["susuban"]["url"] else "local"
    ticket, created = await request.app[STORE].tickets.create(fields, key, delivery)
    if created and request.app[DISPATCHER] is not None:
        request.app[DISPATCHER].wake()
    return ok({**public_ticket(ticket), "created": created}, status=201 if created else 200)


# wrong "last 4 digits" answers a ticket takes before lookups by phone are refused for a while
MAX_PHONE_CHECKS = 5
PHONE_CHECK_WINDOW = 3600.0


class LookupGuard:
    """Counts wrong phone-digit answers per ticket (per process), so 4 digits cannot be guessed by trying."""

    def __init__(self) -> None:
        self._fails: dict[str, list[float]] = {}

    def locked(self, ticket_no: str, now: float) -> bool:
        recent = [t for t in self._fails.get(ticket_no, []) if now - t < PHONE_CHECK_WINDOW]
        self._fails[ticket_no] = recent
        return len(recent) >= MAX_PHONE_CHECKS

    def failed(self, ticket_no: str, now: float) -> None:
        self._fails.setdefault(ticket_no, []).append(now)


LOOKUP_GUARD = LookupGuard()


def requester_may_see(request: web.Request, t: dict[str, Any]) -> web.Response | None:
    """A citizen's lookup (the action passes `sender`): their own ticket, or the contact phone's last 4 digits.

    Returns an error response when the lookup is not allowed, None when it is.
    """
    sender = request.query.get("sender", "")
    salt = request.app[SETTINGS]["web"]["sender_salt"]
    if sender and t["sender_hash"] and t["sender_hash"] == hash_sender(sender, salt):
        return None
    digits = request.query.get("phone_last4", "")
    now = time.time()
    if LOOKUP_GUARD.locked(t["ticket_no"], now):
        return error(429, "验证失败次数过多，请稍后再试或拨打12345热线查询")
    if not digits:
        return web.json_response({"error": "查询他人工单需要验证联系电话后4位", "verify": "phone_last4"}, status=403)
    if not re.fullmatch(r"\d{4}", digits) or not t["phone"].endswith(digits):
        LOOKUP_GUARD.failed(t["ticket_no"], now)
        return web.json_response({"error": "联系电话后4位不正确", "verify": "phone_last4"}, status=403)
    return None


async def get_ticket(request: web.Request) -> web.Response:
    """Status of a ticket. Staff callers get its history; a citizen's lookup (`?sender=`) is checked first and
    sees the status only: 诉速办's notes may hold a caseworker's details."""
    require_token(request, request.app[SETTINGS]["web"]["internal_token"])
    no = request.match_info["ticket_no"].upper()
    if not TICKET_NO_RE.match(no):
        raise BadRequest("工单编号格式应为 SSB-YYYYMMDD-NNNN")
    t = await request.app[STORE].tickets.get(no)
    if t is None:
        return error(404, f"没有找到工单 {no}")
    if "sender" in request.query:
        refused = requester_may_see(request, t)
        return refused or ok(public_ticket(t))
    return ok(public_ticket(t, await request.app[STORE].tickets.events(t["id"])))


async def categories(request: web.Request) -> web.Response:
    routing = request.app[ROUTING]
    return ok({"categories": [{"name": n, "department": c["department"]} for n, c in routing.categories.items()],
               "default": routing.default})


async def suggest(request: web.Request) -> web.Response:
    text = text_field(await json_body(request), "text", 2000, label="text")
    name = request.app[ROUTING].suggest(text)
    return ok({"category": name, "department": request.app[ROUTING].department(name)})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/tickets", create_ticket)
    app.router.add_get("/api/tickets/categories", categories)
    app.router.add_post("/api/tickets/suggest", suggest)
    app.router.add_get("/api/tickets/{ticket_no}", get_ticket)
