"""Shared state (web/shared.py): two real web replicas on one real Redis behave as one service.

The replicas are two `python -m web` processes on the same index folder, published-knowledge folder and
app store, with a fake Rasa REST channel behind them (tests/web/public/test_safety_net.py) and
`XHA_WEB__REDIS_URL` set. Lower tests drive the two implementations directly against real Redis.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.util import http_json, posts_from, wait_until
from tests.web.consoles.test_consoles import Client, cli_create
from tests.web.consoles.test_publish_crash import Server
from tests.web.public.test_safety_net import CHANNEL_TOKEN, FakeRasa
from web.public.handoff import RETURN_TEXT
from web.shared import LocalShared, LockBusy, RedisShared, SharedState

ADMIN, ADMIN_PW = "replica-root", "replica-root-pass-2026"
AGENT, AGENT_PW = "replica-agent", "replica-agent-pass-2026"
CHAT_LIMIT = 6
FAQ_Q = "诉速办平台是做什么的"
FAQ_NEW = "持续优化个人二手房交易服务,上线“二手房便民服务平台”小程序,避免二手房市场虚假房源和价格乱象。"


# -- the two implementations, directly -------------------------------------------------------------

def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def _started(*states: SharedState) -> None:
    for s in states:
        await s.start()
        if isinstance(s, RedisShared):
            await asyncio.wait_for(s.subscribed.wait(), 10)


async def _closed(*states: SharedState) -> None:
    for s in states:
        await s.close()


def test_two_redis_clients_enforce_one_sliding_window(redis_url):
    async def scenario() -> list[bool]:
        a, b = RedisShared(redis_url), RedisShared(redis_url)
        await _started(a, b)
        try:
            results = await asyncio.gather(*((a if i % 2 else b).hit("chat:s1", 10, 60) for i in range(50)))
            assert await a.hit("chat:s2", 10, 60), "another key has its own window"
            return list(results)
        finally:
            await _closed(a, b)

    assert sum(run(scenario())) == 10


def test_the_window_slides(redis_url):
    async def scenario() -> None:
        for s in (LocalShared(), RedisShared(redis_url)):
            await _started(s)
            try:
                assert [await s.hit("k", 2, 0.3) for _ in range(3)] == [True, True, False]
                await asyncio.sleep(0.4)
                assert await s.hit("k", 2, 0.3), type(s).__name__
            finally:
                await _closed(s)

    run(scenario())


def test_values_counters_and_their_ttl(redis_url):
    async def scenario() -> None:
        for s in (LocalShared(), RedisShared(redis_url)):
            await _started(s)
            try:
                assert [await s.incr("n", 0.3) for _ in range(3)] == [1, 2, 3]
                await s.put("v", "42", 0.3)
                assert await s.get("v") == "42"
                await asyncio.sleep(0.4)
                assert await s.get("v") is None and await s.incr("n", 10) == 1, type(s).__name__
                await s.delete("n")
                assert await s.get("n") is None
            finally:
                await _closed(s)

    run(scenario())


def test_an_event_published_by_one_client_reaches_the_listeners_of_the_other(redis_url):
    async def scenario() -> None:
        a, b = RedisShared(redis_url), RedisShared(redis_url)
        await _started(a, b)
        try:
            async with b.listen("index") as queue, a.listen("other") as unrelated:
                await a.publish("index", {"version": "v000009"})
                assert await asyncio.wait_for(queue.get(), 5) == {"version": "v000009"}
                assert unrelated.empty()
        finally:
            await _closed(a, b)

    run(scenario())


def test_the_lock_is_exclusive_across_clients(redis_url):
    async def scenario() -> None:
        a, b = RedisShared(redis_url), RedisShared(redis_url)
        await _started(a, b)
        inside: list[str] = []

        async def hold(s: SharedState, name: str) -> None:
            async with s.lock("publish", timeout=0.6, wait=10):
                inside.append(name)
                assert len(inside) == 1, "two holders at once"
                await asyncio.sleep(1.0)  # longer than the timeout: the lock is renewed meanwhile
                inside.remove(name)

        try:
            await asyncio.gather(hold(a, "a"), hold(b, "b"))
            async with a.lock("publish", timeout=5, wait=1):
                with pytest.raises(LockBusy):
                    async with b.lock("publish", timeout=5, wait=0.3):
                        pass
        finally:
            await _closed(a, b)

    run(scenario())


# -- two replicas ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def replicas(index_settings: dict[str, Any], redis_server: str,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server, FakeRasa]]:
    """Two web replicas sharing one Redis, index folder, knowledge folder and store; one fake Rasa.

    Module-scoped (two processes start once); each test uses its own senders and drafts."""
    root = tmp_path_factory.mktemp("replicas") / "index"
    shutil.copytree(Path(index_settings["index"]["dir"]), root,
                    ignore=shutil.ignore_patterns("app.db*", "knowledge", "web.log"))
    assert cli_create(root / "app.db", "create-admin", ADMIN, password=ADMIN_PW).returncode == 0
    assert cli_create(root / "app.db", "create", AGENT, "--role", "agent", password=AGENT_PW).returncode == 0
    rasa = FakeRasa().start()
    env = {"XHA_WEB__REDIS_URL": redis_server, "XHA_WEB__RASA_URL": rasa.url, "XHA_RASA__CHANNEL_TOKEN": CHANNEL_TOKEN,
           "XHA_WEB__RATE_LIMIT_PER_MINUTE": str(CHAT_LIMIT), "XHA_ACTIONS__SPOOL": str(root / "spool")}
    one, two = Server(root), Server(root)
    try:
        one.start(**env)
        two.start(**env)
        yield one, two, rasa
    finally:
        one.stop()
        two.stop()
        rasa.stop()


def chat(base: str, sender: str, message: str) -> tuple[int, dict]:
    return http_json(base + "/api/chat", {"sender": sender, "message": message})


def test_the_chat_rate_limit_is_one_limit_over_both_replicas(replicas):
    one, two, _ = replicas
    sender = f"r-rate-{time.time_ns()}"
    codes = [chat((one, two)[i % 2].base, sender, f"问题{i}") for i in range(CHAT_LIMIT + 1)]
    assert [c for c, _ in codes[:CHAT_LIMIT]] == [200] * CHAT_LIMIT
    status, body = codes[CHAT_LIMIT]
    assert status == 429 and body["error"] == "发送太频繁，请稍后再试"
    # at the same moment on both replicas: still CHAT_LIMIT in total
    burst = f"r-burst-{time.time_ns()}"
    got = [0, 0]

    def send(i: int) -> None:
        got[chat((one, two)[i % 2].base, burst, f"并发{i}")[0] == 200] += 1

    threads = [threading.Thread(target=send, args=(i,)) for i in range(3 * CHAT_LIMIT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got[1] == CHAT_LIMIT and got[0] == 2 * CHAT_LIMIT


def test_the_public_write_limit_per_address_is_shared(replicas, settings):
    one, two, _ = replicas
    limit = int(settings["web"]["handoff_per_minute"])
    run_id = f"r-ho-{time.time_ns()}"
    results = [result for name, replica in (("a", one), ("b", two))
               for result in posts_from("127.0.0.21", replica.base + "/api/handoff",
                                        [{"sender": f"{run_id}-{name}{i}"} for i in range(limit)])]
    codes = [s for s, _ in results]
    assert codes.count(200) == limit and codes.count(429) == limit
    assert all(body["error"] == "操作太频繁，请稍后再试" for s, body in results if s == 429)


def test_rasa_failures_on_one_replica_count_on_the_other(replicas):
    """The restart rule: three Rasa errors in a row for a sender, wherever they happened, restart the
    conversation when Rasa answers again; the unanswered log keeps the turn before, from either replica."""
    one, two, rasa = replicas
    sender = f"r-down-{time.time_ns()}"
    status, first = chat(one.base, sender, "出口退税要多久")
    assert status == 200 and [m["text"] for m in first["messages"]] == ["收到：出口退税要多久"]
    rasa.down.add(sender)
    for i, replica in enumerate((two, one, two)):
        status, body = chat(replica.base, sender, f"问题{i}")
        assert status == 200 and body["degraded"] is True and "12345" in body["messages"][0]["text"]
    rasa.down.discard(sender)
    status, body = chat(one.base, sender, "现在好了吗")
    assert [m["text"] for m in body["messages"]] == ["收到：现在好了吗"] and body["degraded"] is False
    assert rasa.messages_of(sender) == ["出口退税要多久", "问题0", "问题1", "问题2", "/restart", "现在好了吗"]
    # the restart is not owed any more, on either replica
    assert [m["text"] for m in chat(two.base, sender, "再问一个")[1]["messages"]] == ["收到：再问一个"]
    assert rasa.messages_of(sender)[-1] == "再问一个" and rasa.messages_of(sender).count("/restart") == 1
    # what the admins see: the failed question on replica 2 with the turn before it, asked on replica 1
    admin = Client(one.base)
    assert admin.login(ADMIN, ADMIN_PW) == 200
    _, listed = admin.call("/api/unanswered")
    item = next(i for i in listed["items"] if i["text"] == "问题0")
    assert item["previous_turn"] == "出口退税要多久"


class Sse:
    """Reads one text/event-stream response: next() returns {"event", "data", "id"}."""

    def __init__(self, resp: aiohttp.ClientResponse):
        self.resp = resp

    async def next(self, timeout: float = 5.0) -> dict[str, Any]:
        event: dict[str, Any] = {"event": "message", "data": "", "id": None}
        while True:
            line = (await asyncio.wait_for(self.resp.content.readline(), timeout)).decode()
            if not line:
                raise EOFError("stream ended")
            line = line.rstrip("\n")
            if not line:
                if event["data"]:
                    event["data"] = json.loads(event["data"])
                    return event
                continue
            field, _, value = line.partition(": ")
            if field in ("event", "id"):
                event[field] = value
            elif field == "data":
                event["data"] += value

    async def until(self, pred: Any, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            e = await self.next(max(0.01, deadline - time.monotonic()))
            if pred(e):
                return e


async def _signed_in(session: aiohttp.ClientSession, base: str, user: str, password: str) -> str:
    async with session.post(base + "/api/auth/login", json={"username": user, "password": password}) as r:
        assert r.status == 200
        return (await r.json())["csrf_token"]


def test_handoff_events_cross_replicas_and_reach_agent_and_widget_streams(replicas):
    one, two, _ = replicas
    sender = f"r-sse-{time.time_ns()}"

    async def scenario() -> None:
        timeout = aiohttp.ClientTimeout(total=None, sock_read=30)
        jar = aiohttp.CookieJar(unsafe=True)  # the session cookie of a server addressed by IP
        async with aiohttp.ClientSession(timeout=timeout, cookie_jar=jar) as agent, \
                aiohttp.ClientSession(timeout=timeout) as anon:
            async with anon.get(two.base + "/api/handoffs/events") as refused:
                assert refused.status == 401 and (await refused.json())["error"] == "请先登录"
            async with anon.get(one.base + f"/api/handoff/{sender}/events") as none:
                assert none.status == 404 and (await none.json())["error"] == "没有进行中的人工服务"
            async with anon.get(one.base + "/api/handoff/bad%20sender/events") as bad:
                assert bad.status == 400 and "sender" in (await bad.json())["error"]
            csrf = await _signed_in(agent, two.base, AGENT, AGENT_PW)
            async with agent.get(two.base + "/api/handoffs/events") as resp:
                assert resp.status == 200 and resp.content_type == "text/event-stream"
                agent_events = Sse(resp)
                assert (await agent_events.next())["event"] == "ready"
                # the citizen asks for a person through replica 1; the agent's stream on replica 2 hears it
                t0 = time.monotonic()
                status, _ = await asyncio.to_thread(http_json, one.base + "/api/handoff", {"sender": sender})
                assert status == 200
                requested = await agent_events.until(lambda e: e["event"] == "handoff", timeout=5)
                assert requested["data"]["type"] == "requested" and requested["data"]["status"] == "waiting"
                assert time.monotonic() - t0 < 5
                hid = requested["data"]["id"]
                async with agent.get(two.base + "/api/handoffs?status=waiting") as r:
                    queue = await r.json()
                assert any(i["id"] == hid and i["sender_label"].endswith(sender[-6:]) for i in queue["items"])

                async with anon.get(one.base + f"/api/handoff/{sender}/events") as wresp:
                    assert wresp.status == 200
                    widget = Sse(wresp)
                    first = await widget.next()
                    assert first["event"] == "messages" and first["data"] == {"messages": [], "status": "waiting"}
                    headers = {"X-CSRF-Token": csrf}
                    async with agent.post(two.base + f"/api/handoffs/{hid}/take", json={}, headers=headers) as r:
                        assert r.status == 200
                    taken = await widget.next()
                    assert taken["data"]["status"] == "active"
                    [joined] = [m["text"] for m in taken["data"]["messages"]]
                    assert joined.startswith("人工客服 工号 ") and joined.endswith("已接入") and AGENT not in joined
                    assert (await agent_events.until(lambda e: e["data"].get("type") == "taken"))["data"]["id"] == hid
                    reply = "您好，我是人工客服，退税平均3个工作日。"
                    async with agent.post(two.base + f"/api/handoffs/{hid}/reply", json={"text": reply},
                                          headers=headers) as r:
                        assert r.status == 201
                    said = await widget.next()
                    assert [(m["from"], m["text"]) for m in said["data"]["messages"]] == [("agent", reply)]
                    assert int(said["id"]) == said["data"]["messages"][-1]["id"], "a reconnect resumes after it"
                    # the citizen writes through replica 1: the agent's stream on replica 2 hears it
                    status, routed = await asyncio.to_thread(chat, one.base, sender, "我的企业出口退税还没到账")
                    assert status == 200 and routed["handoff"] == "active"
                    wrote = await agent_events.until(lambda e: e["data"].get("type") == "user_message")
                    assert wrote["data"]["id"] == hid
                    async with agent.post(two.base + f"/api/handoffs/{hid}/close", json={}, headers=headers) as r:
                        assert r.status == 200
                    closed = await widget.next()
                    assert closed["data"]["status"] == "closed"
                    assert [m["text"] for m in closed["data"]["messages"]] == [RETURN_TEXT]
                    with pytest.raises(EOFError):  # the stream ends with the handoff
                        await widget.next()

    run(scenario())


def test_a_publish_on_replica_1_is_served_by_replica_2_within_5_seconds(replicas):
    one, two, _ = replicas
    admin = Client(one.base)
    assert admin.login(ADMIN, ADMIN_PW) == 200
    _, before = http_json(two.base + "/api/search", {"q": FAQ_Q, "k": 1})
    faq_id = before["answer"]["faq_id"]
    _, entry = admin.call(f"/api/admin/faq/{faq_id}")
    assert admin.call(f"/api/admin/faq/{faq_id}", dict(entry, answer=FAQ_NEW), method="PUT")[0] == 201
    failures: list[Any] = []
    stop = threading.Event()

    def keep_asking() -> None:  # replica 2 serves questions all the while (~10 a second): none may fail
        while not stop.is_set():
            status, body = http_json(two.base + "/api/search", {"q": FAQ_Q, "k": 1})
            if status != 200 or not body.get("answer"):
                failures.append((status, body))
            stop.wait(0.1)

    asker = threading.Thread(target=keep_asking)
    asker.start()
    try:
        t0 = time.monotonic()
        status, pub = admin.call("/api/admin/publish", {})
        t_live_on_1 = time.monotonic()
        assert status == 200 and pub["changed"] == 1, pub

        def served_by_two() -> bool:
            _, health = http_json(two.base + "/api/health")
            if health.get("index_version") != pub["version"]:
                return False
            _, found = http_json(two.base + "/api/search", {"q": FAQ_Q, "k": 1})
            return "二手房便民服务平台" in found["answer"]["text"]

        wait_until(served_by_two, timeout=5, every=0.1)
        t_served = time.monotonic()
    finally:
        stop.set()
        asker.join()
    assert not failures, failures[:3]
    # a rollback on replica 2 is served by replica 1 as quickly
    _, versions = admin.call("/api/admin/versions")
    previous = versions["versions"][1]["version"]
    rolled = Client(two.base)
    assert rolled.login(ADMIN, ADMIN_PW) == 200
    assert rolled.call("/api/admin/rollback", {"version": previous}) == (200, {"current": previous})
    wait_until(lambda: http_json(one.base + "/api/health")[1]["index_version"] == previous, timeout=5, every=0.05)
    print(f"\npublish on replica 1: {t_live_on_1 - t0:.2f} s (build + swap there); replica 2 serves the new version "
          f"{t_served - t_live_on_1:.2f} s later ({t_served - t0:.2f} s after the publish request)")


def test_simultaneous_publishes_on_both_replicas_build_one_version(replicas):
    one, two, _ = replicas
    a, b = Client(one.base), Client(two.base)
    assert a.login(ADMIN, ADMIN_PW) == 200 and b.login(ADMIN, ADMIN_PW) == 200
    _, found = http_json(one.base + "/api/search", {"q": "企业注销要跑几个部门", "k": 1})
    faq_id = found["answer"]["faq_id"]
    _, entry = a.call(f"/api/admin/faq/{faq_id}")
    extra = f"注销公司一共要去几个地方{time.time_ns() % 1000}"
    assert a.call(f"/api/admin/faq/{faq_id}", dict(entry, questions=[*entry["questions"], extra]),
                  method="PUT")[0] == 201
    _, versions = a.call("/api/admin/versions")
    known = {v["version"] for v in versions["versions"]}
    results: dict[str, tuple[int, dict]] = {}
    go = threading.Barrier(2)

    def publish(name: str, client: Client) -> None:
        go.wait()
        results[name] = client.call("/api/admin/publish", {})

    threads = [threading.Thread(target=publish, args=(n, c)) for n, c in (("one", a), ("two", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s for s, _ in results.values()] == [200, 200], results
    assert sorted(r["changed"] for _, r in results.values()) == [0, 1], "the second waits, then finds no drafts"
    _, versions = a.call("/api/admin/versions")
    new = {v["version"] for v in versions["versions"]} - known
    assert len(new) == 1 and versions["current"] in new
    wait_until(lambda: all(http_json(r.base + "/api/health")[1]["index_version"] == versions["current"]
                           for r in (one, two)), timeout=5, every=0.05)
    _, hit = http_json(two.base + "/api/search", {"q": extra, "k": 1})
    assert hit["answer"]["faq_id"] == faq_id


def test_without_redis_one_process_pushes_to_its_own_streams(web_server, index_settings):
    """The default (no web.redis_url): the same streams, fed in-process; a citizen's stream carries only
    their own handoff."""
    store = Path(index_settings["index"]["dir"]) / "app.db"
    cli_create(store, "create", AGENT, "--role", "agent", password=AGENT_PW)  # may exist from an earlier test
    mine, other = f"p-mine-{time.time_ns()}", f"p-other-{time.time_ns()}"

    async def scenario() -> None:
        timeout = aiohttp.ClientTimeout(total=None, sock_read=30)
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(timeout=timeout, cookie_jar=jar) as agent, \
                aiohttp.ClientSession(timeout=timeout) as anon:
            csrf = await _signed_in(agent, web_server, AGENT, AGENT_PW)
            async with agent.get(web_server + "/api/handoffs/events") as resp:
                events = Sse(resp)
                assert (await events.next())["event"] == "ready"
                ids = {}
                for sender in (mine, other):
                    status, _ = await asyncio.to_thread(http_json, web_server + "/api/handoff", {"sender": sender})
                    assert status == 200
                    ids[sender] = (await events.until(lambda e: e["data"].get("type") == "requested"))["data"]["id"]
                async with anon.get(web_server + f"/api/handoff/{mine}/events") as a, \
                        anon.get(web_server + f"/api/handoff/{other}/events") as b:
                    mine_events, other_events = Sse(a), Sse(b)
                    assert (await mine_events.next())["data"]["status"] == "waiting"
                    assert (await other_events.next())["data"]["status"] == "waiting"
                    headers = {"X-CSRF-Token": csrf}
                    async with agent.post(web_server + f"/api/handoffs/{ids[mine]}/take", json={},
                                          headers=headers) as r:
                        assert r.status == 200
                    async with agent.post(web_server + f"/api/handoffs/{ids[mine]}/reply", json={"text": "仅给您"},
                                          headers=headers) as r:
                        assert r.status == 201
                    got = await mine_events.until(lambda e: any(m["from"] == "agent" for m in e["data"]["messages"]))
                    assert [m["text"] for m in got["data"]["messages"] if m["from"] == "agent"] == ["仅给您"]
                    with pytest.raises(TimeoutError):  # nothing of that handoff reaches the other citizen
                        await other_events.next(timeout=1.0)

    run(scenario())
