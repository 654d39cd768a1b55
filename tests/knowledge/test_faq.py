from pathlib import Path

import pytest

from config import ROOT
from knowledge.documents import load_documents
from knowledge.faq import FaqError, load_faq, load_faq_file

DOCS = load_documents(ROOT / "knowledge" / "docs")
BY_ID = {d.id: d for d in DOCS}

GOOD = """entries:
  - id: t05-demo
    tasks: [5]
    topic: registration
    department: 区行政审批服务局
    questions: [公司注销要跑几个地方, 注销能一个窗口办完吗]
    answer: 设立企业注销专窗,实现一窗注销营业执照、税务、社保三种业务,便利市场主体快速退出。
"""


def write(tmp_path: Path, text: str, name: str = "a.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_curated_faq_covers_every_task():
    entries = load_faq(ROOT / "knowledge" / "faq", DOCS)
    assert len(entries) >= 150
    assert {t for e in entries for t in e.tasks} >= set(range(0, 34))
    assert all(len(e.questions) >= 4 for e in entries)
    assert len({e.id for e in entries}) == len(entries)


def test_valid_entry_loads(tmp_path):
    [entry] = load_faq_file(write(tmp_path, GOOD), BY_ID)
    assert entry.id == "t05-demo" and entry.doc == "xha-yshj-2023" and entry.line == 2


PLAIN = """entries:
  - id: t05-plain
    tasks: [5]
    topic: registration
    department: 区行政审批服务局
    questions: [公司注销要跑几个地方]
    answer: 不用多头跑。区里设了企业注销专窗，营业执照、税务、社保的注销在一个窗口就能办完。
    basis: 设立企业注销专窗,实现一窗注销营业执照、税务、社保三种业务……推行电子营业执照
"""


@pytest.mark.parametrize("change, message", [
    (("answer: 设立企业注销专窗", "answer: 设立企业注销柜台"),
     "答案（answer）必须逐字引用所选任务（第5项）的原文，未找到：「设立企业注销柜台"),
    (("topic: registration", "topic: weather"), "主题（topic）须为以下之一"),
    (("tasks: [5]", "tasks: [77]"), "任务编号（tasks）：文档 xha-yshj-2023 中没有第77项任务"),
    (("tasks: [5]", "tasks: five"), "任务编号（tasks）必须是非空的任务编号列表"),
    (("questions: [公司注销要跑几个地方, 注销能一个窗口办完吗]", "questions: []"), "问法（questions）须至少有一个"),
    (("    department: 区行政审批服务局\n", ""), "负责部门（department）不能为空"),
    (("id: t05-demo", "id: 注销"), "条目 ID（id）须为 2–80 个英文字母"),
])
def test_invalid_entries_are_named_in_chinese_with_file_line_id_and_field(tmp_path, change, message):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(FaqError) as exc:
        load_faq_file(path, BY_ID)
    text = str(exc.value)
    assert message in text
    assert text.startswith(f"{path}:2 条目「")


def test_an_old_style_answer_that_is_not_a_quote_points_to_the_basis_field(tmp_path):
    with pytest.raises(FaqError) as exc:
        load_faq_file(write(tmp_path, GOOD.replace("answer: 设立企业注销专窗", "answer: 区里设了注销专窗")), BY_ID)
    assert "如需用通俗语言作答，请把原文填入依据（basis）" in str(exc.value)
    assert exc.value.by_field() == {"answer": exc.value.problems}


def test_a_plain_language_answer_with_a_verbatim_basis_loads(tmp_path):
    [entry] = load_faq_file(write(tmp_path, PLAIN), BY_ID)
    assert entry.answer.startswith("不用多头跑。")
    assert entry.basis == "设立企业注销专窗,实现一窗注销营业执照、税务、社保三种业务……推行电子营业执照"
    assert entry.to_dict()["basis"] == entry.basis and entry.to_dict()["answer"] == entry.answer
    assert "basis" not in entry.extra


def test_an_entry_without_basis_keeps_its_answer_as_the_quote(tmp_path):
    [entry] = load_faq_file(write(tmp_path, GOOD), BY_ID)
    assert entry.basis == "" and "basis" not in entry.to_dict()
    assert entry.answer.startswith("设立企业注销专窗")


@pytest.mark.parametrize("change, message", [
    (("basis: 设立企业注销专窗", "basis: 设立企业注销柜台"),
     "依据（basis）必须逐字引用所选任务（第5项）的原文，未找到：「设立企业注销柜台"),
    (("……推行电子营业执照", "……推行纸质营业执照"), "未找到：「推行纸质营业执照」"),
    (("tasks: [5]", "tasks: [6]"), "依据（basis）必须逐字引用所选任务（第6项）的原文"),
])
def test_a_basis_that_is_not_a_verbatim_quote_is_refused_naming_the_basis(tmp_path, change, message):
    path = write(tmp_path, PLAIN.replace(*change))
    with pytest.raises(FaqError) as exc:
        load_faq_file(path, BY_ID)
    assert message in str(exc.value) and str(exc.value).startswith(f"{path}:2 条目「t05-plain」：依据（basis）")
    assert list(exc.value.by_field()) == ["basis"]


@pytest.mark.parametrize("answer, message", [
    ("不用多头跑，" * 100, "答案（answer）过长：通俗答案最多 500 个字，当前 600 个字"),
    ("<b>不用多头跑</b>", "答案（answer）不能包含 HTML 标签"),
    ("注销专窗&nbsp;一窗办结", "答案（answer）不能包含 HTML 标签或字符实体"),
])
def test_a_plain_language_answer_is_short_plain_text(tmp_path, answer, message):
    text = PLAIN.replace("answer: 不用多头跑。区里设了企业注销专窗，营业执照、税务、社保的注销在一个窗口就能办完。",
                         f"answer: '{answer}'")
    with pytest.raises(FaqError) as exc:
        load_faq_file(write(tmp_path, text), BY_ID)
    assert message in str(exc.value) and list(exc.value.by_field()) == ["answer"]


def test_a_basis_must_be_text(tmp_path):
    with pytest.raises(FaqError, match="依据（basis）必须是文本"):
        load_faq_file(write(tmp_path, PLAIN.split("    basis:")[0] + "    basis: [设立企业注销专窗]\n"), BY_ID)


def test_duplicate_ids_across_files(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(FaqError) as exc:
        load_faq(tmp_path, DOCS)
    assert exc.value.problems == [f"{tmp_path / 'b.yaml'}:2 条目「t05-demo」：条目 ID（id）重复（首次出现在 "
                                  f"{tmp_path / 'a.yaml'}:2）"]


def test_broken_yaml_is_reported_not_raised_raw(tmp_path):
    path = write(tmp_path, "entries:\n  - id: [unclosed\n")
    with pytest.raises(FaqError, match=str(path)):
        load_faq_file(path, BY_ID)


def test_every_problem_is_listed_at_once(tmp_path):
    bad = GOOD.replace("topic: registration", "topic: nope") + GOOD.replace("t05-demo", "t05-two").replace(
        "tasks: [5]", "tasks: [99]")
    bad = bad.replace("entries:\n", "", 1).replace("entries:\n", "")
    with pytest.raises(FaqError) as exc:
        load_faq_file(write(tmp_path, "entries:\n" + bad), BY_ID)
    assert len(exc.value.problems) == 2
    assert ":2 条目「t05-demo」：主题（topic）" in exc.value.problems[0]
    assert ":8 条目「t05-two」：任务编号（tasks）" in exc.value.problems[1]
