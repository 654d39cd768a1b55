"""Small helpers shared by tests and their fixtures."""

from __future__ import annotations

import socket
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0) -> None:
    """Poll until the URL answers (any HTTP status counts as up)."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


def http_json(url: str, payload: object = None, method: str | None = None, headers: dict | None = None,
              raw: bytes | None = None, timeout: float = 30, opener: object = None) -> tuple[int, dict]:
    """One JSON request; returns (status, decoded body) for 2xx and error statuses alike."""
    import json
    import urllib.error

    data = raw if raw is not None else (None if payload is None else json.dumps(payload, ensure_ascii=False).encode())
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data is not None else "GET"),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with (opener.open if opener else urllib.request.urlopen)(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def http_status(url: str, payload: object = None, headers: dict | None = None, method: str | None = None) -> int:
    """Status only, for answers that are not JSON (Prometheus text, a framework's HTML 404)."""
    import json
    import urllib.error

    data = None if payload is None else json.dumps(payload).encode()
    req = urllib.request.Request(url, data=data, method=method or ("POST" if data is not None else "GET"),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def wait_until(fn, timeout: float = 20.0, every: float = 0.2):
    """Poll `fn` until it returns something truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout}s")


def posts_from(source: str, url: str, payloads: list[object], concurrency: int = 20) -> list[tuple[int, dict]]:
    """POST each JSON payload to `url` from the loopback address `source` (e.g. 127.0.0.2: Linux accepts
    any 127.x source), so a test can act as another client address; returns (status, body) in order."""
    import asyncio

    import aiohttp

    async def run() -> list[tuple[int, dict]]:
        gate = asyncio.Semaphore(concurrency)
        connector = aiohttp.TCPConnector(local_addr=(source, 0))
        async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:
            async def one(payload: object) -> tuple[int, dict]:
                async with gate, session.post(url, json=payload) as resp:
                    return resp.status, await resp.json(content_type=None)

            return list(await asyncio.gather(*(one(p) for p in payloads)))

    return asyncio.run(run())
