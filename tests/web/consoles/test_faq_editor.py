"""The admin FAQ editor's API over a real server: a plain-language answer saved with its verbatim 依据 (basis),
and every refusal in Chinese, naming the field it is about (the editor shows it next to that field)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.web.consoles.test_consoles import Client, cli_create
from tests.web.consoles.test_consoles_browser import sign_in
from tests.web.public.test_widget_browser import ARTIFACTS, browser  # noqa: F401
from web.store import Store

ADMIN, PW = "faq-editor-root", "faq-editor-pass-2026"
NEW_ID = "t05-editor-plain"
PLAIN = "不用多头跑。区里设了企业注销专窗，营业执照、税务、社保的注销在一个窗口就能办完。"
QUOTE = "设立企业注销专窗,实现一窗注销营业执照、税务、社保三种业务……便利市场主体快速退出。"
ENTRY = {"id": NEW_ID, "tasks": [5], "topic": "registration", "department": "区行政审批服务局",
         "questions": ["公司注销要跑几个窗口", "注销能在一个窗口办完吗"], "answer": PLAIN, "basis": QUOTE}


@pytest.fixture(scope="module")
def admin(web_server: str, index_settings: dict) -> Iterator[Client]:
    store = Path(index_settings["index"]["dir"]) / "app.db"
    cli_create(store, "create", ADMIN, "--role", "admin", password=PW)  # may exist from an earlier module
    client = Client(web_server)
    assert client.login(ADMIN, PW) == 200
    yield client
    # drafts are shared by the session's server: leave none behind for the publish tests
    Store(store).drafts.clear_faq_drafts([NEW_ID])


def test_a_plain_language_answer_with_a_verbatim_basis_is_saved(admin):
    status, body = admin.call("/api/admin/faq", ENTRY)
    assert status == 201, body
    assert body["answer"] == PLAIN and body["basis"] == QUOTE and body["state"] == "draft"
    status, shown = admin.call(f"/api/admin/faq/{NEW_ID}")
    assert status == 200 and shown["basis"] == QUOTE and shown["answer"] == PLAIN
    _, found = admin.call("/api/admin/faq?q=" + quote("一窗注销营业执照"))
    assert NEW_ID in [e["id"] for e in found["items"]], "the list search reads the basis too"


@pytest.mark.parametrize("basis, missing", [
    ("设立企业注销柜台,实现一窗注销营业执照", "设立企业注销柜台,实现一窗注销营业执照"),
    ("设立企业注销专窗……三个工作日内办结", "三个工作日内办结"),
])
def test_a_basis_that_does_not_quote_the_task_is_refused_in_chinese(admin, basis, missing):
    status, body = admin.call(f"/api/admin/faq/{NEW_ID}", {**ENTRY, "basis": basis}, method="PUT")
    assert status == 400
    assert body["error"] == "条目校验未通过，请按提示修改"
    expected = f"条目「{NEW_ID}」：依据（basis）必须逐字引用所选任务（第5项）的原文，未找到：「{missing}」"
    assert body["problems"] == [expected]
    assert body["fields"] == {"basis": [expected]}, "the editor shows it under the 依据 field"


def test_without_a_basis_the_answer_must_itself_be_the_quote(admin):
    old_style = {k: v for k, v in ENTRY.items() if k != "basis"}
    status, body = admin.call(f"/api/admin/faq/{NEW_ID}", {**old_style, "answer": QUOTE}, method="PUT")
    assert status == 201 and body["answer"] == QUOTE and "basis" not in body
    status, body = admin.call(f"/api/admin/faq/{NEW_ID}", {**old_style, "basis": ""}, method="PUT")
    assert status == 400 and list(body["fields"]) == ["answer"]
    [problem] = body["fields"]["answer"]
    assert problem.startswith(f"条目「{NEW_ID}」：答案（answer）必须逐字引用所选任务（第5项）的原文，"
                              "未找到：「不用多头跑")
    assert problem.endswith("如需用通俗语言作答，请把原文填入依据（basis）")
    _, shown = admin.call(f"/api/admin/faq/{NEW_ID}")
    assert shown["answer"] == QUOTE and "basis" not in shown, "saved without 依据, the entry has none"


@pytest.mark.parametrize("answer, message", [
    ("<b>不用多头跑</b>", "答案（answer）不能包含 HTML 标签或字符实体"),
    ("一个窗口办完。" * 80, "答案（answer）过长：通俗答案最多 500 个字，当前 560 个字"),
])
def test_a_plain_language_answer_is_short_plain_text(admin, answer, message):
    status, body = admin.call(f"/api/admin/faq/{NEW_ID}", {**ENTRY, "answer": answer}, method="PUT")
    assert status == 400 and list(body["fields"]) == ["answer"] and message in body["fields"]["answer"][0]


def test_every_field_problem_is_named_in_chinese_at_once(admin):
    bad = {**ENTRY, "topic": "weather", "department": "", "questions": []}
    status, body = admin.call(f"/api/admin/faq/{NEW_ID}", bad, method="PUT")
    assert status == 400 and set(body["fields"]) == {"topic", "department", "questions"}
    assert body["fields"]["department"] == [f"条目「{NEW_ID}」：负责部门（department）不能为空"]
    assert all(not any("must" in p or "required" in p for p in ps) for ps in body["fields"].values())


def test_unreadable_task_numbers_and_a_taken_id_are_named_at_their_field(admin):
    status, body = admin.call("/api/admin/faq", {**ENTRY, "id": "t05-editor-tasks", "tasks": "9" * 5000})
    assert status == 400 and body["fields"] == {"tasks": ["任务编号（tasks）：任务编号必须是不超过 9 位的数字"]}
    admin.call(f"/api/admin/faq/{NEW_ID}", ENTRY, method="PUT")
    status, body = admin.call("/api/admin/faq", ENTRY)
    assert status == 409 and body["fields"] == {"id": [f"条目 ID（id）：条目 {NEW_ID} 已存在，请换一个 ID"]}


def test_the_quote_helper_gets_the_task_sentence_by_sentence(admin):
    status, body = admin.call("/api/admin/chunks?task=5")
    assert status == 200 and body["items"]
    sentences = [s for c in body["items"] for s in c["sentences"]]
    assert "推行电子营业执照、电子发票、电子印章同步发放和使用。" in sentences
    assert all(s in "".join(c["text"] for c in body["items"]) for s in sentences)


BROWSER_ID = "t05-editor-browser"


@pytest.fixture()
def editor_page(admin, browser, web_server: str, index_settings: dict) -> Iterator[object]:  # noqa: F811
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(page, web_server, "/admin", (ADMIN, PW))
    yield page
    page.context.close()
    Store(Path(index_settings["index"]["dir"]) / "app.db").drafts.clear_faq_drafts([BROWSER_ID])


def test_the_editor_quotes_a_sentence_into_the_basis_and_shows_errors_at_their_field(editor_page):
    page = editor_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.get_by_test_id("nav-faq").click()
    page.get_by_test_id("faq-new").click()
    page.get_by_test_id("faq-id").fill(BROWSER_ID)
    page.get_by_test_id("faq-tasks").fill("5")
    page.get_by_test_id("faq-topic").select_option("registration")
    page.get_by_test_id("faq-department").fill("区行政审批服务局")
    page.get_by_test_id("faq-questions").fill("公司注销要跑几个窗口\n注销能在一个窗口办完吗")
    page.get_by_test_id("faq-answer").fill(PLAIN)
    sentence = page.get_by_test_id("chunk-sentence").filter(has_text="设立企业注销专窗").first
    sentence.wait_for(timeout=10000)
    sentence.get_by_test_id("chunk-sentence-quote").click()
    quoted = sentence.locator("[data-sentence]").inner_text().strip()
    basis = page.get_by_test_id("faq-basis")
    assert basis.input_value() == quoted and "设立企业注销专窗" in quoted

    basis.fill(quoted + "……三个工作日内办结")
    page.get_by_test_id("faq-save").click()
    inline = page.get_by_test_id("faq-error-basis")
    inline.wait_for(timeout=10000)
    assert "依据（basis）必须逐字引用所选任务（第5项）的原文，未找到：「三个工作日内办结」" in inline.inner_text()
    assert basis.get_attribute("aria-invalid") == "true"
    assert page.get_by_test_id("faq-error-answer").is_hidden() and page.get_by_test_id("faq-errors").is_hidden()
    assert page.locator("#toast > *").count() == 0, "no toast over the save button"
    assert page.get_by_test_id("faq-save").is_enabled()
    page.screenshot(path=str(ARTIFACTS / "admin-faq-basis-error.png"))

    basis.fill(quoted)
    assert inline.is_hidden(), "editing the field clears its message"
    page.get_by_test_id("faq-save").click()
    page.get_by_test_id("faq-editor").wait_for(state="detached", timeout=10000)
    page.get_by_test_id("faq-search").fill(BROWSER_ID)
    row = page.get_by_test_id("faq-row").filter(has_text=BROWSER_ID).first
    row.get_by_test_id("faq-row-plain").wait_for(timeout=10000)
    assert not errors, errors
