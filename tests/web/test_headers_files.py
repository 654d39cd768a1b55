"""Headers and files: Secure session cookie in production, CSP / framing / nosniff headers, owner-only var/ files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from config import ROOT, load_settings
from tests.util import free_port, wait_http
from web.consoles import auth
from web.state import SETTINGS, STORE
from web.store import AsyncStore, Store

PASSWORD = "agent-pass-2026"


async def login_set_cookie(tmp_path: Path, environ: dict[str, str]) -> str:
    store = Store(tmp_path / "app.db")
    store.accounts.create_user("zhang", auth.hash_password(PASSWORD), "agent")
    app = web.Application()
    app[STORE], app[SETTINGS] = AsyncStore(store), load_settings(environ=environ)
    auth.add_routes(app)
    async with TestServer(app) as server, aiohttp.ClientSession() as session:
        async with session.post(server.make_url("/api/auth/login"),
                                json={"username": "zhang", "password": PASSWORD}) as resp:
            assert resp.status == 200
            return resp.headers["Set-Cookie"]


async def test_session_cookie_is_secure_in_production_mode_only(tmp_path):
    prod = await login_set_cookie(tmp_path / "prod", {"XHA_WEB__PRODUCTION": "true"})
    assert auth.COOKIE in prod and "Secure" in prod and "HttpOnly" in prod
    dev = await login_set_cookie(tmp_path / "dev", {})
    assert auth.COOKIE in dev and "Secure" not in dev, "plain-http development sign-in must keep working"


def headers_of(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=30) as resp:
        return {k.lower(): v for k, v in resp.headers.items()}


def test_console_pages_get_csp_and_no_framing_widget_stays_embeddable(web_server):
    for path in ("/admin", "/agent", "/static/admin/main.js", "/static/agent/main.js", "/static/console/lib.js"):
        h = headers_of(web_server + path)
        assert h["x-content-type-options"] == "nosniff", path
        assert h["x-frame-options"] == "DENY", path
        csp = h["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "connect-src 'self'" in csp, path
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert headers_of(web_server + "/api/health")["x-content-type-options"] == "nosniff"
    for path in ("/widget.js", "/static/widget.js"):
        h = headers_of(web_server + path)
        assert h["x-content-type-options"] == "nosniff"
        assert "x-frame-options" not in h and "frame-ancestors" not in h.get("content-security-policy", ""), path
    demo = headers_of(web_server + "/")
    assert "x-frame-options" not in demo and "frame-ancestors" not in demo.get("content-security-policy", "")


def test_web_process_creates_owner_only_files(index_settings, tmp_path):
    store = tmp_path / "fresh" / "app.db"
    port = free_port()
    env = {**os.environ, "XHA_INDEX__DIR": index_settings["index"]["dir"], "XHA_WEB__PORT": str(port),
           "XHA_WEB__RASA_URL": f"http://127.0.0.1:{free_port()}", "XHA_WEB__STORE": str(store),
           "XHA_SUSUBAN__URL": "", "XHA_KNOWLEDGE__LOCAL_DIR": str(tmp_path / "knowledge")}
    with open(tmp_path / "web.log", "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            wait_http(f"http://127.0.0.1:{port}/api/health")
            for suffix in ("", "-wal", "-shm"):
                path = Path(f"{store}{suffix}")
                if suffix and not path.exists():
                    continue
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
            # made by the process itself under its umask, not chmod-ed explicitly
            assert stat.S_IMODE(store.parent.stat().st_mode) == 0o700
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.mark.parametrize("existing", [False, True])
def test_secrets_file_is_owner_only(tmp_path, existing):
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "secrets.sh").write_bytes((ROOT / "scripts" / "secrets.sh").read_bytes())
    secrets_env = tmp_path / "var" / "secrets.env"
    if existing:  # a file written before the rule, or by hand with a loose umask
        secrets_env.parent.mkdir()
        secrets_env.write_text("XHA_WEB__INTERNAL_TOKEN=abc\n")
        secrets_env.chmod(0o644)
    subprocess.run(["bash", "-c", "umask 022; . scripts/secrets.sh"], cwd=tmp_path, check=True, timeout=30)
    assert stat.S_IMODE(secrets_env.stat().st_mode) == 0o600
