"""The whole product as real processes for end-to-end tests: web service, action server, Rasa server,
and a test 诉速办 receiver (a real aiohttp server) that verifies signatures and de-duplicates by key."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from config import ROOT
from tests.util import free_port, http_json, wait_http
from web.susuban.wire import verify

RASA_VENV = ROOT / ".venv-rasa" / "bin"
MODEL = ROOT / "models" / "assistant.tar.gz"


class Receiver:
    """A 诉速办 stand-in: `mode` is "ok", "down" (503) or "hang" (stores, then never answers in time)."""

    def __init__(self, secret: str):
        self.secret = secret
        self.port = free_port()
        self.mode = "ok"
        self.posts: list[dict[str, Any]] = []
        self.tickets: dict[str, dict[str, Any]] = {}
        self.bad_signatures = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tickets"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify(self.secret, body, request.headers):
            self.bad_signatures += 1
            return web.json_response({"error": "bad signature"}, status=401)
        key = request.headers.get("Idempotency-Key", "")
        self.posts.append({"key": key, "body": json.loads(body), "at": time.time()})
        if self.mode == "down":
            return web.json_response({"error": "maintenance"}, status=503)
        if key in self.tickets:
            return web.json_response({"id": self.tickets[key]["id"], "duplicate": True}, status=200)
        self.tickets[key] = {"id": f"EXT{len(self.tickets) + 1:05d}", "body": json.loads(body)}
        if self.mode == "hang":
            await asyncio.sleep(3600)  # the caller gives up (or dies) first
        return web.json_response({"id": self.tickets[key]["id"]}, status=201)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_post("/tickets", self._handle)
        runner = self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> Receiver:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=10)
        asyncio.run_coroutine_threadsafe(_cancel_pending(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)


async def _cancel_pending() -> None:
    """Handlers still waiting ("hang" mode) are cancelled, not destroyed with the loop."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class Proc:
    """One product process: started, health-checked, stopped or killed like an operator would."""

    def __init__(self, name: str, cmd: list[str], health: str, env: dict[str, str], log_dir: Path,
                 timeout: float = 180):
        self.name, self.cmd, self.health, self.env, self.timeout = name, cmd, health, env, timeout
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Proc:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            wait_http(self.health, self.timeout)
        except TimeoutError:
            raise TimeoutError(f"{self.name} not healthy; log:\n{self.log_path.read_text()[-3000:]}") from None
        return self

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


