"""Behind the load balancer, limits count the client's address from X-Forwarded-For, and only when the
request really comes from a configured proxy (a client cannot forge its address)."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from web.http import client_address_middleware


async def _remote_seen(trusted: list[str], source: str, forwarded: str | None) -> tuple[int, str]:
    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"remote": request.remote})

    app = web.Application(middlewares=[client_address_middleware(trusted)])
    app.router.add_get("/", echo)
    async with TestServer(app, host="127.0.0.1") as server:
        connector = aiohttp.TCPConnector(local_addr=(source, 0))
        headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
        async with aiohttp.ClientSession(connector=connector) as session, \
                session.get(server.make_url("/"), headers=headers) as resp:
            body = await resp.json()
            return resp.status, body.get("remote") or body.get("error", "")


async def test_the_balancer_passes_on_the_client_address():
    assert await _remote_seen(["127.0.0.1"], "127.0.0.1", "203.0.113.7") == (200, "203.0.113.7")
    # a forged first entry is ignored: the balancer appends what it saw, and only that is believed
    assert await _remote_seen(["127.0.0.1"], "127.0.0.1", "10.9.9.9, 203.0.113.7") == (200, "203.0.113.7")


async def test_a_client_cannot_forge_its_address():
    assert await _remote_seen(["127.0.0.1"], "127.0.0.3", "203.0.113.7") == (200, "127.0.0.3")
    # without proxies configured (one process, no balancer) the header means nothing
    assert await _remote_seen([], "127.0.0.1", "203.0.113.7") == (200, "127.0.0.1")


async def test_direct_calls_and_health_checks_keep_the_peer_address():
    assert await _remote_seen(["127.0.0.1"], "127.0.0.1", None) == (200, "127.0.0.1")


async def test_a_malformed_header_from_the_balancer_is_a_clear_error():
    status, message = await _remote_seen(["127.0.0.1"], "127.0.0.1", "not-an-address")
    assert status == 400 and "X-Forwarded-For" in message
