"""The signed status callback 诉速办 calls when a ticket moves (accepted, processing, resolved, rejected)."""

from __future__ import annotations

import json
import time

from aiohttp import web

from web.http import BadRequest, error, ok, text_field
from web.internal.tickets import public_ticket
from web.state import SETTINGS, STORE
from web.susuban.wire import CALLBACK_STATUSES, MAX_FUTURE, MAX_SKEW, SIG_HEADER, STATUS_LABELS, TS_HEADER, verify


async def susuban_callback(request: web.Request) -> web.Response:
    """Status updates from 诉速办, signed with the shared secret."""
    body = await request.read()
    if not verify(request.app[SETTINGS]["susuban"]["secret"], body, request.headers):
        return error(401, f"签名无效或时间戳超出允许范围（最早 {MAX_SKEW} 秒前，最晚 {MAX_FUTURE} 秒后）")
    try:
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
    outcome, t = await request.app[STORE].tickets.apply_callback(
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


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/susuban/callback", susuban_callback)
