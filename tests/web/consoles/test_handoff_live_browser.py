"""Handoffs pushed, not polled, in Chromium: the agent console and the widget follow the server's event
streams (Server-Sent Events), so a new handoff and an agent's reply show at once with no polling request."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.util import http_json
from tests.web.consoles.test_consoles import Client, cli_create
from tests.web.consoles.test_consoles_browser import sign_in
from tests.web.public.test_widget_browser import ARTIFACTS, browser, csp_violations, widget  # noqa: F401

AGENT, AGENT_PW = "live-agent", "live-agent-pass-2026"


@pytest.fixture(scope="module")
def agent_user(web_server: str, index_settings: dict) -> tuple[str, str]:
    cli_create(Path(index_settings["index"]["dir"]) / "app.db", "create", AGENT, "--role", "agent",
               password=AGENT_PW)  # may exist from an earlier run of this module
    return AGENT, AGENT_PW


def test_a_new_handoff_and_the_agents_reply_are_pushed(web_server, browser, agent_user):  # noqa: F811
    agent = browser.new_context().new_page()
    refused = csp_violations(agent)
    polls: list[str] = []
    agent.on("request", lambda r: polls.append(r.url) if "/api/handoffs?" in r.url else None)
    sign_in(agent, web_server, "/agent", agent_user)
    agent.wait_for_function("() => window.AgentConsole.live()", timeout=10000)

    # a citizen asks for a person in the widget: the queue shows it at once, without a polling round
    user = browser.new_context().new_page()
    user.goto(web_server + "/")
    w = widget(user)
    w.get_by_test_id("widget-launcher").click()
    polls.clear()
    w.get_by_test_id("widget-handoff").click()
    w.get_by_test_id("widget-handoff-status").filter(has_text="正在为您转接").wait_for(timeout=10000)
    sender = user.evaluate("localStorage.getItem('xha.sender')")
    t0 = time.monotonic()
    item = agent.get_by_test_id("handoff-item").filter(has_text=sender[-6:]).first
    item.wait_for(timeout=5000)
    shown_after = time.monotonic() - t0
    assert len(polls) <= 2, "one refresh (waiting + active) on the event, no polling round"

    # the agent takes it and replies: the widget shows the reply, pushed through its stream
    messages_polls: list[str] = []
    user.on("request", lambda r: messages_polls.append(r.url) if "/messages" in r.url else None)
    user.wait_for_timeout(500)  # the widget's first poll after the request, if any, is done
    messages_polls.clear()
    item.click()
    agent.get_by_test_id("handoff-take").click()
    w.get_by_test_id("widget-handoff-status").filter(has_text="人工客服已接入").wait_for(timeout=5000)
    agent.get_by_test_id("handoff-reply-input").fill("您好，我来为您解答。")
    agent.get_by_test_id("handoff-reply-send").click()
    user.wait_for_function("() => document.querySelector('#xha-widget-host').shadowRoot"
                           ".textContent.includes('您好，我来为您解答。')", timeout=5000)
    assert messages_polls == [], "the reply came over the stream, not by polling /messages"
    agent.screenshot(path=str(ARTIFACTS / "agent-handoff-live.png"))

    # the citizen writes: the agent's open conversation shows it, pushed
    w.get_by_test_id("widget-input").fill("我想问出口退税")
    w.get_by_test_id("widget-send").click()
    agent.get_by_test_id("handoff-message").filter(has_text="我想问出口退税").wait_for(timeout=5000)

    agent.get_by_test_id("handoff-close").click()
    w.get_by_test_id("widget-handoff-status").wait_for(state="hidden", timeout=5000)
    assert not refused, refused
    print(f"\nnew handoff shown in the agent queue {shown_after:.2f} s after the widget's request")


def test_the_agent_stream_needs_the_agent_sign_in(web_server, agent_user):
    assert http_json(web_server + "/api/handoffs/events")[0] == 401
    signed_out = Client(web_server)
    assert signed_out.login(*agent_user) == 200
    assert signed_out.call("/api/auth/logout", {})[0] == 200
    status, body = signed_out.call("/api/handoffs/events")
    assert status == 401 and body["error"] == "请先登录"