class Stack:
    def __init__(self, tmp: Path, index_dir: str):
        import shutil

        self.tmp = tmp
        shutil.copytree(index_dir, tmp / "index", ignore=shutil.ignore_patterns("*.db*", "knowledge", "*.log"))
        index_dir = str(tmp / "index")  # its own copy: publishing here must not touch other fixtures
        self.secrets = {"XHA_WEB__INTERNAL_TOKEN": "test-internal", "XHA_WEB__METRICS_TOKEN": "test-metrics",
                        "XHA_WEB__SENDER_SALT": "test-salt", "XHA_SUSUBAN__SECRET": "test-ssb-secret",
                        "XHA_RASA__CHANNEL_TOKEN": "test-channel-token-0123",
                        "XHA_RASA__ACTION_TOKEN": "test-action-token-0123"}
        self._admin_session: tuple[Any, str] | None = None
        self.receiver = Receiver(self.secrets["XHA_SUSUBAN__SECRET"]).start()
        self.web_port, self.rasa_port, self.actions_port = free_port(), free_port(), free_port()
        self.embed_port = free_port()  # a second origin that embeds the widget
        env = {**os.environ, **self.secrets, "RASA_TELEMETRY_ENABLED": "false",
               "XHA_INDEX__DIR": index_dir, "XHA_WEB__PORT": str(self.web_port),
               "XHA_WEB__STORE": str(tmp / "app.db"), "XHA_WEB__RASA_URL": f"http://127.0.0.1:{self.rasa_port}",
               "XHA_WEB__RATE_LIMIT_PER_MINUTE": "1000",
               "XHA_WEB__ALLOWED_ORIGINS": f"http://127.0.0.1:{self.web_port},http://127.0.0.1:{self.embed_port}",
               "XHA_SUSUBAN__URL": self.receiver.url, "XHA_SUSUBAN__BACKOFF_BASE": "0.3",
               "XHA_SUSUBAN__BACKOFF_MAX": "1", "XHA_SUSUBAN__TIMEOUT": "2",
               "XHA_ACTIONS__API_URL": f"http://127.0.0.1:{self.web_port}",
               "XHA_ACTIONS__SPOOL": str(tmp / "spool"),
               "XHA_KNOWLEDGE__LOCAL_DIR": str(tmp / "knowledge"),
               "RASA_ACTIONS_PORT": str(self.actions_port), "RASA_TRACKER_DB": str(tmp / "tracker.db"),
               "XHA_RASA__TRACKER_DB": str(tmp / "tracker.db")}
        self.env = env
        self.web = Proc("web", [sys.executable, "-m", "web"], f"{self.url}/api/health", env, tmp, 90)
        self.actions = Proc("actions", [str(RASA_VENV / "python"), "-m", "actions.server",
                                        "--port", str(self.actions_port)],
                            f"http://127.0.0.1:{self.actions_port}/health", env, tmp)
        rasa_cmd = [str(RASA_VENV / "python"), "-m", "bot.rasa_main", "run", "-i", "127.0.0.1",
                    "--port", str(self.rasa_port),
                    "--model", str(MODEL), "--endpoints", "config/endpoints.yml",
                    "--credentials", "config/credentials.yml"]
        self.rasa = Proc("rasa", rasa_cmd, f"http://127.0.0.1:{self.rasa_port}/",
                         {**env, "SANIC_REQUEST_MAX_SIZE": "1048576"}, tmp, 240)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    ADMIN = ("root", "admin-pass-2026")
    AGENT = ("zhang", "agent-pass-2026")

    def create_users(self) -> None:
        for args, (name, password) in ((["create-admin"], self.ADMIN), (["create", "--role", "agent"], self.AGENT)):
            subprocess.run([sys.executable, "-m", "web.consoles.users", args[0], name, *args[1:], "--password-stdin"],
                           cwd=ROOT, env=self.env, input=password + "\n", text=True, check=True,
                           capture_output=True, timeout=60)

    def start(self) -> Stack:
        if not MODEL.exists():
            raise RuntimeError(f"{MODEL} is missing: run `make model` (make test does)")
        self.create_users()
        self.web.start()
        self.actions.start()
        self.rasa.start()
        return self

    def stop(self) -> None:
        for p in (self.rasa, self.actions, self.web):
            p.stop()
        self.receiver.stop()

    # -- client helpers ------------------------------------------------------------------------
    def call(self, path: str, payload: Any = None, method: str | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return http_json(self.url + path, payload, method=method, headers=headers)

    def chat(self, sender: str, message: str) -> list[dict[str, Any]]:
        status, body = self.call("/api/chat", {"sender": sender, "message": message})
        assert status == 200, body
        return body["messages"]

    def admin(self, path: str, method: str = "GET") -> tuple[int, Any]:
        """A call as the stack's admin, over one console session (signed in on first use; CSRF on writes)."""
        if self._admin_session is None:
            import urllib.request
            from http.cookiejar import CookieJar

            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
            status, body = http_json(self.url + "/api/auth/login",
                                     {"username": self.ADMIN[0], "password": self.ADMIN[1]}, opener=opener)
            assert status == 200, body
            self._admin_session = (opener, body["csrf_token"])
        opener, csrf = self._admin_session
        return http_json(self.url + path, method=method, headers={"X-CSRF-Token": csrf}, opener=opener)

    def internal(self, path: str) -> tuple[int, Any]:
        return self.call(path, headers={"X-Internal-Token": self.secrets["XHA_WEB__INTERNAL_TOKEN"]})
