"""The widget in a real browser (Debian's Chromium driven by Playwright) rendering an answer with related
passages of other documents (其他文件的相关规定). No stack: a small page server hands out widget.js and answers
/api/chat with a reply built by protocol/messages.py, so this checks the builder's fields as the widget reads
them (the mechanism of test_widget_basis_browser.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from protocol import messages
from tests.web.public.test_widget_basis_browser import ARTIFACTS, ask, browser, opened  # noqa: F401 (fixture)
from tests.web.public.test_widget_basis_browser import _Handler as BasisHandler

TITLE = "青岛西海岸新区关于支持专精特新企业高质量发展的若干措施"
CITATION = {"doc_id": "xha-dbf-2024", "doc_title": TITLE, "number": "青西新管发〔2024〕8号",
            "section_label": "二、支持措施", "task": 3, "date": "2024-03-15", "validity": "有效", "level": "西海岸新区",
            "text": f"来源：《{TITLE}》（青西新管发〔2024〕8号） · 二、支持措施 · 成文日期 2024-03-15 · 有效"}
ANSWER = "对新认定的国家级专精特新“小巨人”企业，新区给予50万元一次性奖励。"
QD_TITLE = "青岛市支持专精特新企业发展若干政策措施"
OTHER_QD = {"text": "对首次认定的国家级专精特新“小巨人”企业，市级给予一次性奖励<b>x</b>。",
            "citation": {"doc_id": "qd-zjtx-2024", "doc_title": QD_TITLE, "number": "青政办字〔2024〕3号",
                         "section_label": "三、加大奖励力度", "task": 7, "date": "2024-02-01", "validity": "有效",
                         "level": "青岛市",
                         "text": f"来源：《{QD_TITLE}》（青政办字〔2024〕3号） · 三、加大奖励力度 · "
                                 "成文日期 2024-02-01 · 有效"}}
SD_TITLE = "<img src=x onerror=window.__pwned=1>山东省促进中小企业发展办法"
OTHER_SD = {"text": "省级专精特新中小企业优先纳入融资支持名单。",
            "citation": {"doc_id": "sd-jcgf-2023", "doc_title": SD_TITLE,
                         "section_label": "第十二条", "task": 12, "date": "2021-06-01", "validity": "失效",
                         "level": "山东省",
                         "text": "来源：《山东省促进中小企业发展办法》 · 第十二条 · 成文日期 2021-06-01 · 失效"}}
REPLIES = {
    "专精特新": messages.answer(ANSWER, CITATION, ["专精特新怎么申报"], "专精特新",
                                others=[OTHER_QD, OTHER_SD]).widget(),
    "无其他": messages.answer(ANSWER, CITATION, [], "专精特新").widget(),
}


class _Handler(BasisHandler):
    """The basis test's page server (widget.js, a page under the demo CSP), answering from REPLIES."""

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        reply = REPLIES.get(str(body.get("message", "")), messages.text("您好").widget())
        payload = {"messages": [reply]} if self.path == "/api/chat" else {}
        self._send(200, "application/json", json.dumps(payload, ensure_ascii=False).encode())


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


FITS = """m => {
    const root = document.querySelector('#xha-widget-host').shadowRoot;
    const list = root.querySelector('[data-testid=widget-messages]');
    const panel = root.querySelector('[data-testid=widget-panel]').getBoundingClientRect();
    const wide = Array.from(m.querySelectorAll('*')).filter(n => n.getBoundingClientRect().right > panel.right + 0.5)
        .map(n => n.className || n.tagName);
    return {listOverflow: list.scrollWidth - list.clientWidth, pageOverflow: document.documentElement.scrollWidth - 390,
            wide: wide};
}"""


def test_an_answer_lists_the_other_documents_under_its_citation_collapsed_then_open(browser, site):  # noqa: F811
    page, errors = opened(browser, site)
    message = ask(page, "专精特新")
    toggle = message.get_by_test_id("widget-others-toggle")
    assert toggle.inner_text() == "其他文件的相关规定（2） ▸" and toggle.get_attribute("aria-expanded") == "false"
    assert message.get_by_test_id("widget-others-list").is_hidden(), "compact: collapsed until asked for"
    text = message.inner_text()
    assert text.index(ANSWER) < text.index("出处") < text.index("其他文件的相关规定（2）"), "under the citation"

    toggle.click()
    assert toggle.inner_text() == "其他文件的相关规定（2） ▾"
    others = message.get_by_test_id("widget-other")
    assert others.count() == 2
    first, second = others.nth(0).inner_text(), others.nth(1).inner_text()
    assert first.startswith(OTHER_QD["text"]), "the passage as it is, the tag shown literally"
    assert "《青岛市支持专精特新企业发展若干政策措施》" in first and "三、加大奖励力度" in first
    assert "青岛市" in first and "成文日期 2024-02-01" in first and first.rstrip().endswith("有效")
    assert second.startswith(OTHER_SD["text"]) and "第十二条" in second and "山东省" in second
    assert "成文日期 2021-06-01" in second and second.rstrip().endswith("失效")
    assert "第12项任务" not in second, "an article is not a plan's task"
    assert "<img src=x onerror" in second, "a title is text, never HTML"
    assert message.locator("b, img").count() == 0 and page.evaluate("window.__pwned") is None
    states = message.get_by_test_id("widget-others-list").get_by_test_id("widget-validity")
    looks = states.evaluate_all("ns => ns.map(n => getComputedStyle(n).color)")
    assert states.all_inner_texts() == ["有效", "失效"] and looks[0] != looks[1], "失效 looks apart from 有效"

    message.get_by_test_id("widget-citation-toggle").click()
    cited = message.get_by_test_id("widget-citation").inner_text()
    assert "成文日期 2024-03-15" in cited and "有效" in cited, "the cited document's validity too"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-answer-others.png"))

    page.reload()
    kept = page.locator("#xha-widget-host").get_by_test_id("widget-bot-message").last
    assert kept.get_by_test_id("widget-others-toggle").inner_text() == "其他文件的相关规定（2） ▸", "survives a reload"
    kept.get_by_test_id("widget-others-toggle").click()
    assert kept.get_by_test_id("widget-other").all_inner_texts() == [first, second]
    assert not errors, errors


def test_an_answer_without_others_shows_no_block(browser, site):  # noqa: F811
    page, errors = opened(browser, site)
    message = ask(page, "无其他")
    assert message.get_by_test_id("widget-others").count() == 0 and "其他文件" not in message.inner_text()
    assert not errors, errors


def test_the_others_fit_a_phone_without_horizontal_scrolling(browser, site):  # noqa: F811
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(site + "/")
    page.locator("#xha-widget-host").get_by_test_id("widget-launcher").click()
    message = ask(page, "专精特新")
    message.get_by_test_id("widget-others-toggle").click()
    message.get_by_test_id("widget-citation-toggle").click()
    fit = message.evaluate(FITS)
    assert fit["listOverflow"] <= 0 and fit["pageOverflow"] <= 0 and not fit["wide"], fit
    page.screenshot(path=str(ARTIFACTS / "widget-answer-others-390.png"))
