"""The chat gateway and internal APIs on a web service with no Rasa behind it."""

import json
from pathlib import Path

from tests.util import http_json
from tests.web.consoles.test_consoles import Client, cli_create
from web.shared import SlidingWindow


def post(url: str, payload: object, headers: dict | None = None) -> tuple[int, dict]:
    return http_json(url, payload, headers=headers)


def get(url: str, headers: dict | None = None) -> tuple[int, dict]:
    return http_json(url, headers=headers)


def admin_user(index_settings: dict) -> tuple[str, str]:
    """An admin of the shared web_server's store (created once; it may exist from an earlier test)."""
    name, password = "gateway-root", "gateway-pass-2026"
    cli_create(Path(index_settings["index"]["dir"]) / "app.db", "create-admin", name, password=password)
    return name, password


def test_rasa_unreachable_gives_polite_reply_and_logs(web_server, index_settings):
    msg = "我的身份证370211199001011234，退税多久"
    status, body = post(web_server + "/api/chat", {"sender": "g-1", "message": msg})
    assert status == 200 and body["degraded"] and "12345" in body["messages"][0]["text"]
    admin = Client(web_server)
    assert admin.login(*admin_user(index_settings)) == 200
    status, listed = admin.call("/api/unanswered")
    item = next(i for i in listed["items"] if "退税多久" in i["text"])
    assert "370211********1234" in item["text"] and "199001011234" not in item["text"]


def test_per_sender_rate_limit(web_server):
    codes = [post(web_server + "/api/chat", {"sender": "g-rate", "message": f"问题{i}"})[0] for i in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429
    assert post(web_server + "/api/chat", {"sender": "g-other", "message": "你好"})[0] == 200


def test_internal_and_admin_endpoints_need_their_tokens(web_server):
    assert get(web_server + "/api/unanswered")[0] == 401
    assert get(web_server + "/api/unanswered", {"Authorization": "Bearer t-internal"})[0] == 401
    ticket = {"company": "某公司", "contact": "王", "phone": "13812345678", "category": "政务服务",
              "description": "办事难", "idempotency_key": "k-1"}
    assert post(web_server + "/api/tickets", ticket)[0] == 401
    status, t = post(web_server + "/api/tickets", ticket, {"X-Internal-Token": "t-internal"})
    assert status == 201 and t["status"] == "local" and t["ticket_no"].startswith("SSB-")
    status, again = post(web_server + "/api/tickets", ticket, {"X-Internal-Token": "t-internal"})
    assert status == 200 and again["ticket_no"] == t["ticket_no"] and again["created"] is False
    bad = dict(ticket, phone="123", idempotency_key="k-2")
    status, body = post(web_server + "/api/tickets", bad, {"X-Internal-Token": "t-internal"})
    assert status == 400 and "电话" in body["error"]


def test_rate_limiter_window():
    rl = SlidingWindow()
    assert rl.allow("a", 2, now=0) and rl.allow("a", 2, now=1) and not rl.allow("a", 2, now=2)
    assert rl.allow("a", 2, now=61.5)


def test_susuban_callback_must_be_signed(web_server):
    from web.susuban.wire import sign

    ticket = {"company": "某公司", "contact": "王", "phone": "0532-86981234", "category": "劳动用工",
              "description": "拖欠工资三个月", "idempotency_key": "cb-1"}
    _, t = post(web_server + "/api/tickets", ticket, {"X-Internal-Token": "t-internal"})
    assert t["department"] == "区人力资源和社会保障局"
    body = json.dumps({"ticket_no": t["ticket_no"], "status": "accepted", "note": "已转承办部门"}).encode()

    def callback(headers: dict) -> tuple[int, dict]:
        return http_json(web_server + "/api/susuban/callback", raw=body, headers=headers)

    assert callback({})[0] == 401
    assert callback(sign("wrong-secret", body))[0] == 401
    assert callback(sign("t-ssb", body, timestamp=1))[0] == 401, "replayed old callback"
    status, updated = callback(sign("t-ssb", body))
    assert status == 200 and updated["status"] == "accepted" and updated["status_label"] == "已受理"
    _, got = get(web_server + f"/api/tickets/{t['ticket_no']}", {"X-Internal-Token": "t-internal"})
    assert got["status"] == "accepted" and any(h["kind"] == "status:accepted" for h in got["history"])
    assert "phone" not in got
