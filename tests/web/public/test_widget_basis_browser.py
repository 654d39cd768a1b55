"""The widget in a real browser (Debian's Chromium driven by Playwright) rendering a plain-language answer with
its 依据. No stack: a small page server hands out widget.js and answers /api/chat with a reply built by
protocol/messages.py, so this checks the builder's fields as the widget reads them."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from config import ROOT
from protocol import messages
from web.http import DEMO_CSP

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")
ARTIFACTS = ROOT / "test-artifacts"
WIDGET = (ROOT / "web" / "static" / "widget.js").read_bytes()
PAGE = ('<!doctype html><html><head><meta charset="utf-8"><title>依据</title></head>'
        '<body><script src="/widget.js"></script></body></html>').encode()
CITATION = {"doc_title": "青岛西海岸新区2023年优化营商环境创新突破实施方案", "task": 5, "task_title": "企业开办",
            "date": "2023-09-11", "section_label": "二、重点任务",
            "text": "来源：《青岛西海岸新区2023年优化营商环境创新突破实施方案》 · 第5项任务 · 成文日期 2023-09-11"}
PLAIN = "不用多头跑。区里设了企业注销专窗，营业执照、税务、社保的注销在一个窗口就能办完。"
QUOTE = "设立企业注销专窗,实现一窗注销营业执照、税务、社保三种业务,便利市场主体快速退出。"
REPLIES: dict[str, dict[str, Any]] = {
    "注销": messages.answer(PLAIN, CITATION, ["注销要多久"], "企业开办", basis=QUOTE).widget(),
    "原文": messages.answer(QUOTE, CITATION, [], "企业开办").widget(),
    "标签": messages.answer("可以一窗办。", CITATION, basis="<img src=x onerror=window.__pwned=1>注销专窗").widget(),
}


class _Handler(BaseHTTPRequestHandler):
    def _send(self, status: int, ctype: str, body: bytes, csp: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if csp:
            self.send_header("Content-Security-Policy", DEMO_CSP)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/widget.js"):
            self._send(200, "application/javascript; charset=utf-8", WIDGET)
        else:
            self._send(200, "text/html; charset=utf-8", PAGE, csp=True)

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        reply = REPLIES.get(str(body.get("message", "")), messages.text("您好").widget())
        payload = {"messages": [reply]} if self.path == "/api/chat" else {}
        self._send(200, "application/json", json.dumps(payload, ensure_ascii=False).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM:
        pytest.fail("Debian's chromium is not installed (make test installs it via .ci/run / make browser)")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def ask(page, text: str):
    """Type a question into the widget; returns the bot message that answers it."""
    w = page.locator("#xha-widget-host")
    count = w.get_by_test_id("widget-bot-message").count()
    w.get_by_test_id("widget-input").fill(text)
    w.get_by_test_id("widget-send").click()
    page.wait_for_function(
        "n => document.querySelector('#xha-widget-host').shadowRoot"
        ".querySelectorAll('[data-testid=widget-bot-message]').length > n", arg=count, timeout=10000)
    return w.get_by_test_id("widget-bot-message").last


def opened(browser, site: str):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(site + "/")
    page.locator("#xha-widget-host").get_by_test_id("widget-launcher").click()
    return page, errors


def test_a_plain_answer_shows_its_basis_apart_then_the_citation(browser, site):
    page, errors = opened(browser, site)
    message = ask(page, "注销")
    text = message.inner_text()
    basis = message.get_by_test_id("widget-basis")
    assert basis.inner_text().replace("\n", "") == f"依据：{QUOTE}"
    assert text.index(PLAIN) < text.index("依据：") < text.index("出处"), "answer, then 依据, then the citation"
    assert text.count(QUOTE) == 1 and text.count(PLAIN) == 1
    look = basis.evaluate("n => { const s = getComputedStyle(n), b = getComputedStyle(n.parentNode);"
                          " return [s.backgroundColor, b.backgroundColor, s.borderLeftStyle]; }")
    assert look[0] != look[1] and look[2] == "solid", "the quote is a block of its own, not more answer text"
    message.get_by_test_id("widget-citation-toggle").click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-answer-basis.png"))
    assert "第5项任务" in message.get_by_test_id("widget-citation").inner_text()
    page.reload()
    kept = page.locator("#xha-widget-host").get_by_test_id("widget-bot-message").last
    assert kept.get_by_test_id("widget-basis").inner_text().replace("\n", "") == f"依据：{QUOTE}", \
        "the basis survives a reload"
    assert not errors, errors


def test_an_answer_without_a_separate_basis_shows_the_quote_alone_as_today(browser, site):
    page, errors = opened(browser, site)
    message = ask(page, "原文")
    assert message.get_by_test_id("widget-basis").count() == 0
    assert QUOTE in message.inner_text() and "依据" not in message.inner_text()
    assert not errors, errors


def test_a_basis_is_text_never_html(browser, site):
    page, _ = opened(browser, site)
    message = ask(page, "标签")
    assert "<img src=x onerror" in message.get_by_test_id("widget-basis").inner_text()
    assert page.evaluate("window.__pwned") is None
