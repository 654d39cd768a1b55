"""What becomes a retrieval unit: every sentence someone may ask about, never a document's 落款."""

from __future__ import annotations

from index.build import make_units, signature_lines


def _kb(sentences_by_chunk: list[list[str]]) -> dict:
    chunks = {f"d/{i}": {"id": f"d/{i}", "doc": "d", "task": i + 1, "task_title": "联系方式", "section_titles": [],
                         "sentences": s} for i, s in enumerate(sentences_by_chunk)}
    return {"faq": {}, "chunks": chunks, "docs": {"d": {"title": "关于支持物流企业发展的通知"}}}


def test_the_issuer_and_date_closing_a_document_are_not_searched():
    # "2025年6月10日" was the best unit for "把注册地挪走会怎样" (it shares no word, so it was the least wrong)
    kb = _kb([["对弄虚作假的，追回资金。"], ["咨询电话：0532-86985566。", "青岛西海岸新区交通运输局", "2025年6月10日"]])
    texts = [u["text"] for u in make_units(kb)]
    assert texts == ["对弄虚作假的，追回资金。", "咨询电话：0532-86985566。"]


def test_unterminated_content_lines_stay_searchable():
    kb = _kb([["办理地点：新区政务服务中心三楼", "咨询电话：0532-86107738"], ["青岛西海岸新区金融服务中心"]])
    assert [u["text"] for u in make_units(kb)] == ["办理地点：新区政务服务中心三楼", "咨询电话：0532-86107738",
                                                 "青岛西海岸新区金融服务中心"]


def test_signature_lines():
    assert signature_lines(["正文。", "山东省工业和信息化厅（虚构）", "2026年5月12日"]) == 2
    assert signature_lines(["正文。", "二〇二六年五月十二日"]) == 1
    assert signature_lines(["本办法自2026年2月1日起施行。"]) == 0
    assert signature_lines(["受理时间：每年3月1日至4月30日", "2026年3月1日"]) == 1


def test_a_closing_issuer_and_date_in_chunks_of_their_own_are_not_searched():
    kb = _kb([["17.联系部门：区工业和信息化局，联系电话：0532-86990311。"], ["青岛西海岸新区工业和信息化局（虚构）"],
              ["2026年3月2日"]])
    assert [u["text"] for u in make_units(kb)] == ["17.联系部门：区工业和信息化局，联系电话：0532-86990311。"]


def test_a_line_restating_the_title_is_not_searched():
    # a guide's 一、事项名称 "科技型中小企业研发费用后补助申领" matched every question on the topic better than the
    # section that answered it (办理时限, 收费标准 …)
    kb = _kb([["科技型中小企业研发费用后补助申领"], ["自受理之日起20个工作日内办结。"], ["区金融服务中心"]])
    kb["docs"]["d"]["title"] = "青岛西海岸新区科技型中小企业研发费用后补助申领办事指南"
    assert [u["text"] for u in make_units(kb)] == ["自受理之日起20个工作日内办结。", "区金融服务中心"]
