"""Console APIs over a real server: sign-in, roles, CSRF, throttling, FAQ drafts → publish, handoff."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest

from config import ROOT
from tests.util import http_json, posts_from, wait_until

ADMIN_PW = "admin-pass-2026"
AGENT_PW = "agent-pass-2026"


def cli_create(store: Path, *args: str, password: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "XHA_WEB__STORE": str(store)}
    return subprocess.run([sys.executable, "-m", "web.consoles.users", *args, "--password-stdin"], cwd=ROOT, env=env,
                          input=password + "\n", capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def users(web_server, index_settings):
    store = Path(index_settings["index"]["dir"]) / "app.db"
    assert cli_create(store, "create-admin", "root", password=ADMIN_PW).returncode == 0
    assert cli_create(store, "create", "zhang", "--role", "agent", password=AGENT_PW).returncode == 0
    return web_server


class Client:
    """A browser-like client: keeps the session cookie, sends the CSRF token on writes."""

    def __init__(self, base: str):
        self.base, self.csrf = base, ""
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, path: str, payload: object = None, method: str | None = None, csrf: bool = True):
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        return http_json(self.base + path, payload, method=method, headers=headers, opener=self.opener)

    def login(self, username: str, password: str) -> int:
        status, body = self.call("/api/auth/login", {"username": username, "password": password})
        if status == 200:
            self.csrf = body["csrf_token"]
        return status


def test_first_admin_only_from_the_cli_and_weak_passwords_refused(users, index_settings):
    store = Path(index_settings["index"]["dir"]) / "app.db"
    weak = cli_create(store, "create-admin", "weak", password="123")
    assert weak.returncode == 2 and "至少 10" in weak.stderr
    assert cli_create(store, "create-admin", "root", password=ADMIN_PW).returncode == 2  # exists


def test_roles_are_enforced(users):
    anon, agent, admin = Client(users), Client(users), Client(users)
    assert agent.login("zhang", AGENT_PW) == 200 and admin.login("root", ADMIN_PW) == 200
    for path in ("/api/admin/faq", "/api/admin/users", "/api/admin/analytics", "/api/admin/audit"):
        assert anon.call(path)[0] == 401
        assert agent.call(path)[0] == 403
        assert admin.call(path)[0] == 200
    assert anon.call("/api/agent/suggest", {"q": "退税"})[0] == 401
    status, body = agent.call("/api/agent/suggest", {"q": "出口退税平均要几天"})
    assert status == 200 and len(body["results"]) <= 3 and "来源：" in body["results"][0]["citation_text"]
    assert agent.call("/api/admin/publish", {})[0] == 403


def test_csrf_is_required_for_writes(users):
    c = Client(users)
    assert c.login("zhang", AGENT_PW) == 200
    status, body = c.call("/api/agent/unresolved", {"q": "某个没有答案的问题"}, csrf=False)
    assert status == 403 and "CSRF" in body["error"]
    assert c.call("/api/agent/unresolved", {"q": "某个没有答案的问题"})[0] == 201


def test_session_cookie_flags(users):
    req = urllib.request.Request(users + "/api/auth/login", method="POST",
                                 data=b'{"username": "zhang", "password": "agent-pass-2026"}',
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_login_is_throttled(users):
    """Five failures for one user name from one address lock that pair for a minute (doubling after)."""
    c = Client(users)
    codes = [c.login("nobody-x", "wrong-password") for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    status, body = c.call("/api/auth/login", {"username": "nobody-x", "password": "wrong-password"})
    assert status == 429 and "1 分钟" in body["error"]
    # the lock is per address and user name: another address may still try
    other = posts_from("127.0.0.3", users + "/api/auth/login", [{"username": "nobody-x", "password": "wrong"}])
    assert other[0][0] == 401


def test_wrong_passwords_from_elsewhere_do_not_lock_out_the_real_user(users):
    attacker = posts_from("127.0.0.2", users + "/api/auth/login",
                          [{"username": "zhang", "password": f"guess-{i}"} for i in range(8)], concurrency=1)
    assert [status for status, _ in attacker] == [401] * 5 + [429] * 3
    real = Client(users)  # 127.0.0.1
    assert real.login("zhang", "typo-password") == 401
    assert real.login("zhang", AGENT_PW) == 200


def test_logout_needs_the_csrf_token(users):
    c = Client(users)
    assert c.login("zhang", AGENT_PW) == 200
    status, body = c.call("/api/auth/logout", {}, csrf=False)
    assert status == 403 and "CSRF" in body["error"]
    assert c.call("/api/auth/me")[0] == 200, "a forged logout leaves the session valid"
    assert c.call("/api/auth/logout", {})[0] == 200
    assert c.call("/api/auth/me")[0] == 401


def test_faq_edit_publish_and_rollback(users):
    admin = Client(users)
    assert admin.login("root", ADMIN_PW) == 200
    _, before = http_json(users + "/api/search", {"q": "诉速办平台是做什么的", "k": 1})
    faq_id = before["answer"]["faq_id"]
    _, entry = admin.call(f"/api/admin/faq/{faq_id}")
    bad = dict(entry, answer="这是一段文件里没有的话。")
    status, body = admin.call(f"/api/admin/faq/{faq_id}", bad, method="PUT")
    assert status == 400 and body["problems"]
    new_answer = "持续优化个人二手房交易服务,上线“二手房便民服务平台”小程序,避免二手房市场虚假房源和价格乱象。"
    status, saved = admin.call(f"/api/admin/faq/{faq_id}", dict(entry, answer=new_answer), method="PUT")
    assert status == 201 and saved["state"] == "draft"
    status, pub = admin.call("/api/admin/publish", {})
    assert status == 200 and pub["changed"] == 1
    def live_answer() -> bool:
        _, after = http_json(users + "/api/search", {"q": "诉速办平台是做什么的", "k": 1})
        return bool(after["answer"]) and "二手房便民服务平台" in after["answer"]["text"]

    wait_until(live_answer, timeout=2, every=0.1)  # the published answer is live within 2 s
    _, versions = admin.call("/api/admin/versions")
    previous = versions["versions"][1]["version"]
    assert admin.call("/api/admin/rollback", {"version": previous})[0] == 200
    _, audit = admin.call("/api/admin/audit")
    assert {"save_faq_draft", "publish_faq", "rollback"} <= {a["action"] for a in audit["items"]}


def test_handoff_between_widget_and_agent(users):
    sender = f"w-{int(time.time() * 1000)}"
    status, body = http_json(users + "/api/handoff", {"sender": sender})
    assert status == 200 and body["status"] == "waiting"
    _, routed = http_json(users + "/api/chat", {"sender": sender, "message": "我要找人工，问下退税的事"})
    assert routed["messages"] == [] and routed["handoff"] == "waiting"
    agent = Client(users)
    assert agent.login("zhang", AGENT_PW) == 200
    _, queue = agent.call("/api/handoffs?status=waiting")
    item = next(i for i in queue["items"] if i["sender_label"].endswith(sender[-6:]))
    assert agent.call(f"/api/handoffs/{item['id']}/take", {})[0] == 200
    assert agent.call(f"/api/handoffs/{item['id']}/take", {})[0] == 409
    _, conv = agent.call(f"/api/handoffs/{item['id']}")
    assert any(m["from"] == "user" and "退税" in m["text"] for m in conv["messages"])
    assert agent.call(f"/api/handoffs/{item['id']}/reply", {"text": "您好，我是客服小张"})[0] == 201
    _, got = http_json(users + f"/api/handoff/{sender}/messages?after=0")
    assert got["status"] == "active" and any(m["from"] == "agent" and "小张" in m["text"] for m in got["messages"])
    assert agent.call(f"/api/handoffs/{item['id']}/return", {})[0] == 200
    _, got = http_json(users + f"/api/handoff/{sender}/messages?after=0")
    assert got["status"] == "closed"


def test_agent_queue_shows_a_real_request_behind_many_waiting(users, index_settings):
    from web.store import Store

    run = f"q-{int(time.time() * 1000)}"
    store = Store(Path(index_settings["index"]["dir"]) / "app.db")
    for i in range(120):  # more than the old queue's 100 rows, all older than the real request
        store.handoffs.open(f"{run}-flood-{i:03d}")
    real = f"{run}-real99"
    assert http_json(users + "/api/handoff", {"sender": real})[0] == 200
    agent = Client(users)
    assert agent.login("zhang", AGENT_PW) == 200
    _, queue = agent.call("/api/handoffs?status=waiting")
    assert queue["total"] >= 121 and len(queue["items"]) == min(queue["total"], queue["limit"])
    assert any(i["sender_label"] == f"访客 {real[-6:]}" for i in queue["items"])
    _, page = agent.call("/api/handoffs?status=waiting&limit=10&offset=5")
    assert [i["id"] for i in page["items"]] == [i["id"] for i in queue["items"][5:15]]
    for h in store.handoffs.in_status("waiting", 1000):  # leave the queue as other tests expect it
        if h["sender"].startswith(run):
            store.handoffs.update(h["id"], ("waiting",), status="closed", closed_reason="closed")


def _docx(paragraphs: list[str]) -> bytes:
    import io
    import zipfile

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>')
    return buf.getvalue()


def signed_in_admin(web_server: str, index_settings: dict, name: str, password: str) -> Client:
    """An admin of the session's server (created by the CLI; it may exist from an earlier module), signed in."""
    cli_create(Path(index_settings["index"]["dir"]) / "app.db", "create", name, "--role", "admin", password=password)
    client = Client(web_server)
    assert client.login(name, password) == 200
    return client


