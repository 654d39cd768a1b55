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


@pytest.mark.parametrize("change, message", [
    (("answer: 设立企业注销专窗", "answer: 设立企业注销柜台"), "must quote task(s) [5]"),
    (("topic: registration", "topic: weather"), "'topic' must be one of"),
    (("tasks: [5]", "tasks: [77]"), "task 77 does not exist"),
    (("tasks: [5]", "tasks: five"), "'tasks' must be a non-empty list"),
    (("questions: [公司注销要跑几个地方, 注销能一个窗口办完吗]", "questions: []"), "'questions' must be"),
    (("    department: 区行政审批服务局\n", ""), "'department' is required"),
    (("id: t05-demo", "id: 注销"), "'id' must be"),
])
def test_invalid_entries_are_named_with_file_line_and_id(tmp_path, change, message):
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(FaqError) as exc:
        load_faq_file(path, BY_ID)
    text = str(exc.value)
    assert message in text
    assert f"{path}:2" in text


def test_duplicate_ids_across_files(tmp_path):
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(FaqError, match="duplicate id"):
        load_faq(tmp_path, DOCS)


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
    assert ":2 entry 't05-demo'" in exc.value.problems[0] and ":8 entry 't05-two'" in exc.value.problems[1]
