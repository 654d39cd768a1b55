"""The knowledge API over a real socket, served by `python -m web`."""

import dataclasses
import json

import pytest

from config import ROOT
from index.build import apply_faq_changes
from index.store import IndexStore
from knowledge.documents import load_documents
from knowledge.faq import load_faq
from tests.util import http_json


def call(url: str, body: bytes | None = None, method: str = "POST") -> tuple[int, dict]:
    return http_json(url, raw=body, method=method)


def search(base: str, payload: object) -> tuple[int, dict]:
    return call(base + "/api/search", json.dumps(payload, ensure_ascii=False).encode())


def test_health(web_server):
    status, body = call(web_server + "/api/health", method="GET")
    assert status == 200 and body["status"] == "ok" and body["index_version"]


def test_search_answers_with_citation_and_results(web_server):
    status, body = search(web_server, {"q": "企业注销要跑几个部门", "k": 3})
    assert status == 200
    assert body["declined"] is False
    assert "注销专窗" in body["answer"]["text"]
    assert body["answer"]["citation"]["task"] == 5 and body["answer"]["citation"]["date"] == "2023-09-11"
    assert 1 <= len(body["results"]) <= 3
    for r in body["results"]:
        assert {"id", "kind", "text", "score", "task", "section", "title", "doc", "date"} <= set(r)
        assert r["kind"] in ("faq", "chunk")


def test_search_declines_other_places(web_server):
    status, body = search(web_server, {"q": "杭州的人才补贴怎么领"})
    assert status == 200 and body["declined"] is True and body["answer"] is None
    assert body["explain"]["other_place"] == "杭州"


@pytest.mark.parametrize("raw, message", [
    (b"not json", "JSON"),
    (b"[1, 2]", "JSON"),
    (json.dumps({"q": ""}).encode(), "q 不能为空"),
    (json.dumps({"q": "   "}).encode(), "q 不能为空"),
    (json.dumps({"k": 3}).encode(), "q 不能为空"),
    (json.dumps({"q": "退税" * 251}).encode(), "过长"),
    (json.dumps({"q": "退税", "k": 0}).encode(), "k 必须"),
    (json.dumps({"q": "退税", "k": "3"}).encode(), "k 必须"),
])
def test_bad_input_is_a_400_with_a_message(web_server, raw, message):
    status, body = call(web_server + "/api/search", raw)
    assert status == 400
    assert message in body["error"]


def test_exactly_500_chars_is_accepted(web_server):
    status, _ = search(web_server, {"q": "退" * 500})
    assert status == 200


def test_unknown_route_is_a_json_404(web_server):
    status, body = call(web_server + "/api/nope", method="GET")
    assert status == 404 and body["error"]


@pytest.mark.parametrize("path", ["/api/chat", "/api/search"])
def test_an_oversized_json_body_is_a_413_in_chinese(web_server, path):
    raw = json.dumps({"sender": "big-1", "message": "退" * 50, "q": "退税", "pad": "x" * 100 * 1024}).encode()
    status, body = call(web_server + path, raw)
    assert status == 413 and "请求体过大" in body["error"] and "64 KB" in body["error"]


def test_published_faq_change_is_served_without_restart(web_server, index_settings, embedder):
    """Runs last in this module: it changes the shared test index."""
    import time

    store = IndexStore(index_settings["index"]["dir"])
    entries = load_faq(ROOT / "knowledge" / "faq", load_documents(ROOT / "knowledge" / "docs"))
    target = next(e for e in entries if "惩罚性赔偿" in e.answer)
    new_q = "有人反复抄袭我们的专利，赔偿能不能多判"
    apply_faq_changes(store, embedder, upserts=[dataclasses.replace(target, questions=[*target.questions, new_q])])
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        _, health = call(web_server + "/api/health", method="GET")
        if health["index_version"] == store.current():
            break
        time.sleep(0.2)
    assert health["index_version"] == store.current()
    _, body = search(web_server, {"q": new_q, "k": 1})
    assert body["answer"]["faq_id"] == target.id
