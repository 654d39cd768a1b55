"""The demo page promises only what the knowledge holds: every question it invites is answered."""

from __future__ import annotations

import re

from config import ROOT
from tests.util import http_json

PAGE = ROOT / "web" / "static" / "index.html"


def examples() -> list[str]:
    return re.findall(r"<li data-example>([^<]+)</li>", PAGE.read_text(encoding="utf-8"))


def test_the_page_claims_nothing_the_plan_does_not_say():
    html = PAGE.read_text(encoding="utf-8")
    assert "一日办结" not in html and "1个工作日以内" not in html
    assert "青西新优商组〔2023〕1号" in html, "what it quotes names its source"


def test_every_example_question_on_the_page_is_answered_from_the_plan(web_server):
    questions = examples()
    assert len(questions) >= 3
    for q in questions:
        status, body = http_json(web_server + "/api/search", {"q": q})
        assert status == 200 and body["outcome"] == "answered", (q, body.get("outcome"), body.get("reason"))
        assert body["answer"]["citation"]["doc_id"] == "xha-yshj-2023", q
