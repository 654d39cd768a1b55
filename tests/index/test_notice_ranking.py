"""Issue 11: choosing among the units of a short uploaded notice (they all score alike), without an index."""

from __future__ import annotations

from index.build import KEY_STRIDE
from index.engine import DECISION_DEFAULTS, Hit, Retriever, SearchResponse, lead_part
from knowledge.dictionaries import Slot

NOTICE, PLAN = "notice-2025", "plan-2023"
ORDINAL = {NOTICE: 2, PLAN: 1}


def _retriever() -> Retriever:
    """Just the state the ranking helpers read: two documents, the notice short."""
    r = object.__new__(Retriever)
    r.decision = dict(DECISION_DEFAULTS)
    r.docs = {NOTICE: {"level": "青岛市"}, PLAN: {"level": "西海岸新区"}}
    r._short_docs = {NOTICE}
    r._docs_by_ordinal = {n: doc for doc, n in ORDINAL.items()}
    return r


def _hit(doc: str, task: int, score: float, text: str) -> Hit:
    return Hit(f"{doc}#{task}/s0", "chunk", text, score, task, "", "", doc, doc, "2025-01-01", text, 0.2, 1.0,
               key=ORDINAL[doc] * KEY_STRIDE + task)


def _key(doc: str, task: int) -> int:
    return ORDINAL[doc] * KEY_STRIDE + task


def test_within_a_short_notice_the_unit_stating_the_asked_detail_answers():
    r = _retriever()
    rate = _hit(NOTICE, 2, 0.737, "按照实际缴纳保费的60%给予补贴。")  # names the subject, states no date
    dates = _hit(NOTICE, 4, 0.680, "企业应于每年3月1日至3月31日申报。")
    hits = [rate, _hit(NOTICE, 1, 0.705, "在本市依法注册的外贸企业。"), dates]
    on = frozenset({rate.key})  # only the rate unit writes the subject's term

    def gives(h: Hit) -> bool:
        return "月1日" in h.text

    assert r._detail_first(hits, on, gives)[0] is dates
    # across documents the usual, narrower slack still holds
    far = _hit(PLAN, 9, 0.680, "每年3月1日起受理。")
    assert r._detail_first([_hit(PLAN, 3, 0.737, "补贴标准。"), far], frozenset(), gives)[0] is not far


def test_the_subject_check_does_not_reorder_the_units_of_one_short_notice():
    r = _retriever()
    who = _hit(NOTICE, 1, 0.720, "上一年度出口额在5000万美元以下的，可以申请。")
    naming = _hit(NOTICE, 2, 0.681, "企业投保短期出口信用保险的，给予补贴。")
    hits = [who, naming]
    assert r._subject_first(hits, frozenset({naming.key}), None, {}, False) == hits  # type: ignore[arg-type]


def test_a_unit_of_a_short_notice_naming_the_subject_elsewhere_is_not_off_subject():
    r = _retriever()
    on = frozenset({_key(NOTICE, 2), _key(PLAN, 7)})
    assert not r._off_subject(_hit(NOTICE, 4, 0.68, "每年3月申报。"), on, matched=False)
    assert r._off_subject(_hit(PLAN, 3, 0.68, "另一项任务。"), on, matched=False)  # the long plan: still judged
    assert not r._off_subject(_hit(PLAN, 7, 0.68, "本项任务。"), on, matched=True)


def test_a_question_stating_the_value_does_not_ask_for_it():
    rate = Slot("比例/金额", "缴费基数或费率", ("费率",), ("费率",))
    assert Retriever._states_value(rate, "保险公司报的费率是4%，省里补偿是按4%的保费算吗")
    assert not Retriever._states_value(rate, "投保的费率是多少")
    assert not Retriever._states_value(rate, "有没有补贴")  # not asked at all


def _reply(outcome: str, query: str) -> SearchResponse:
    return SearchResponse(query, outcome == "declined", outcome, None, [], {}, outcome=outcome)


def test_a_message_is_reported_by_its_first_best_served_part():
    first, second = _reply("declined", "是一次性发还是分几年发"), _reply("answered", "每年发多少比例")
    assert lead_part([first, second]) is second
    both = [_reply("answered", "a"), _reply("answered", "b")]
    assert lead_part(both) is both[0]
    assert lead_part([_reply("declined", "a"), _reply("partial", "b")]).query == "b"
    # a partial first part says what the knowledge lacks: it stays the message's outcome
    assert lead_part([_reply("partial", "2024年版有吗"), _reply("answered", "b")]).query == "2024年版有吗"


def test_a_stated_quantity_prefers_the_notice_unit_stating_one_of_its_kind():
    from index import text as tx

    assert tx.quantity_units("博士今年47岁了，出口额8000万美元") == {"岁", "美元"}
    assert tx.quantity_units("申请人年龄应当在45周岁以下，2026年2月1日以后") == {"岁"}  # dates are no quantity
    r = _retriever()
    amount = _hit(NOTICE, 3, 0.744, "对新引进的博士研究生给予一次性安家补贴10万元。")
    age = _hit(NOTICE, 2, 0.726, "申请人年龄应当在45周岁以下。")
    assert r._quantity_first([amount, age], tx.quantity_units("博士今年47岁了，还能申请吗"))[0] is age
    assert r._quantity_first([amount, age], set())[0] is amount
    other = _hit(PLAN, 2, 0.726, "年龄在45周岁以下。")  # another document: the ranking stands
    assert r._quantity_first([amount, other], {"岁"})[0] is amount
