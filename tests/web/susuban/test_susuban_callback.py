"""诉速办 status callbacks over a real socket: no replays, statuses only move forward, bounded clock skew."""

from __future__ import annotations

import json
import time
import urllib.request  # noqa: F401  (tests.util.wait_http needs it loaded)
import uuid

from tests.util import http_json
from web.susuban.wire import sign

INTERNAL = {"X-Internal-Token": "t-internal"}


def new_ticket(base: str) -> str:
    ticket = {"company": "某公司", "contact": "王", "phone": "0532-86981234", "category": "劳动用工",
              "description": "拖欠工资三个月", "idempotency_key": f"cb-{uuid.uuid4().hex}"}
    status, t = http_json(base + "/api/tickets", ticket, headers=INTERNAL)
    assert status == 201, t
    return t["ticket_no"]


def callback(base: str, ticket_no: str, status: str, timestamp: int | None = None,
             note: str = "") -> tuple[int, dict, bytes, dict]:
    body = json.dumps({"ticket_no": ticket_no, "status": status, "note": note}, ensure_ascii=False).encode()
    headers = sign("t-ssb", body, timestamp)
    code, got = http_json(base + "/api/susuban/callback", raw=body, headers=headers)
    return code, got, body, headers


def current(base: str, ticket_no: str) -> dict:
    return http_json(base + f"/api/tickets/{ticket_no}", headers=INTERNAL)[1]


def test_a_replayed_callback_is_refused_and_changes_nothing(web_server):
    no = new_ticket(web_server)
    code, _, body, headers = callback(web_server, no, "accepted", note="已受理")
    assert code == 200
    assert callback(web_server, no, "processing")[0] == 200
    code, got = http_json(web_server + "/api/susuban/callback", raw=body, headers=headers)  # the same request
    assert code == 409 and "重复" in got["error"]
    t = current(web_server, no)
    assert t["status"] == "processing"
    assert [h["kind"] for h in t["history"]].count("status:accepted") == 1


def test_statuses_only_move_forward(web_server):
    no = new_ticket(web_server)
    assert callback(web_server, no, "processing")[0] == 200  # skipping a step forward is fine
    code, got, _, _ = callback(web_server, no, "accepted")
    assert code == 409 and "只能向前" in got["error"] and got["current_status"] == "processing"
    assert callback(web_server, no, "resolved")[0] == 200
    for later in ("processing", "accepted", "rejected"):
        code, got, _, _ = callback(web_server, no, later, note=f"改为{later}")  # a new request, not a replay
        assert code == 409 and "已办结" in got["error"], later
    t = current(web_server, no)
    assert t["status"] == "resolved"
    assert [h["kind"] for h in t["history"] if h["kind"].startswith("status:")] == [
        "status:processing", "status:resolved"]
    code, got, _, _ = callback(web_server, no, "resolved", note="重发")  # 诉速办 resending the same status: harmless
    assert code == 200 and got["status"] == "resolved"


def test_clock_skew_is_bounded(web_server):
    no = new_ticket(web_server)
    now = int(time.time())
    for ts in (now + 290, now + 120, now - 400):
        code, got, _, _ = callback(web_server, no, "accepted", timestamp=ts)
        assert code == 401 and "时间戳" in got["error"], ts
    assert current(web_server, no)["status"] == "local"
    assert callback(web_server, no, "accepted", timestamp=now + 30)[0] == 200
    assert callback(web_server, no, "processing", timestamp=now - 240)[0] == 200