def _upload(client: Client, filename: str, data: bytes, **fields: str) -> tuple[int, dict]:
    import json
    import urllib.error
    import uuid

    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    req = urllib.request.Request(client.base + "/api/admin/documents", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                                          "X-CSRF-Token": client.csrf})
    try:
        with client.opener.open(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_document_upload_preview_publish_and_expiry(users):
    admin = Client(users)
    assert admin.login("root", ADMIN_PW) == 200
    status, body = _upload(admin, "notes.xls", b"\xd0\xcf\x11\xe0", title="x", written="2024-01-01")
    assert status == 400 and ".docx" in body["error"]
    status, body = _upload(admin, "big.txt", b"a" * (2 * 1024 * 1024 + 10), title="x", written="2024-01-01")
    assert status == 413
    paragraphs = ["一、支持措施", "1.设立海洋牧场专项基金。对新区海洋牧场企业给予每家最高80万元的设备补助。",
                  "2.推行渔船检验网上预约。渔船检验实现全程网上预约办理。"]
    status, body = _upload(admin, "海洋.docx", _docx(paragraphs), title="西海岸新区海洋牧场扶持办法",
                           written="2024-03-01", number="青西新海字〔2024〕2号")
    assert status == 201, body
    doc_id = body["id"]
    assert [c["task"] for c in body["preview"]["chunks"]] == [1, 2]
    assert body["preview"]["chunks"][0]["section_label"] == "一、支持措施 > 1.设立海洋牧场专项基金"
    _, r = http_json(users + "/api/search", {"q": "海洋牧场企业设备补助最高多少", "k": 3})
    assert all(h["doc"] != "西海岸新区海洋牧场扶持办法" for h in r["results"]), "a draft is not searchable"
    status, pub = admin.call(f"/api/admin/documents/{doc_id}/publish", {})
    assert status == 200, pub
    def search(k: int) -> dict:
        return http_json(users + "/api/search", {"q": "海洋牧场企业设备补助最高多少", "k": k})[1]

    wait_until(lambda: search(3)["answer"] and "80万元" in search(3)["answer"]["text"], timeout=5)
    r = search(3)
    assert "80万元" in r["answer"]["text"] and r["answer"]["citation"]["doc_title"] == "西海岸新区海洋牧场扶持办法"
    assert r["answer"]["citation"]["date"] == "2024-03-01"
    assert admin.call(f"/api/admin/documents/{doc_id}/validity", {"validity": "失效"})[0] == 200
    # expired documents are never cited
    wait_until(lambda: all(h["doc"] != "西海岸新区海洋牧场扶持办法" for h in search(5)["results"]), timeout=5)


def test_admin_manages_users(users):
    admin = Client(users)
    assert admin.login("root", ADMIN_PW) == 200
    assert admin.call("/api/admin/users", {"username": "lisi", "password": "short", "role": "agent"})[0] == 400
    assert admin.call("/api/admin/users", {"username": "lisi", "password": "li-pass-2026x", "role": "agent"})[0] == 201
    li = Client(users)
    assert li.login("lisi", "li-pass-2026x") == 200 and li.call("/api/admin/users")[0] == 403
    assert admin.call("/api/admin/users/lisi", {"role": "admin"}, method="PUT")[0] == 200
    assert li.call("/api/admin/users")[0] == 200, "the role change applies to the open session"
    assert admin.call("/api/admin/users/lisi", {"active": False}, method="PUT")[0] == 200
    assert li.call("/api/admin/users")[0] == 401, "a deactivated user's sessions end"
    assert admin.call("/api/admin/users/root", {"active": False}, method="PUT")[0] == 400


def _take_waiting(agent: Client, base: str, sender: str) -> int:
    """Queue `sender` for a human (as the widget does) and let `agent` take that conversation."""
    assert http_json(base + "/api/handoff", {"sender": sender})[0] == 200
    _, queue = agent.call("/api/handoffs?status=waiting")
    item = next(i for i in queue["items"] if i["sender_label"].endswith(sender[-6:]))
    assert agent.call(f"/api/handoffs/{item['id']}/take", {})[0] == 200
    return item["id"]


def test_citizen_sees_a_staff_number_never_the_login_name(users):
    admin, agent = Client(users), Client(users)
    assert admin.login("root", ADMIN_PW) == 200 and agent.login("zhang", AGENT_PW) == 200
    _, listed = admin.call("/api/admin/users")
    zhang = next(u for u in listed["items"] if u["username"] == "zhang")
    assert zhang["display_name"] == "" and isinstance(zhang["staff_no"], int)
    staff = f"工号 {zhang['staff_no']:04d}"
    assert zhang["public_name"] == staff
    _, me = agent.call("/api/auth/me")
    assert me["user"]["username"] == "zhang" and me["user"]["public_name"] == staff, "an agent sees their own"

    sender = f"w-staffno-{int(time.time() * 1000)}"
    hid = _take_waiting(agent, users, sender)
    assert agent.call(f"/api/handoffs/{hid}/reply", {"text": "您好，请问有什么可以帮您？"})[0] == 201
    _, got = http_json(users + f"/api/handoff/{sender}/messages?after=0")
    joined = [m for m in got["messages"] if m["from"] == "system" and "已接入" in m["text"]]
    assert [m["text"] for m in joined] == [f"人工客服 {staff} 已接入"]
    assert [m["name"] for m in got["messages"] if m["from"] == "agent"] == [staff]
    assert "zhang" not in json.dumps(got, ensure_ascii=False), "the citizen never sees the login name"


def test_admin_sets_display_names_the_citizen_sees_them(users, index_settings):
    admin = Client(users)
    assert admin.login("root", ADMIN_PW) == 200
    base = {"password": "wang-pass-2026", "role": "agent"}
    status, body = admin.call("/api/admin/users", {**base, "username": "wangwu", "display_name": "wangwu"})
    assert status == 400 and "登录名" in body["error"], "a display name must not reveal a login name"
    assert admin.call("/api/admin/users", {**base, "username": "wangwu", "display_name": "Zhang"})[0] == 400
    assert admin.call("/api/admin/users", {**base, "username": "wangwu", "display_name": "长" * 21})[0] == 400
    status, body = admin.call("/api/admin/users", {**base, "username": "wangwu", "display_name": " 王五 "})
    assert status == 201 and body["display_name"] == "王五" and body["public_name"] == "王五"

    wang = Client(users)
    assert wang.login("wangwu", "wang-pass-2026") == 200
    _, me = wang.call("/api/auth/me")
    assert me["user"]["display_name"] == "王五" and me["user"]["public_name"] == "王五"
    sender = f"w-dispname-{int(time.time() * 1000)}"
    hid = _take_waiting(wang, users, sender)
    assert wang.call(f"/api/handoffs/{hid}/reply", {"text": "您好，请讲。"})[0] == 201
    _, got = http_json(users + f"/api/handoff/{sender}/messages?after=0")
    assert [m["text"] for m in got["messages"] if "已接入" in m["text"]] == ["人工客服 王五 已接入"]
    assert [m["name"] for m in got["messages"] if m["from"] == "agent"] == ["王五"]
    assert "wangwu" not in json.dumps(got, ensure_ascii=False)

    assert admin.call("/api/admin/users/wangwu", {"display_name": "root"}, method="PUT")[0] == 400
    status, body = admin.call("/api/admin/users/wangwu", {"display_name": "小王"}, method="PUT")
    assert status == 200 and body["public_name"] == "小王"
    _, got = http_json(users + f"/api/handoff/{sender}/messages?after=0")
    assert [m["name"] for m in got["messages"] if m["from"] == "agent"] == ["小王"]
    status, body = admin.call("/api/admin/users/wangwu", {"display_name": ""}, method="PUT")
    assert status == 200 and body["public_name"].startswith("工号 ")
    _, listed = admin.call("/api/admin/users")
    row = next(u for u in listed["items"] if u["username"] == "wangwu")
    assert row["display_name"] == "" and row["public_name"] == f"工号 {row['staff_no']:04d}"

    store = Path(index_settings["index"]["dir"]) / "app.db"
    same = cli_create(store, "create", "zhaoliu", "--role", "agent", "--display-name", "ZhaoLiu", password=AGENT_PW)
    assert same.returncode == 2 and "登录名" in same.stderr
    assert cli_create(store, "create", "zhaoliu", "--role", "agent", "--display-name", "赵六",
                      password=AGENT_PW).returncode == 0
    _, listed = admin.call("/api/admin/users")
    assert next(u for u in listed["items"] if u["username"] == "zhaoliu")["public_name"] == "赵六"


def _long_plan(size: int) -> bytes:
    """A valid plain-text plan of about `size` bytes: ten tasks with long paragraphs (cheap to chunk)."""
    sentence = "对新区海洋牧场企业给予设备补助，按年度申报，由区海洋发展局受理并审核后拨付资金。"
    per = size // 10 // len(sentence.encode()) + 1
    lines = ["一、支持措施"] + [f"{i}.设立第{i}项海洋牧场专项扶持。" + sentence * per for i in range(1, 11)]
    return "\n".join(lines).encode()


def test_uploads_take_up_to_2_mb_and_larger_bodies_get_a_chinese_413(users):
    admin = Client(users)
    assert admin.login("root", ADMIN_PW) == 200
    data = _long_plan(1536 * 1024)
    assert 1.5 * 1024 * 1024 <= len(data) < 1.6 * 1024 * 1024
    status, body = _upload(admin, "长文件.txt", data, title="海洋牧场长文件", written="2024-05-01")
    assert status == 201, body
    assert len(body["preview"]["chunks"]) == 10
    status, body = _upload(admin, "太大.txt", _long_plan(3 * 1024 * 1024), title="太大", written="2024-05-01")
    assert status == 413 and body["error"] == "文件过大：最大 2 MB"
    status, body = admin.call("/api/admin/hit-test", {"q": "退税", "pad": "x" * 100 * 1024})
    assert status == 413 and "请求体过大" in body["error"], "other console routes keep the small limit"


def test_two_uploads_of_one_title_in_one_second_are_two_drafts(users):
    admin = Client(users)
    assert admin.login("root", ADMIN_PW) == 200
    data = "一、支持措施\n1.推行渔船检验网上预约。渔船检验实现全程网上预约办理。".encode()
    for _ in range(5):  # the ids carry the upload second: retry until both land in the same one
        first = _upload(admin, "同名.txt", data, title="同名文件", written="2024-06-01")
        second = _upload(admin, "同名.txt", data, title="同名文件", written="2024-06-01")
        assert first[0] == 201 and second[0] == 201, (first, second)
        if first[1]["id"].rsplit("-", 1)[0] == second[1]["id"].rsplit("-", 1)[0]:
            break
    else:
        pytest.fail("could not upload twice within one second")
    assert first[1]["id"] != second[1]["id"]
    _, listed = admin.call("/api/admin/documents")
    drafts = {d["id"]: d for d in listed["items"] if d["state"] == "draft"}
    assert {first[1]["id"], second[1]["id"]} <= set(drafts)
    assert drafts[first[1]["id"]]["title"] == drafts[second[1]["id"]]["title"] == "同名文件"


def open_questions(admin: Client, text: str) -> list[dict]:
    status, body = admin.call("/api/unanswered")
    assert status == 200, body
    return [q for q in body["items"] if q["text"] == text]


def test_suggestions_carry_the_outcome_the_citizen_would_get(users):
    agent = Client(users)
    assert agent.login("zhang", AGENT_PW) == 200
    status, body = agent.call("/api/agent/suggest", {"q": "出口退税平均要几天"})
    assert status == 200 and body["outcome"] == "answered" and "3个工作日" in body["answer"]["text"], body
    status, body = agent.call("/api/agent/suggest", {"q": "杭州的人才补贴怎么领"})
    assert status == 200 and body["outcome"] == "declined" and body["answer"] is None, body


def test_an_agents_unsuitable_queues_the_question_once_however_many_cards_are_marked(users):
    agent, admin = Client(users), Client(users)
    assert agent.login("zhang", AGENT_PW) == 200 and admin.login("root", ADMIN_PW) == 200
    q = f"来电问出口退税平均要几天（{time.time_ns()}）"
    _, body = agent.call("/api/agent/suggest", {"q": q})
    for r in body["results"][:2]:
        status, _ = agent.call("/api/agent/feedback", {"q": q, "result_id": r["id"], "rating": "unsuitable",
                                                       "task": r["task"]})
        assert status == 201
    [queued] = open_questions(admin, q)
    assert queued["reason"] == "agent_unsuitable" and queued["channel"] == "hotline"
    assert queued["candidates"][0]["id"] == body["results"][0]["id"]
    used = f"来电问企业注销要跑几个部门（{time.time_ns()}）"
    assert agent.call("/api/agent/feedback", {"q": used, "result_id": "x", "rating": "used"})[0] == 201
    assert open_questions(admin, used) == [], "用了 is no reason to review"


def test_a_thumbs_down_queues_the_answered_question_once(users):
    admin = Client(users)
    assert admin.login("root", ADMIN_PW) == 200
    q = f"出口退税要多久（{time.time_ns()}）"
    vote = {"sender": "fb-down-1", "message_id": "m-1", "question": q, "answer": "……3个工作日以内。",
            "citation_task": 8}
    for rating in ("down", "up", "down"):  # a changed vote, then 👎 again: still one entry
        assert http_json(users + "/api/feedback", {**vote, "rating": rating})[0] == 201
    [queued] = open_questions(admin, q)
    assert queued["reason"] == "thumbs_down" and queued["candidates"][0]["task"] == 8
    assert "3个工作日" in queued["candidates"][0]["text"]
    up = f"企业注销要跑几个部门（{time.time_ns()}）"
    assert http_json(users + "/api/feedback", {**vote, "message_id": "m-2", "question": up, "rating": "up"})[0] == 201
    assert open_questions(admin, up) == []


def test_a_doubtful_answer_is_queued_once_per_message_but_declines_as_before(users):
    token = {"X-Internal-Token": "t-internal"}
    admin = Client(users)
    assert admin.login("root", ADMIN_PW) == 200
    q = f"企业开办能一天办完吗（{time.time_ns()}）"
    record = {"text": q, "sender": "dup-1", "channel": "widget", "candidates": []}
    first = http_json(users + "/api/unanswered", {**record, "reason": "low_margin"}, headers=token)
    again = http_json(users + "/api/unanswered", {**record, "reason": "rephrased"}, headers=token)
    assert first[0] == 201 and again == (200, {"id": first[1]["id"], "duplicate": True})
    other = http_json(users + "/api/unanswered", {**record, "sender": "dup-2", "reason": "thumbs_down"}, headers=token)
    assert other[0] == 201, "another user's vote on the same wording is another message"
    declined = f"杭州的人才补贴怎么领（{time.time_ns()}）"
    for _ in range(2):
        http_json(users + "/api/unanswered", {**record, "text": declined, "reason": "other_place"}, headers=token)
    assert len(open_questions(admin, declined)) == 2, "declines are logged as before"
