from datetime import date

import pytest

from knowledge.documents import (
    DocumentError,
    Status,
    dump_document,
    lifecycle,
    lifecycle_with_warnings,
    parse_document_text,
)
from tests.conftest import PLAN_DOC

BODY = "一、总体要求\n1.发放补贴。对符合条件的企业给予补贴。\n"
TODAY = date(2026, 6, 1)


def doc(doc_id: str, **meta):
    return parse_document_text(dump_document({"id": doc_id, "title": f"{doc_id}办法", "written": "2024-01-01",
                                              **meta}, BODY), f"{doc_id}.txt")


def test_the_plan_keeps_its_api():
    plan = parse_document_text(PLAN_DOC.read_text(encoding="utf-8"), str(PLAN_DOC))
    assert plan.id == "xha-yshj-2023" and plan.title.startswith("青岛西海岸新区2023年")
    assert plan.written == "2023-09-11" and plan.valid and plan.level == "西海岸新区"
    assert plan.chunk_for_task(5) and all(c.task == 5 for c in plan.chunk_for_task(5))
    assert lifecycle([plan], TODAY)["xha-yshj-2023"] == Status("有效", "有效", None, None)


def test_scalars_stay_text_and_relations_become_lists():
    d = doc("a", number=2024, level="山东省", based_on="x; y", replaces=["old"], cites=None, term="3年")
    assert d.meta["number"] == "2024" and d.level == "山东省" and d.meta["term"] == "3年"
    assert d.meta["based_on"] == ["x", "y"] and d.meta["replaces"] == ["old"] and d.meta["cites"] == []


@pytest.mark.parametrize("meta, words", [
    ({"effective": "2024-02-30"}, ["b.txt", "生效日期", "2024-02-30", "YYYY-MM-DD"]),
    ({"written": "2024/01/01"}, ["b.txt", "成文日期"]),
    ({"expires": "明年"}, ["b.txt", "失效日期"]),
    ({"term": "三年左右"}, ["b.txt", "有效期"]),
    ({"level": "北京市"}, ["b.txt", "层级"]),
])
def test_bad_metadata_is_refused_in_chinese_naming_the_file(meta, words):
    with pytest.raises(DocumentError) as err:
        doc("b", **meta)
    assert all(w in str(err.value) for w in words)


def test_each_lifecycle_state_has_its_label():
    docs = [
        doc("live", effective="2024-01-10", term="长期"),
        doc("off", validity="失效"),
        doc("future", effective="2027-01-01"),
        doc("expired", expires="2025-12-31"),
        doc("termed", effective="2023-03-01", term="2年"),
    ]
    got = lifecycle(docs, TODAY)
    assert {k: v.label for k, v in got.items()} == {
        "live": "有效", "off": "已废止", "future": "未生效（2027-01-01 起施行）",
        "expired": "已失效（2025-12-31 到期）", "termed": "已失效（2025-02-28 到期）"}
    assert got["termed"].expires == date(2025, 2, 28) and got["live"].expires is None
    assert [k for k, v in got.items() if v.answerable] == ["live"]
    assert [d.id for d in docs if d.valid] == ["live"]  # valid: the document's own dates, judged today


def test_a_document_is_replaced_only_by_one_in_force():
    old = doc("old", written="2022-01-01")
    new = doc("new", written="2025-01-01", replaces=["old", "ghost"])
    draft = doc("draft", written="2026-05-01", effective="2027-01-01", replaces="new")
    life = lifecycle_with_warnings([old, new, draft], TODAY)
    assert life.statuses["old"] == Status("已被替代", "已被《new办法》替代", "new", None)
    assert not life.statuses["old"].answerable
    assert life.statuses["new"].answerable  # its replacement is not in force yet
    assert life.statuses["draft"].state == "未生效"
    assert life.warnings == ["《new办法》（new）的替代（replaces）引用了不存在的文件 ghost"]
    repealed = doc("new", written="2025-01-01", replaces=["old"], validity="失效")
    assert lifecycle([old, repealed], TODAY)["old"].state == "有效"


def test_a_status_serialises_for_consoles():
    got = lifecycle([doc("t", effective="2024-03-01", term="6个月")], TODAY)["t"].to_dict()
    assert got == {"state": "已失效", "label": "已失效（2024-08-31 到期）", "replaced_by": None,
                   "expires": "2024-08-31", "answerable": False}
