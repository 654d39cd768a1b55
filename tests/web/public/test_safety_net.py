"""The gateway's safety net over real sockets: a real `python -m web` in front of a fake Rasa REST channel.

The fake Rasa behaves like the bug it stands for: a question starting with 重复 makes it send the same
answer nine times, after which that conversation is broken — every further message gets an empty reply —
until it receives `/restart` for that sender. 无回复 breaks the conversation at once (an empty reply).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web

from config import ROOT
from tests.util import free_port, http_json, wait_http
from web.privacy import hash_sender
from web.public.chat import dedupe

ADMIN_PW = "admin-pass-2026"
CHANNEL_TOKEN = "test-channel-token-0123"
SALT = "t-salt"


class FakeRasa:
    """Rasa's gateway channel (`POST /webhooks/gateway/webhook`, token checked) on a free port; records every
    (sender, message) it receives."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[str, str]] = []
        self.broken: set[str] = set()  # conversations stuck after the bug: empty replies until /restart
        self.down: set[str] = set()  # senders it answers with HTTP 500
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def messages_of(self, sender: str) -> list[str]:
        return [m for s, m in self.received if s == sender]

    async def _webhook(self, request: web.Request) -> web.Response:
        if request.headers.get("X-Channel-Token") != CHANNEL_TOKEN:
            return web.json_response({"error": "forbidden"}, status=403)
        body = await request.json()
        sender, message = body["sender"], body["message"]
        self.received.append((sender, message))
        if sender in self.down:
            return web.json_response({"error": "boom"}, status=500)
        if message == "/restart":  # action_restart: no utter_restart in the domain, so no message
            self.broken.discard(sender)
            return web.json_response([])
        if sender in self.broken or message.startswith("无回复"):
            self.broken.add(sender)
            return web.json_response([])
        if message.startswith("重复"):
            self.broken.add(sender)
            answer = [{"recipient_id": sender, "text": "出口退税平均3个工作日办结。\n\n来源：实施方案 任务5",
                       "buttons": [{"title": "那要多久？", "payload": "那要多久？"}]},
                      {"recipient_id": sender, "custom": {"type": "answer", "citation": {"task": 5}}}]
            return web.json_response(answer * 9 + [{"recipient_id": sender, "text": "还有什么可以帮您？"}])
        return web.json_response([{"recipient_id": sender, "text": f"收到：{message}"}])

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/webhooks/gateway/webhook", self._webhook)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        self._loop.run_until_complete(self._runner.setup())
        self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> FakeRasa:
        self._thread.start()
        assert self._ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeRasa]]:
    """(base URL of a real web service, the fake Rasa behind it), with an admin user."""
    tmp = tmp_path_factory.mktemp("safety_net")
    rasa = FakeRasa().start()
    port = free_port()
    env = {**os.environ, "XHA_INDEX__DIR": str(tmp / "index"), "XHA_WEB__PORT": str(port),
           "XHA_WEB__RASA_URL": rasa.url, "XHA_WEB__STORE": str(tmp / "app.db"),
           "XHA_RASA__CHANNEL_TOKEN": CHANNEL_TOKEN,
           "XHA_WEB__RATE_LIMIT_PER_MINUTE": "1000",
           "XHA_WEB__INTERNAL_TOKEN": "t-internal", "XHA_WEB__METRICS_TOKEN": "t-metrics",
           "XHA_WEB__SENDER_SALT": SALT, "XHA_SUSUBAN__URL": "", "XHA_SUSUBAN__SECRET": "t-ssb",
           "XHA_ACTIONS__SPOOL": str(tmp / "spool"), "XHA_KNOWLEDGE__LOCAL_DIR": str(tmp / "knowledge")}
    created = subprocess.run([sys.executable, "-m", "web.consoles.users", "create-admin", "root", "--password-stdin"],
                             cwd=ROOT, env=env, input=ADMIN_PW + "\n", capture_output=True, text=True, timeout=60)
    assert created.returncode == 0, created.stderr
    log = open(tmp / "web.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/api/health")  # answers 503 (no index here): the chat gateway needs none
        yield base, rasa
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
        rasa.stop()


def chat(base: str, sender: str, message: str) -> dict[str, Any]:
    status, body = http_json(base + "/api/chat", {"sender": sender, "message": message})
    assert status == 200, body
    return body


def texts(body: dict[str, Any]) -> list[str]:
    return [m["text"] for m in body["messages"]]


