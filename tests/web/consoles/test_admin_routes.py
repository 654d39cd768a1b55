"""The former Bearer-admin-token routes: a console session with the admin role opens them, no shared token does;
only /api/metrics also takes the read-only metrics token (for a monitoring system)."""

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.util import http_json, http_status
from tests.web.consoles.test_consoles import Client, cli_create

ADMIN, AGENT, PW = "routes-root", "routes-agent", "routes-pass-2026"
READS = ("/api/unanswered", "/api/admin/tickets", "/api/feedback", "/api/metrics")


@pytest.fixture(scope="module")
def staff(web_server: str, index_settings: dict) -> tuple[str, Client, Client]:
    store = Path(index_settings["index"]["dir"]) / "app.db"
    cli_create(store, "create", ADMIN, "--role", "admin", password=PW)  # may exist from an earlier run
    cli_create(store, "create", AGENT, "--role", "agent", password=PW)
    admin, agent = Client(web_server), Client(web_server)
    assert admin.login(ADMIN, PW) == 200 and agent.login(AGENT, PW) == 200
    return web_server, admin, agent


def status_of(url: str, headers: dict | None = None, method: str = "GET") -> int:
    return http_status(url, headers=headers, method=method)


def test_no_bearer_token_opens_the_admin_routes(staff):
    base, _, _ = staff
    for token in ("t-admin", "t-metrics", "t-internal"):
        bearer = {"Authorization": f"Bearer {token}"}
        for path in READS[:3]:
            assert status_of(base + path, bearer) == 401, (path, token)
        assert status_of(base + "/api/admin/tickets/SSB-NONE/retry", bearer, method="POST") == 401, token
    assert status_of(base + "/api/metrics", {"Authorization": "Bearer t-admin"}) == 401
    assert status_of(base + "/api/metrics", {"Authorization": "Bearer t-internal"}) == 401
    assert status_of(base + "/api/metrics") == 401


def test_metrics_token_opens_metrics_only(staff):
    base, _, _ = staff
    req = urllib.request.Request(base + "/api/metrics", headers={"Authorization": "Bearer t-metrics"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert "# TYPE xha_chat_turns_total counter" in resp.read().decode()


def test_admin_session_opens_them_an_agent_session_does_not(staff):
    base, admin, agent = staff
    for path in READS:
        assert status_of(base + path) == 401, path
    for path in READS[:3]:
        assert agent.call(path)[0] == 403, path
    assert agent.call("/api/admin/tickets/SSB-NONE/retry", {}, method="POST")[0] == 403
    status, body = admin.call("/api/unanswered")
    assert status == 200 and isinstance(body["items"], list)
    status, body = admin.call("/api/admin/tickets")
    assert status == 200 and isinstance(body["items"], list)
    status, body = admin.call("/api/feedback?rating=down")
    assert status == 200 and isinstance(body["items"], list)
    # a write: the session's CSRF token is needed, as for every console write
    assert admin.call("/api/admin/tickets/SSB-NONE/retry", {}, method="POST", csrf=False)[0] == 403
    status, body = admin.call("/api/admin/tickets/SSB-NONE/retry", {}, method="POST")
    assert status == 409 and "不存在" in body["error"]
    # /api/metrics: the admin's session works; an agent's does not
    cookies = "; ".join(f"{c.name}={c.value}" for c in admin.jar)
    assert status_of(base + "/api/metrics", {"Cookie": cookies}) == 200
    agent_cookies = "; ".join(f"{c.name}={c.value}" for c in agent.jar)
    assert status_of(base + "/api/metrics", {"Cookie": agent_cookies}) == 403


def test_the_admin_token_is_gone_from_config_and_secrets():
    from config import ROOT

    for rel in ("config/settings.yaml", "scripts/secrets.sh", "README.md"):
        text = (ROOT / rel).read_text(encoding="utf-8").lower()
        assert "admin_token" not in text and "admin token" not in text, rel
    assert "XHA_WEB__METRICS_TOKEN" in (ROOT / "scripts" / "secrets.sh").read_text(encoding="utf-8")


def test_http_json_helper_still_sees_json_errors(staff):
    base, _, _ = staff
    status, body = http_json(base + "/api/admin/tickets")
    assert status == 401 and body["error"] == "请先登录"
