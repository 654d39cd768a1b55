"""Complaint tickets: creation (from the action server), status, 诉速办 callbacks, categories."""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from web.auth import require_role
from web.http import BadRequest, error, json_body, ok, require_token, text_field
from web.privacy import hash_sender
from web.signing import MAX_FUTURE, MAX_SKEW, SIG_HEADER, TS_HEADER, verify
from web.state import DISPATCHER, ROUTING, SETTINGS, STORE

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
TICKET_NO_RE = re.compile(r"^SSB-\d{8}-\d{4}$")
CALLBACK_STATUSES = {"accepted", "processing", "resolved", "rejected"}
STATUS_LABELS = {
    "queued": "已登记，正在提交诉速办", "delivered": "已提交诉速办，等待受理", "accepted": "已受理",
    "processing": "办理中", "resolved": "已办结", "rejected": "不予受理", "local": "已登记，待工作人员转办",
}


def public_ticket(t: dict[str, Any], events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What a requester may see of a ticket: no phone, no internal ids."""
    out = {"ticket_no": t["ticket_no"], "status": t["status"],
           "status_label": STATUS_LABELS.get(t["status"], t["status"]), "category": t["category"],
           "department": t["department"], "delivery": t["delivery"],
           "created_at": _iso(t["created_at"]), "updated_at": _iso(t["updated_at"])}
    if events is not None:
        out["history"] = [{"at": _iso(e["at"]), "kind": e["kind"], "detail": e["detail"]} for e in events]
    return out


def admin_ticket(t: dict[str, Any], events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """What staff see: the public view plus delivery attempts and the last error."""
    return public_ticket(t, events) | {"attempts": t["attempts"], "last_error": t["last_error"]}


def requeue(app: web.Application, ticket_no: str) -> bool:
    """Put a failed delivery back in the outbox and wake the dispatcher."""
    if not app[STORE].retry_ticket(ticket_no):
        return False
    if app[DISPATCHER] is not None:
        app[DISPATCHER].wake()
    return True


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


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
    ticket, created = request.app[STORE].create_ticket(fields, key, delivery)
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
    t = request.app[STORE].ticket(no)
    if t is None:
        return error(404, f"没有找到工单 {no}")
    if "sender" in request.query:
        refused = requester_may_see(request, t)
        return refused or ok(public_ticket(t))
    return ok(public_ticket(t, request.app[STORE].ticket_events(t["id"])))


async def categories(request: web.Request) -> web.Response:
    routing = request.app[ROUTING]
    return ok({"categories": [{"name": n, "department": c["department"]} for n, c in routing.categories.items()],
               "default": routing.default})


async def suggest(request: web.Request) -> web.Response:
    text = text_field(await json_body(request), "text", 2000, label="text")
    name = request.app[ROUTING].suggest(text)
    return ok({"category": name, "department": request.app[ROUTING].department(name)})


async def susuban_callback(request: web.Request) -> web.Response:
    """Status updates from 诉速办, signed with the shared secret."""
    body = await request.read()
    if not verify(request.app[SETTINGS]["susuban"]["secret"], body, request.headers):
        return error(401, f"签名无效或时间戳超出允许范围（最早 {MAX_SKEW} 秒前，最晚 {MAX_FUTURE} 秒后）")
    try:
        import json

        data = json.loads(body)
    except ValueError:
        raise BadRequest("请求体必须是 JSON 对象") from None
    if not isinstance(data, dict):
        raise BadRequest("请求体必须是 JSON 对象")
    no = text_field(data, "ticket_no", 40)
    status = text_field(data, "status", 20)
    if status not in CALLBACK_STATUSES:
        raise BadRequest(f"status 必须是 {sorted(CALLBACK_STATUSES)} 之一")
    note = text_field(data, "note", 500, required=False)
    outcome, t = request.app[STORE].apply_callback(
        request.headers[SIG_HEADER], int(request.headers[TS_HEADER]), time.time() - MAX_SKEW - MAX_FUTURE - 60,
        no, status, note)
    if outcome == "replay":
        return error(409, "该回调已处理过，不能重复提交")
    if t is None:
        return error(404, f"没有找到工单 {no}")
    if outcome == "conflict":
        return error(409, f"工单 {no} 当前状态为“{STATUS_LABELS.get(t['status'], t['status'])}”，"
                          f"不能变更为“{STATUS_LABELS[status]}”：状态只能向前推进", current_status=t["status"])
    return ok(public_ticket(t))


@require_role("admin")
async def list_tickets(request: web.Request) -> web.Response:
    status = request.query.get("status") or None
    return ok({"tickets": [admin_ticket(t) for t in request.app[STORE].tickets(status)]})


@require_role("admin")
async def retry_ticket(request: web.Request) -> web.Response:
    no = request.match_info["ticket_no"].upper()
    if not requeue(request.app, no):
        return error(409, f"工单 {no} 不存在或不是投递失败状态")
    return ok({"ticket_no": no, "delivery": "pending"})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/tickets", create_ticket)
    app.router.add_get("/api/tickets", list_tickets)
    app.router.add_get("/api/tickets/categories", categories)
    app.router.add_post("/api/tickets/suggest", suggest)
    app.router.add_get("/api/tickets/{ticket_no}", get_ticket)
    app.router.add_post("/api/tickets/{ticket_no}/retry", retry_ticket)
    app.router.add_post("/api/susuban/callback", susuban_callback)
