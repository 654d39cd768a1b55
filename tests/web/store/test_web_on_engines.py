"""The web handlers over a real socket on both store engines: filing a ticket, looking it up, signing in.

Two aiohttp apps share one database (two replicas): what one files, the other shows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from config import load_settings, resolve_path
from web.consoles import auth
from web.http import errors_middleware
from web.internal import tickets
from web.state import DISPATCHER, ROUTING, SETTINGS, STORE
from web.store import AsyncStore, Store
from web.susuban.routing import Routing

TOKEN = {"X-Internal-Token": "t-internal"}
PASSWORD = "agent-pass-2026"


def replica(target: str) -> web.Application:
    settings = load_settings(environ={"XHA_WEB__INTERNAL_TOKEN": "t-internal", "XHA_WEB__SENDER_SALT": "t-salt",
                                      "XHA_SUSUBAN__URL": "", "XHA_WEB__STORE": target})
    app = web.Application(middlewares=[errors_middleware])  # BadRequest → a Chinese 400, as in web.app
    app[SETTINGS], app[DISPATCHER] = settings, None
    app[STORE] = AsyncStore(Store(settings["web"]["store"]))  # as web.app builds it: path or URL
    app[ROUTING] = Routing(resolve_path(settings["susuban"]["routing"]))
    auth.add_routes(app)
    tickets.add_routes(app)
    app.on_cleanup.append(lambda a: _close(a))
    return app


async def _close(app: web.Application) -> None:
    app[STORE].close()


@pytest.fixture
async def servers(target: str) -> AsyncIterator[tuple[TestServer, TestServer]]:
    async with TestServer(replica(target)) as a, TestServer(replica(target)) as b:
        yield a, b


async def test_a_ticket_filed_on_one_replica_is_seen_on_the_other(servers):
    a, b = servers
    body = {"company": "某公司", "contact": "王", "phone": "0532-86981234", "category": "劳动用工",
            "description": "拖欠工资三个月", "idempotency_key": "web-1"}
    async with aiohttp.ClientSession(headers=TOKEN) as http:
        async with http.post(a.make_url("/api/tickets"), json=body) as resp:
            assert resp.status == 201
            first = await resp.json()
        async with http.post(b.make_url("/api/tickets"), json=body) as resp:  # the action retried elsewhere
            assert resp.status == 200 and (await resp.json())["ticket_no"] == first["ticket_no"]
        async with http.post(b.make_url("/api/tickets"), json={**body, "phone": "12", "idempotency_key": "x"}) as resp:
            assert resp.status == 400 and (await resp.json())["error"] == "联系电话格式不正确"
        async with http.get(b.make_url(f"/api/tickets/{first['ticket_no']}")) as resp:
            got = await resp.json()
            assert resp.status == 200 and got["category"] == "劳动用工" and got["status"] == "local"
            assert [h["kind"] for h in got["history"]] == ["created"]


async def test_sign_in_on_one_replica_holds_on_the_other(servers):
    a, b = servers
    a.app[STORE].sync.accounts.create_user("zhang", auth.hash_password(PASSWORD), "agent")
    async with aiohttp.ClientSession() as http:
        async with http.post(a.make_url("/api/auth/login"), json={"username": "zhang", "password": "nope"}) as resp:
            assert resp.status == 401 and (await resp.json())["error"] == "用户名或密码错误"
        async with http.post(a.make_url("/api/auth/login"), json={"username": "zhang", "password": PASSWORD}) as resp:
            assert resp.status == 200 and (await resp.json())["user"]["public_name"] == "工号 0001"
            cookie = resp.cookies[auth.COOKIE].value
    async with aiohttp.ClientSession(cookies={auth.COOKIE: cookie}) as http:
        async with http.get(b.make_url("/api/auth/me")) as resp:  # the session lives in the shared store
            assert resp.status == 200 and (await resp.json())["user"]["username"] == "zhang"


async def test_twenty_wrong_passwords_sent_at_once_to_two_replicas_get_five_checks(servers):
    """The lockout holds under parallel attempts: each is counted before its password check, so only the
    first LOCK_AFTER are checked (401) and the rest refused (429), whichever replica they reach."""
    a, b = servers
    a.app[STORE].sync.accounts.create_user("zhang", auth.hash_password(PASSWORD), "agent")
    async with aiohttp.ClientSession() as http:
        async def attempt(server: TestServer) -> int:
            async with http.post(server.make_url("/api/auth/login"),
                                 json={"username": "zhang", "password": "guess"}) as resp:
                return resp.status

        codes = await asyncio.gather(*(attempt(a if i % 2 else b) for i in range(20)))
    assert sorted(codes) == [401] * auth.LOCK_AFTER + [429] * (20 - auth.LOCK_AFTER), codes
