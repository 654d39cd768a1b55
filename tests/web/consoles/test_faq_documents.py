"""FAQ entries on an uploaded document over a real server: the editor's catalogue of live documents and their
units in each document's own terms (/api/admin/units), the quote helper narrowed to one document, refusals
about that document's units in its terms, and an entry saved, published and answered with that document's
citation; in a browser, the editor choosing the document and the unit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.util import http_json, wait_until
from tests.web.consoles.test_consoles import Client, _upload, signed_in_admin
from tests.web.consoles.test_consoles_browser import sign_in
from tests.web.public.test_widget_browser import ARTIFACTS, browser  # noqa: F401
from web.store import Store

ADMIN, PW = "faq-docs-root", "faq-docs-pass-2026"
PLAN_ID = "xha-yshj-2023"
REGULATION = """第一章　总则

第一条　为支持深远海养殖产业发展，结合新区实际，制定本办法。

第二章　扶持措施

第二条　对新建深远海养殖工船的企业，按照设备投资额的20%给予补助，每家企业最高200万元。

第三条　对深远海养殖企业参加国际渔业博览会的，按照展位费的50%给予补助。
"""
TITLE = f"西海岸新区深远海养殖扶持办法（测试{time.time_ns() % 10**6}）"
ENTRY_ID = "reg-shenyuanhai-gongchuan"
BROWSER_ID = "reg-shenyuanhai-browser"
BASIS = "对新建深远海养殖工船的企业，按照设备投资额的20%给予补助，每家企业最高200万元。"
ENTRY = {"id": ENTRY_ID, "tasks": [2], "topic": "finance", "department": "区海洋发展局",
         "questions": ["深远海养殖工船补助最多给多少钱"], "answer": "按设备投资额的两成补助，每家最多200万元。",
         "basis": BASIS}


@pytest.fixture(scope="module")
def admin(web_server: str, index_settings: dict) -> Client:
    return signed_in_admin(web_server, index_settings, ADMIN, PW)


@pytest.fixture(scope="module")
def regulation(admin: Client, index_settings: dict) -> Iterator[str]:
    """A small regulation (第一章/第一条), uploaded and published; switched off again afterwards."""
    status, body = _upload(admin, "深远海养殖.txt", REGULATION.encode(), title=TITLE, written="2024-06-01")
    assert status == 201, body
    doc_id = body["id"]
    status, pub = admin.call(f"/api/admin/documents/{doc_id}/publish", {})
    assert status == 200, pub
    try:
        yield doc_id
    finally:
        drafts = Store(Path(index_settings["index"]["dir"]) / "app.db").drafts
        drafts.clear_faq_drafts([ENTRY_ID, BROWSER_ID])
        _, listed = admin.call("/api/admin/faq?doc=" + quote(doc_id))
        live = [e["id"] for e in listed.get("items", []) if e.get("state") == "published"]
        for eid in live:  # the session's server is shared: no entry of a switched-off document left behind
            admin.call(f"/api/admin/faq/{eid}", method="DELETE")
        if live:
            admin.call("/api/admin/publish", {})
        drafts.clear_faq_drafts([ENTRY_ID, BROWSER_ID])
        assert admin.call(f"/api/admin/documents/{doc_id}/validity", {"validity": "失效"})[0] == 200


def test_the_units_of_every_live_document_are_named_in_its_own_terms(admin, regulation):
    status, body = admin.call("/api/admin/units")
    assert status == 200, body
    docs = {d["id"]: d for d in body["docs"]}
    assert body["default"] == PLAN_ID and docs[PLAN_ID]["default"] and docs[PLAN_ID]["terms"] == "task"
    plan_units = {u["task"]: u for u in docs[PLAN_ID]["units"]}
    assert plan_units[5]["label"] == "第5项任务" and plan_units[5]["title"]
    mine = docs[regulation]
    assert mine["title"] == TITLE and mine["terms"] == "article" and not mine["default"]
    labels = {u["task"]: u["label"] for u in mine["units"]}
    assert labels[1] == "第一章 第一条" and labels[2] == "第二章 第二条" and labels[3] == "第二章 第三条"
    assert all("项任务" not in label for label in labels.values()), "an article is not a plan's task"
    status, one = admin.call("/api/admin/units?doc=" + quote(regulation))
    assert status == 200 and [d["id"] for d in one["docs"]] == [regulation]


def test_the_quote_helper_reads_one_documents_unit(admin, regulation):
    status, body = admin.call(f"/api/admin/chunks?doc={quote(regulation)}&task=2")
    assert status == 200 and body["items"], body
    assert {c["doc_id"] for c in body["items"]} == {regulation}
    assert {c["unit_label"] for c in body["items"]} == {"第二章 第二条"}
    assert body["items"][0]["doc_title"] == TITLE
    assert BASIS in [s for c in body["items"] for s in c["sentences"]]
    _, plan = admin.call("/api/admin/chunks?task=2&doc=" + PLAN_ID)
    assert {c["doc_id"] for c in plan["items"]} == {PLAN_ID}


def test_refusals_name_the_documents_units_in_its_terms(admin, regulation):
    status, body = admin.call("/api/admin/faq", {**ENTRY, "doc": regulation, "tasks": [9]})
    assert status == 400 and list(body["fields"]) == ["tasks"], body
    [problem] = body["fields"]["tasks"]
    assert f"单元（tasks）：《{TITLE}》中没有单元 9" in problem and "项任务" not in problem
    status, body = admin.call("/api/admin/faq", {**ENTRY, "doc": regulation, "tasks": [3]})
    assert status == 400 and list(body["fields"]) == ["basis"], body
    assert "依据（basis）必须逐字引用所选单元（第二章 第三条）的原文" in body["fields"]["basis"][0]
    status, body = admin.call("/api/admin/faq", {**ENTRY, "doc": "no-such-doc"})
    assert status == 400 and "doc" in body["fields"] and "未知文档" in body["fields"]["doc"][0]


def test_an_entry_on_an_uploaded_document_is_published_and_answered_with_its_citation(admin, regulation, web_server):
    status, saved = admin.call("/api/admin/faq", {**ENTRY, "doc": regulation})
    assert status == 201 and saved["doc"] == regulation and saved["tasks"] == [2], saved
    _, listed = admin.call("/api/admin/faq?doc=" + quote(regulation))
    [row] = [e for e in listed["items"] if e["id"] == ENTRY_ID]
    assert row["state"] == "draft" and row["doc_title"] == TITLE and row["unit_labels"] == ["第二章 第二条"]
    status, pub = admin.call("/api/admin/publish", {})
    assert status == 200 and pub["changed"] >= 1, pub

    def answered() -> dict:
        _, r = http_json(web_server + "/api/search", {"q": "深远海养殖工船补助最多给多少钱", "k": 3})
        return r if (r.get("answer") or {}).get("faq_id") == ENTRY_ID else {}

    r = wait_until(answered, timeout=10)
    citation = r["answer"]["citation"]
    assert citation["doc_id"] == regulation and citation["doc_title"] == TITLE
    assert citation["section_label"] == "第二章 第二条" and "项任务" not in citation["text"]
    assert r["answer"]["basis"] == BASIS
    _, shown = admin.call(f"/api/admin/faq/{ENTRY_ID}")
    assert shown["state"] == "published" and shown["doc"] == regulation and shown["unit_labels"] == ["第二章 第二条"]
    # an edit that leaves out `doc` keeps the entry's document
    edit = {k: v for k, v in ENTRY.items() if k != "doc"}
    more = {**edit, "questions": [*ENTRY["questions"], "养殖工船补贴上限"]}
    status, again = admin.call(f"/api/admin/faq/{ENTRY_ID}", more, method="PUT")
    assert status == 201 and again["doc"] == regulation, again


def test_the_editor_chooses_the_document_and_its_unit(admin, regulation, browser, web_server,  # noqa: F811
                                                      index_settings):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, web_server, "/admin", (ADMIN, PW))
        page.get_by_test_id("nav-faq").click()
        page.get_by_test_id("faq-new").click()
        doc = page.get_by_test_id("faq-doc")
        doc.wait_for(timeout=10000)
        assert doc.input_value() == PLAN_ID, "a new entry starts on the document most entries cite"
        doc.select_option(regulation)
        unit = page.get_by_test_id("faq-unit")
        options = unit.locator("option").all_inner_texts()
        assert any(o.startswith("第二章 第二条") for o in options) and not any("项任务" in o for o in options)
        unit.select_option("2")
        assert page.get_by_test_id("faq-tasks").input_value() == "2"
        assert page.get_by_test_id("faq-units-label").inner_text().startswith("第二章 第二条")
        head = page.get_by_test_id("faq-unit-head").first
        head.wait_for(timeout=10000)
        assert head.inner_text().startswith("第二章 第二条")
        sentence = page.get_by_test_id("chunk-sentence").filter(has_text="深远海养殖工船").first
        sentence.wait_for(timeout=10000)
        assert TITLE in page.get_by_test_id("faq-chunk").first.inner_text()
        sentence.get_by_test_id("chunk-sentence-quote").click()
        assert page.get_by_test_id("faq-basis").input_value() == BASIS

        page.get_by_test_id("faq-id").fill(BROWSER_ID)
        page.get_by_test_id("faq-topic").select_option("finance")
        page.get_by_test_id("faq-department").fill("区海洋发展局")
        page.get_by_test_id("faq-questions").fill("养殖工船能补多少")
        page.get_by_test_id("faq-answer").fill("最多200万元。")
        # a unit number the document does not have: said under the field, in the document's terms
        page.get_by_test_id("faq-tasks").fill("9")
        assert "编号 9 不在本文档中" in page.get_by_test_id("faq-units-label").inner_text()
        page.get_by_test_id("faq-save").click()
        inline = page.get_by_test_id("faq-error-tasks")
        inline.wait_for(timeout=10000)
        assert f"《{TITLE}》中没有单元 9" in inline.inner_text()
        page.screenshot(path=str(ARTIFACTS / "admin-faq-document-unit-error.png"))

        unit.select_option("2")
        assert inline.is_hidden(), "choosing a unit clears the message"
        page.screenshot(path=str(ARTIFACTS / "admin-faq-document-unit.png"))
        page.get_by_test_id("faq-save").click()
        page.get_by_test_id("faq-editor").wait_for(state="detached", timeout=10000)
        page.get_by_test_id("faq-search").fill(BROWSER_ID)
        row = page.get_by_test_id("faq-row").filter(has_text=BROWSER_ID).first
        row.wait_for(timeout=10000)
        assert "第二章 第二条" in row.get_by_test_id("faq-row-unit").inner_text()
        _, shown = admin.call(f"/api/admin/faq/{BROWSER_ID}")
        assert shown["doc"] == regulation and shown["tasks"] == [2] and shown["state"] == "draft", shown
        assert not errors, errors
    finally:
        page.context.close()
        Store(Path(index_settings["index"]["dir"]) / "app.db").drafts.clear_faq_drafts([BROWSER_ID])
