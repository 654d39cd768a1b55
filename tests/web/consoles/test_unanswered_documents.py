"""The unanswered queue across documents over a real server: questions about an uploaded notice are grouped
with that notice's title and units in its own terms ("二、（一）", never the plan's "第N项任务"), a new entry
starts on the nearest candidate's document and unit (in a browser too), and groups are resolved by a new
entry on that document and by linking to it."""

from __future__ import annotations

import random
import string
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.util import http_json
from tests.web.consoles.test_consoles import Client, _upload, signed_in_admin
from tests.web.consoles.test_consoles_browser import sign_in
from tests.web.public.test_widget_browser import ARTIFACTS, browser  # noqa: F401
from web.store import Store

ADMIN, PW = "unanswered-docs-root", "unanswered-docs-pass-2026"
TOKEN = {"X-Internal-Token": "t-internal"}
NOTICE = """一、奖励对象

在新区注册的海上风电运维企业。

二、奖励标准

（一）运维船舶购置。对新购置海上风电运维船舶的企业，按照购置价格的15%给予奖励，最高300万元。

（二）运维人员培训。对开展海上风电运维人员培训的企业，按照每人2000元给予补贴。

三、申报时间

每年9月1日至9月30日，逾期不予受理。
"""
TITLE = f"关于开展海上风电运维企业奖励申报工作的通知（测试{time.time_ns() % 10**6}）"
NONCE = "".join(random.choices(string.ascii_lowercase, k=6))
# each question its own nonce: one rare Latin word in both made the two unrelated questions embed alike
# (cosine ≥ 0.9 with nonce "ipcwdw"), and they were grouped together
ASKED = f"海上风电运维船舶购置奖励最高能拿多少 {NONCE}"
LINKED = f"西海岸新区的招商引资活动在哪里报名 {''.join(random.choices(string.ascii_lowercase, k=6))}"
ENTRY_ID = f"notice-fengdian-{NONCE}"


@pytest.fixture(scope="module")
def admin(web_server: str, index_settings: dict) -> Client:
    return signed_in_admin(web_server, index_settings, ADMIN, PW)


@pytest.fixture(scope="module")
def notice(admin: Client, web_server: str, index_settings: dict) -> Iterator[str]:
    """A small notice (一、/（一）), published, with questions about it in the unanswered log."""
    status, body = _upload(admin, "海上风电.txt", NOTICE.encode(), title=TITLE, written="2024-08-01")
    assert status == 201, body
    doc_id = body["id"]
    status, pub = admin.call(f"/api/admin/documents/{doc_id}/publish", {})
    assert status == 200, pub
    for sender, text in (("ud-1", ASKED), ("ud-2", ASKED), ("ud-3", LINKED)):
        record = {"text": text, "sender": sender, "channel": "widget", "reason": "low_margin", "candidates": []}
        assert http_json(web_server + "/api/unanswered", record, headers=TOKEN)[0] == 201
    try:
        yield doc_id
    finally:
        drafts = Store(Path(index_settings["index"]["dir"]) / "app.db").drafts
        drafts.clear_faq_drafts([ENTRY_ID])
        _, listed = admin.call("/api/admin/faq?doc=" + quote(doc_id))
        live = [e["id"] for e in listed.get("items", []) if e.get("state") == "published"]
        for eid in live:  # the session's server is shared: no entry of a switched-off document left behind
            admin.call(f"/api/admin/faq/{eid}", method="DELETE")
        if live:
            admin.call("/api/admin/publish", {})
        drafts.clear_faq_drafts([ENTRY_ID])
        assert admin.call(f"/api/admin/documents/{doc_id}/validity", {"validity": "失效"})[0] == 200


def group_of(admin: Client, text: str) -> dict:
    status, body = admin.call("/api/admin/unanswered/groups")
    assert status == 200, body
    return next(g for g in body["groups"] if text in g["texts"])


