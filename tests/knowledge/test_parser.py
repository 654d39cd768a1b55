import re

from knowledge.documents import load_document, parse_document_text
from knowledge.parser import parse_document, split_sentences
from tests.conftest import PLAN_DOC

EXPECTED_TITLES = {
    1: "完善涉企政策供给", 5: "降低市场准入门槛", 8: "持续提升企业纳税便利度", 9: "优化不动产登记服务",
    12: "全链条保障土地供应", 13: "持续提升金融服务能力", 24: "高效解决商业纠纷", 25: "提高办理破产能力水平",
    31: "高效解决群众诉求", 32: "打造幸福美好生活态",
}


def test_plan_has_all_32_tasks_with_titles_and_paths():
    doc = load_document(PLAN_DOC)
    numbered = {c.task: c for c in doc.chunks if c.section.rsplit(".", 1)[-1].isdigit()}
    assert sorted(numbered) == list(range(1, 33))
    for task, title in EXPECTED_TITLES.items():
        assert numbered[task].task_title == title
    assert numbered[5].section == "二.(二).5"
    assert numbered[12].section == "二.(三).12"
    assert numbered[32].section == "二.(六).32"
    assert numbered[5].section_titles == ["重点任务", "持续优化提升高效便捷的服务环境", "降低市场准入门槛"]


def test_preamble_and_general_requirements_are_task_0_safeguards_task_33():
    doc = load_document(PLAN_DOC)
    by_section = {c.section: c for c in doc.chunks}
    assert by_section["一.(一)"].task == 0 and by_section["一.(一)"].task_title == "指导思想"
    assert by_section["一.(二)"].task == 0 and "六个环境" in by_section["一.(二)"].text
    assert any(c.task == 0 and c.section == "" and c.text.startswith("为全面落实") for c in doc.chunks)
    assert [by_section[f"三.({n})"].task for n in "一二三四"] == [33, 33, 33, 33]
    assert by_section["三.(二)"].task_title == "加强改革攻坚"


def test_sentences_are_intact_and_offsets_point_into_the_body():
    doc = load_document(PLAN_DOC)
    for chunk in doc.chunks:
        assert doc.body[chunk.start:chunk.end] == chunk.text
        assert "".join(s.text for s in chunk.sentences) == re.sub(r"\s+", "", chunk.text) or \
            "".join(s.text for s in chunk.sentences) == chunk.text
        for s in chunk.sentences:
            assert doc.body[s.start:s.end] == s.text
            assert s.text.endswith(("。", "”", "！", "？")), s.text
    task5 = next(c for c in doc.chunks if c.task == 5)
    assert task5.sentences[-1].text.startswith("全面推行企业除名") and "注销专窗" in task5.sentences[-1].text


def test_metadata_of_the_plan():
    doc = load_document(PLAN_DOC)
    assert doc.title == "青岛西海岸新区2023年优化营商环境创新突破实施方案"
    assert doc.meta["number"] == "青西新优商组〔2023〕1号"
    assert doc.written == "2023-09-11" and doc.meta["effective"] == "2023-09-19"
    assert doc.valid


def test_other_document_of_the_same_shape():
    body = """关于支持小微企业发展的若干措施

为支持小微企业发展，制定本措施。

一、总体目标

（一）基本原则。坚持问题导向。

二、主要措施

（一）降低成本

1．减免租金。对入驻园区的小微企业，第一年租金全免！第二年减半。

2、加大信贷支持。新增贷款10亿元。

（二）优化服务

3.设立服务专员。每个园区配备1名专员？

三、保障措施

加强督导考核，确保落实到位。
"""
    chunks = parse_document("demo", body)
    by_task = {}
    for c in chunks:
        by_task.setdefault(c.task, []).append(c)
    assert sorted(by_task) == [0, 1, 2, 3, 4]
    assert by_task[1][0].section == "二.(一).1" and by_task[1][0].task_title == "减免租金"
    assert [s.text for s in by_task[1][0].sentences] == ["对入驻园区的小微企业，第一年租金全免！", "第二年减半。"]
    assert by_task[3][0].section == "二.(二).3"
    assert by_task[4][0].section == "三" and by_task[4][0].task_title == "保障措施"
    assert by_task[0][-1].section == "一.(一)" and by_task[0][-1].task_title == "基本原则"


def test_split_sentences_keeps_closing_quotes():
    out = split_sentences("实行“一照多址。”改革。下一句", 10)
    assert [s.text for s in out] == ["实行“一照多址。”", "改革。", "下一句"]
    assert out[0].start == 10


def test_document_without_front_matter_is_rejected():
    import pytest

    from knowledge.documents import DocumentError

    with pytest.raises(DocumentError, match="front matter"):
        parse_document_text("一、总则\n1.内容。", "x.txt")
