"""The agent console's suggestions: each result names its document (title, unit, date, validity, level), and the
best one lists the related passages of other documents (其他文件的相关规定).

The shape is checked on `suggestion_payload` (what /api/agent/suggest answers for a search payload); the
rendering in a real browser (Debian's Chromium driven by Playwright) against a small page server that hands out
the console's own files and answers its API with that payload — no stack."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config import ROOT
from tests.web.public.test_widget_basis_browser import ARTIFACTS, browser  # noqa: F401 (the fixture)
from web.consoles.agent import CITATION_FIELDS, suggestion_payload
from web.http import CONSOLE_CSP

STATIC = ROOT / "web" / "static"
XHA = "青岛西海岸新区关于支持专精特新企业高质量发展的若干措施"
QD = "青岛市支持专精特新企业发展若干政策措施"
SD = "山东省促进中小企业发展办法"


def citation(doc_id: str, title: str, section_label: str, task: int, date: str, validity: str, level: str,
             number: str | None = None, unit: str = "") -> dict:
    parts = [f"《{title}》" + (f"（{number}）" if number else ""), section_label, unit, f"成文日期 {date}", validity]
    return {"doc_id": doc_id, "doc_title": title, "number": number, "issuer": None, "section": "s2",
            "section_label": section_label, "task": task, "task_title": "", "date": date, "effective": None,
            "expires": None, "validity": validity, "level": level, "replaces": [],
            "text": "来源：" + " · ".join(p for p in parts if p)}


CITED = citation("xha-dbf-2024", XHA, "二、支持措施", 3, "2024-03-15", "有效", "西海岸新区", "青西新管发〔2024〕8号",
                 unit="第3项任务")
OTHER_QD = citation("qd-zjtx-2024", QD, "三、加大奖励力度", 7, "2024-02-01", "有效", "青岛市", "青政办字〔2024〕3号")
OTHER_SD = citation("sd-jcgf-2023", SD, "第十二条", 12, "2021-06-01", "失效", "山东省")
ANSWER = "对新认定的国家级专精特新“小巨人”企业，新区给予50万元一次性奖励。"
QD_TEXT = "对首次认定的国家级专精特新“小巨人”企业，市级给予一次性奖励<b>x</b>。"
SD_TEXT = "省级专精特新中小企业优先纳入融资支持名单。"


def hit(hid: str, text: str, score: float, task: int, doc: str) -> dict:
    return {"id": hid, "kind": "chunk", "text": text, "score": score, "task": task, "section": "s2", "title": "",
            "doc": doc, "doc_id": hid.split("/")[0], "date": "", "matched": text,
            "scores": {"bm25": 1.0, "dense": 0.8, "rerank": None}}


SEARCH = {
    "query": "专精特新有什么奖励", "outcome": "answered", "declined": False, "reason": "answered", "lang": "zh",
    "related": [], "explain": {"best_score": 0.8},
    "answer": {"text": ANSWER, "task": 3, "topic": "专精特新", "citation": CITED,
               "others": [{"text": QD_TEXT, "citation": OTHER_QD}, {"text": SD_TEXT, "citation": OTHER_SD}]},
    "results": [hit("xha-dbf-2024/c3/s1", ANSWER, 0.8, 3, XHA), hit("qd-zjtx-2024/c7/s1", QD_TEXT, 0.74, 7, QD),
                hit("sd-jcgf-2023/c12/s1", SD_TEXT, 0.71, 12, SD)],
}
PAYLOAD = suggestion_payload(copy.deepcopy(SEARCH), [CITED, OTHER_QD, OTHER_SD])


def test_each_suggestion_carries_its_documents_fields_and_the_answer_the_other_documents():
    first, second, third = PAYLOAD["results"]
    assert first["citation_text"] == CITED["text"], "the source line a reply carries, as before"
    assert first["citation"] == {k: CITED[k] for k in CITATION_FIELDS}
    assert {k: third["citation"][k] for k in ("doc_title", "section_label", "date", "validity", "level")} == {
        "doc_title": SD, "section_label": "第十二条", "date": "2021-06-01", "validity": "失效", "level": "山东省"}
    assert second["text"] == QD_TEXT and second["score"] == 0.74 and second["id"] == "qd-zjtx-2024/c7/s1"
    answer = PAYLOAD["answer"]
    assert answer["text"] == ANSWER and answer["topic"] == "专精特新" and answer["citation"]["doc_title"] == XHA
    assert [o["text"] for o in answer["others"]] == [QD_TEXT, SD_TEXT]
    assert [o["citation"]["doc_title"] for o in answer["others"]] == [QD, SD]
    assert set(answer["others"][0]["citation"]) == set(CITATION_FIELDS), "compact: no section id, no replaces"
    assert (PAYLOAD["outcome"], PAYLOAD["declined"], PAYLOAD["reason"]) == ("answered", False, "answered")


def test_a_declined_search_has_no_answer_and_an_answer_without_others_an_empty_list():
    declined = suggestion_payload({**SEARCH, "outcome": "declined", "declined": True, "reason": "weak_evidence",
                                   "answer": None, "results": SEARCH["results"][:1]}, [CITED])
    assert declined["answer"] is None and declined["outcome"] == "declined" and len(declined["results"]) == 1
    alone = suggestion_payload({**SEARCH, "answer": {"text": ANSWER, "citation": CITED}}, [CITED, OTHER_QD, OTHER_SD])
    assert alone["answer"]["others"] == []


# ---- the console in a browser ---------------------------------------------------------------------------
TYPES = {".html": "text/html; charset=utf-8", ".js": "application/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8"}
ME = {"user": {"username": "zhang", "role": "agent", "display_name": "", "public_name": "工号 0002"},
      "csrf_token": "t" * 32}


class _Handler(BaseHTTPRequestHandler):
    def _json(self, body: object, status: int = 200) -> None:
        self._send(status, "application/json", json.dumps(body, ensure_ascii=False).encode())

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Security-Policy", CONSOLE_CSP)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0]
        if path == "/api/auth/me":
            return self._json(ME)
        if path.startswith("/api/handoffs"):
            return self._json({"items": [], "total": 0, "limit": 1000, "offset": 0})
        file = STATIC / "agent.html" if path == "/agent" else (STATIC / path.removeprefix("/static/")).resolve()
        if not file.is_relative_to(STATIC) or not file.is_file():
            return self._send(404, "text/plain", b"")
        return self._send(200, TYPES.get(file.suffix, "application/octet-stream"), file.read_bytes())

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        return self._json(PAYLOAD if self.path == "/api/agent/suggest" else {}, 200)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def console() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_console_shows_each_suggestions_document_and_the_other_documents(browser, console):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(console + "/agent")
    page.get_by_test_id("agent-question").press_sequentially("专精特新有什么奖励", delay=20)
    cards = page.get_by_test_id("agent-suggestion")
    cards.nth(2).wait_for(timeout=10000)
    best = cards.first
    source = best.get_by_test_id("agent-citation").inner_text()
    assert source.startswith(f"来源：《{XHA}》（青西新管发〔2024〕8号）")
    assert "二、支持措施 · 第3项任务 · 成文日期 2024-03-15" in source and "有效" in source and "西海岸新区" in source
    assert best.get_by_test_id("agent-task").inner_text() == "任务 3", "a plan's unit is its task"
    third = cards.nth(2)
    assert third.get_by_test_id("agent-task").inner_text() == "第十二条", "an article, not 任务 12"
    assert third.get_by_test_id("agent-validity").inner_text() == "失效"
    assert third.get_by_test_id("agent-level").inner_text() == "山东省"
    assert "第12项任务" not in third.inner_text()

    others = best.get_by_test_id("agent-others")
    assert others.get_by_test_id("agent-others-summary").inner_text() == f"其他文件的相关规定（2）：《{QD}》、《{SD}》"
    assert best.get_by_test_id("agent-other").first.is_hidden(), "compact: collapsed until opened"
    assert cards.nth(1).get_by_test_id("agent-others").count() == 0, "the others belong to the answer"
    others.get_by_test_id("agent-others-summary").click()
    items = best.get_by_test_id("agent-other")
    assert items.count() == 2
    first, second = items.nth(0).inner_text(), items.nth(1).inner_text()
    assert first.startswith(QD_TEXT), "a passage is text, the tag shown literally"
    assert f"《{QD}》（青政办字〔2024〕3号）" in first and "三、加大奖励力度 · 成文日期 2024-02-01" in first
    assert "有效" in first and "青岛市" in first
    assert second.startswith(SD_TEXT) and "第十二条 · 成文日期 2021-06-01" in second and "失效" in second
    assert others.locator("b").count() == 0, "no markup from a passage"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "agent-suggestion-others.png"))
    assert not errors, errors