def test_a_group_about_an_uploaded_notice_names_its_document_and_unit(admin, notice):
    group = group_of(admin, ASKED)
    assert group["count"] == 2
    mine = [n for n in group["nearest"] if n["doc_id"] == notice]
    assert mine, group["nearest"]
    assert all(n["doc_title"] == TITLE for n in mine)
    _, units = admin.call("/api/admin/units?doc=" + quote(notice))
    labels = {u["task"]: u["label"] for u in units["docs"][0]["units"]}
    assert labels[2] == "二、（一）" and labels[3] == "二、（二）"
    assert all(n["unit_label"] == labels[n["task"]] for n in mine)
    assert all("项任务" not in n["unit_label"] for n in mine), "not labelled with the plan's task"
    assert mine[0]["unit_label"] == "二、（一）", mine
    assert group["nearest"][0]["doc_id"] == notice
    assert group["suggested"] == {"doc_id": notice, "doc_title": TITLE, "task": 2, "unit_label": "二、（一）"}


def test_the_group_card_shows_the_document_and_a_new_entry_starts_on_it(admin, notice, browser,  # noqa: F811
                                                                       web_server):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        sign_in(page, web_server, "/admin", (ADMIN, PW))
        page.get_by_test_id("nav-unanswered").click()
        card = page.get_by_test_id("unanswered-group").filter(has_text=ASKED).first
        card.wait_for(timeout=15000)
        where = card.get_by_test_id("unanswered-nearest-where").first.inner_text()
        assert "二、（一）" in where and "海上风电运维企业奖励" in where and "项" not in where, where
        card.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "admin-unanswered-documents.png"))
        card.get_by_test_id("unanswered-create").click()
        page.get_by_test_id("faq-editor").wait_for(timeout=10000)
        assert page.get_by_test_id("faq-doc").input_value() == notice
        assert page.get_by_test_id("faq-unit").input_value() == "2"
        assert page.get_by_test_id("faq-tasks").input_value() == "2"
        assert page.get_by_test_id("faq-units-label").inner_text().startswith("二、（一）")
        assert ASKED in page.get_by_test_id("faq-questions").input_value()
        page.get_by_test_id("chunk-sentence").filter(has_text="运维船舶").first.wait_for(timeout=10000)
        page.get_by_test_id("faq-cancel").click()
        assert not errors, errors
    finally:
        page.context.close()


def test_groups_are_resolved_by_a_new_entry_on_the_notice_and_by_linking_to_it(admin, notice, web_server):
    group = group_of(admin, ASKED)
    pick = group["suggested"]
    _, chunks = admin.call(f"/api/admin/chunks?doc={quote(pick['doc_id'])}&task={pick['task']}")
    basis = next(s for c in chunks["items"] for s in c["sentences"] if "15%" in s)
    entry = {"id": ENTRY_ID, "doc": pick["doc_id"], "tasks": [pick["task"]], "topic": "finance",
             "department": "区发展和改革局", "answer": "按购置价格的15%奖励，最高300万元。", "basis": basis}
    status, body = admin.call(f"/api/admin/unanswered/groups/{group['id']}/resolve", {"entry": entry})
    assert status == 200 and body["resolved"] == 2 and body["faq_id"] == ENTRY_ID, body
    _, saved = admin.call(f"/api/admin/faq/{ENTRY_ID}")
    assert saved["doc"] == notice and saved["unit_labels"] == ["二、（一）"] and ASKED in saved["questions"]

    other = group_of(admin, LINKED)
    status, body = admin.call(f"/api/admin/unanswered/groups/{other['id']}/resolve", {"faq_id": ENTRY_ID})
    assert status == 200 and body["resolved"] == 1, body
    _, linked = admin.call(f"/api/admin/faq/{ENTRY_ID}")
    assert linked["doc"] == notice and linked["tasks"] == [2] and LINKED in linked["questions"]
    _, r = http_json(web_server + "/api/search", {"q": ASKED, "k": 3})
    assert r["answer"]["faq_id"] == ENTRY_ID and r["answer"]["citation"]["doc_id"] == notice
    assert r["answer"]["citation"]["section_label"].startswith("二、")
    _, body = admin.call("/api/admin/unanswered/groups")
    assert not any(ASKED in g["texts"] or LINKED in g["texts"] for g in body["groups"])