def metrics(base: str, token: str | None = "t-metrics") -> tuple[int, dict[str, float]]:
    req = urllib.request.Request(base + "/api/metrics", headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            text = resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, {}
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return 200, samples


def admin_analytics(base: str) -> dict[str, Any]:
    from http.cookiejar import CookieJar

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    status, _ = http_json(base + "/api/auth/login", {"username": "root", "password": ADMIN_PW}, opener=opener)
    assert status == 200
    status, body = http_json(base + "/api/admin/analytics?days=7", opener=opener)
    assert status == 200, body
    return body


def test_repeated_reply_is_shown_once_and_the_conversation_recovers(net):
    base, rasa = net
    s = "w-repeat-1"
    body = chat(base, s, "重复：出口退税要多久")
    assert texts(body) == ["出口退税平均3个工作日办结。\n\n来源：实施方案 任务5", "还有什么可以帮您？"]
    assert body["messages"][0]["type"] == "answer" and body["messages"][0]["citation"] == {"task": 5}
    assert body["degraded"] is False
    assert rasa.messages_of(s) == ["重复：出口退税要多久", "/restart"]
    nxt = chat(base, s, "企业注销要跑几个部门")
    assert texts(nxt) == ["收到：企业注销要跑几个部门"] and nxt["degraded"] is False


def test_empty_reply_says_the_conversation_was_reset_and_the_next_message_works(net):
    base, rasa = net
    s = "w-empty-1"
    body = chat(base, s, "无回复的问题")
    assert len(body["messages"]) == 1
    reply = body["messages"][0]["text"]
    assert "重新开始" in reply and "重新发送" in reply and "暂时无法回复" not in reply
    assert rasa.messages_of(s) == ["无回复的问题", "/restart"]
    assert texts(chat(base, s, "企业注销要跑几个部门")) == ["收到：企业注销要跑几个部门"]


def test_a_sender_rasa_keeps_failing_for_is_restarted_when_rasa_answers_again(net):
    base, rasa = net
    s = "w-down-1"
    _, before = metrics(base)
    rasa.down.add(s)  # one error, then Rasa answers: the conversation (a form, a follow-up) is kept
    assert chat(base, s, "问题")["degraded"] is True
    rasa.down.discard(s)
    assert texts(chat(base, s, "再问一次")) == ["收到：再问一次"]
    rasa.down.add(s)  # three in a row: restarted once Rasa answers again
    for i in range(3):
        body = chat(base, s, f"问题{i}")
        assert body["degraded"] is True and "12345" in body["messages"][0]["text"]
        assert {"title": "重新开始", "payload": "/restart"} in body["messages"][0]["buttons"]
    rasa.down.discard(s)
    assert texts(chat(base, s, "现在好了吗")) == ["收到：现在好了吗"]
    assert rasa.messages_of(s) == ["问题", "再问一次", "问题0", "问题1", "问题2", "/restart", "现在好了吗"]
    _, after = metrics(base)
    for name in ('xha_chat_incidents_total{kind="rasa_error"}',
                 'xha_chat_incidents_recovered_total{kind="rasa_error"}'):
        assert after[name] - before.get(name, 0) == 1


def test_the_restart_button_starts_a_clean_conversation(net):
    base, rasa = net
    s = "w-button-1"
    rasa.broken.add(s)  # a conversation already stuck before the safety net existed
    body = chat(base, s, "/restart")
    assert body["degraded"] is False and "重新开始" in texts(body)[0]
    assert rasa.messages_of(s) == ["/restart"]
    assert texts(chat(base, s, "你好")) == ["收到：你好"]


def test_admins_see_the_incidents_in_metrics_and_analytics(net):
    base, rasa = net
    assert metrics(base, None)[0] == 401 and metrics(base, "t-internal")[0] == 401
    _, before = metrics(base)
    chat(base, "w-admin-1", "重复：我的电话13812345678，退税多久")
    chat(base, "w-admin-2", "无回复")
    _, after = metrics(base)

    def delta(name: str) -> float:
        return after.get(name, 0) - before.get(name, 0)

    assert delta('xha_chat_incidents_total{kind="repeated_reply"}') == 1
    assert delta('xha_chat_incidents_total{kind="empty_reply"}') == 1
    assert delta('xha_chat_incidents_recovered_total{kind="repeated_reply"}') == 1
    assert 'xha_chat_incidents_total{kind="rasa_error"}' in after
    assert after['xha_chat_turns_total{reply_type="answer"}'] >= 1

    inc = admin_analytics(base)["incidents"]
    assert inc["last_24h"]["repeated_reply"] >= 1 and inc["last_7d"]["empty_reply"] >= 1
    item = next(i for i in inc["recent"] if i["sender_hash"] == hash_sender("w-admin-1", SALT))
    assert item["kind"] == "repeated_reply" and item["recovered"] is True and item["channel"] == "widget"
    assert "138****5678" in item["message"] and "13812345678" not in item["message"]
    assert "w-admin-1" not in str(inc)


def test_dedupe_keeps_the_first_of_each_message_in_order():
    a, b = {"type": "answer", "text": "答"}, {"type": "text", "text": "还有吗"}
    buttons_only = [{"type": "text", "text": "", "buttons": [{"title": t, "payload": t}]} for t in ("甲", "乙")]
    assert dedupe([a, b, a, dict(a), b]) == ([a, b], 3)
    assert dedupe(buttons_only) == (buttons_only, 0)
    assert dedupe([]) == ([], 0)


@pytest.mark.skipif(not (ROOT / "models" / "assistant.tar.gz").exists(), reason="no trained Rasa model (make model)")
def test_restart_through_the_real_rasa_resets_an_open_complaint_form(stack):
    s = "w-real-restart-1"
    stack.chat(s, "我要投诉")
    stack.chat(s, "青岛海川科技有限公司")  # the form now asks for the contact person
    assert [m["text"] for m in stack.chat(s, "/restart")] == ["已为您重新开始对话，请问有什么可以帮您？"]
    msgs = stack.chat(s, "企业注销要跑几个部门")  # a question again, not the contact person of the form
    assert any(m.get("type") == "answer" for m in msgs)
