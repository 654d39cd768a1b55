"""The widget in a real browser (Debian's Chromium driven by Playwright) against the whole stack."""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config import ROOT

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.e2e
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM:
        pytest.fail("Debian's chromium is not installed (make test installs it via .ci/run / make browser)")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def csp_violations(page) -> list[str]:
    """Console messages of this page that report a Content-Security-Policy refusal (filled as they come)."""
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


def widget(page):
    """Locators inside the open shadow root (Playwright pierces open shadow DOM)."""
    return page.locator("#xha-widget-host")


def ask(page, text: str) -> None:
    w = widget(page)
    count = w.get_by_test_id("widget-bot-message").count()
    w.get_by_test_id("widget-input").fill(text)
    w.get_by_test_id("widget-send").click()
    page.wait_for_function(
        "n => document.querySelector('#xha-widget-host').shadowRoot"
        ".querySelectorAll('[data-testid=widget-bot-message]').length > n", arg=count, timeout=30000)


def last_bot(page):
    return widget(page).get_by_test_id("widget-bot-message").last


def test_ask_get_a_cited_answer_and_give_feedback(stack, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    refused = csp_violations(page)
    page.goto(stack.url + "/")
    page.screenshot(path=str(ARTIFACTS / "demo-page.png"))
    widget(page).get_by_test_id("widget-launcher").click()
    ask(page, "企业注销要跑几个部门")
    answer = last_bot(page)
    assert "注销专窗" in answer.inner_text()
    answer.get_by_test_id("widget-citation-toggle").click()
    citation = answer.get_by_test_id("widget-citation")
    assert "青岛西海岸新区2023年优化营商环境创新突破实施方案" in citation.inner_text()
    assert "2023-09-11" in citation.inner_text() and "第5项任务" in citation.inner_text()
    assert answer.get_by_test_id("widget-related").count() >= 1
    answer.get_by_test_id("widget-feedback-down").click()
    answer.get_by_test_id("widget-feedback-thanks").wait_for(timeout=5000)
    page.screenshot(path=str(ARTIFACTS / "widget-answer.png"))
    _, fb = stack.admin("/api/feedback?rating=down")
    assert any("注销" in i["question"] and i["task"] == 5 for i in fb["items"])
    page.reload()
    assert "注销专窗" in widget(page).get_by_test_id("widget-bot-message").last.inner_text(), \
        "the conversation survives a reload"
    assert not errors, errors
    assert not refused, refused


def test_text_is_never_rendered_as_html(stack, browser):
    page = browser.new_page()
    page.goto(stack.url + "/")
    widget(page).get_by_test_id("widget-launcher").click()
    ask(page, "<img src=x onerror=window.__pwned=1>你好")
    assert page.evaluate("window.__pwned") is None
    user = widget(page).get_by_test_id("widget-user-message").last
    assert "<img src=x" in user.inner_text()


def test_complaint_form_inside_the_widget(stack, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})  # phone-sized
    page.goto(stack.url + "/")
    widget(page).get_by_test_id("widget-launcher").click()
    for text in ("窗口工作人员让我跑了五趟还没办成，我要投诉", "青岛海川科技有限公司", "张经理", "13812345678"):
        ask(page, text)
    widget(page).get_by_test_id("widget-quick-reply").filter(has_text="是，").first.click()
    page.wait_for_timeout(200)
    page.wait_for_function("() => document.querySelector('#xha-widget-host').shadowRoot"
                           ".textContent.includes('地点')", timeout=30000)
    ask(page, "无")
    widget(page).get_by_test_id("widget-quick-reply").filter(has_text="确认提交").last.click()
    page.wait_for_function("() => /SSB-\\d{8}-\\d{4}/.test(document.querySelector('#xha-widget-host')"
                           ".shadowRoot.textContent)", timeout=30000)
    page.screenshot(path=str(ARTIFACTS / "widget-complaint-phone.png"))
    no = re.search(r"SSB-\d{8}-\d{4}", last_bot(page).inner_text()).group(0)
    status, t = stack.internal(f"/api/tickets/{no}")
    assert status == 200 and t["category"] == "政务服务"


def test_an_answered_grievance_shows_the_susuban_button_and_it_opens_the_form(stack, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(stack.url + "/")
    widget(page).get_by_test_id("widget-launcher").click()
    ask(page, "出口退税太慢了，多久能到账？")
    answer = last_bot(page)
    assert "出口退税" in answer.inner_text()
    offer = answer.get_by_test_id("widget-quick-reply").filter(has_text="向诉速办反映")
    assert offer.count() == 1, "the answer offers 诉速办 as a button the user can see"
    offer.click()
    page.wait_for_function("() => document.querySelector('#xha-widget-host').shadowRoot"
                           ".textContent.includes('单位）名称')", timeout=30000)
    page.reload()
    kept = widget(page).get_by_test_id("widget-bot-message").filter(has_text="出口退税电子化").last
    assert kept.get_by_test_id("widget-quick-reply").filter(has_text="向诉速办反映").count() == 1, \
        "the button survives a reload"


class _EmbedHandler(BaseHTTPRequestHandler):
    page = b""

    def do_GET(self) -> None:  # noqa: N802
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args: object) -> None:
        pass


def test_widget_embedded_on_another_origin(stack, browser):
    _EmbedHandler.page = (f'<!doctype html><html><head><meta charset="utf-8"><title>某委办局网站</title>'
                          f'<style>div {{ border: 3px solid red; }}</style></head><body><h1>其他网站</h1>'
                          f'<script src="{stack.url}/widget.js" data-title="企业服务助手"></script>'
                          f'</body></html>').encode()
    server = ThreadingHTTPServer(("127.0.0.1", stack.embed_port), _EmbedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{stack.embed_port}/")
        widget(page).get_by_test_id("widget-launcher").click()
        assert widget(page).get_by_test_id("widget-title").inner_text() == "企业服务助手"
        ask(page, "出口企业退税平均要几天")
        assert "3个工作日" in last_bot(page).inner_text()
        page.screenshot(path=str(ARTIFACTS / "widget-other-origin.png"))
    finally:
        server.shutdown()


def test_a_partial_answer_carries_the_plan_does_not_say_tag_and_still_its_citation(stack, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(stack.url + "/")
    widget(page).get_by_test_id("widget-launcher").click()
    ask(page, "企业注销要跑几个部门")
    full = last_bot(page)
    assert full.get_attribute("data-type") == "answer" and full.get_by_test_id("widget-partial-tag").count() == 0
    ask(page, "企业开办能一天办完吗")
    partial = last_bot(page)
    assert partial.get_attribute("data-type") == "partial"
    assert partial.get_by_test_id("widget-partial-tag").inner_text() == "方案未明确"
    assert "方案中没有写明" in partial.inner_text()
    partial.get_by_test_id("widget-citation-toggle").click()
    assert "第5项任务" in partial.get_by_test_id("widget-citation").inner_text()
    page.screenshot(path=str(ARTIFACTS / "widget-partial.png"))
    page.reload()
    again = widget(page).get_by_test_id("widget-bot-message").last
    assert again.get_by_test_id("widget-partial-tag").inner_text() == "方案未明确", "the tag survives a reload"
