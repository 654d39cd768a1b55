"""The chat-level evaluation scores what the user saw like `make eval` scores the engine: a partial reply
is no answer, but it is what a question the plan cannot fully answer should get."""

from __future__ import annotations

from index.evaluate import summarize
from protocol import messages
from web.tools.evalchat import shown_from

CITATION = {"task": 5, "text": "来源：《青岛西海岸新区2023年优化营商环境创新突破实施方案》 · 第5项任务"}


def test_a_partial_reply_is_no_answer_but_a_right_partial():
    partial = messages.partial("办理时限", "持续优化企业开办审批服务。", CITATION).widget()
    answer = messages.answer("推行电子营业执照、电子发票、电子印章同步发放和使用。", CITATION).widget()
    cases = [{"q": "企业开办能一天办完吗", "expect": "partial", "tasks": [5]},
             {"q": "电子营业执照和电子印章能同时领吗", "tasks": [5], "facts": ["电子印章"]},
             {"q": "企业开办审批服务怎么优化", "tasks": [5], "facts": ["审批服务"]}]
    shown = [shown_from([partial], 10), shown_from([answer], 10), shown_from([partial], 10)]
    assert [s.outcome for s in shown] == ["partial", "answered", "partial"]
    out = summarize(cases, shown)
    assert out["partial_accuracy"] == 1.0 and out["answer_fact"] == 0.5 and out["false_decline"] == 0.5


def test_each_question_reply_of_a_multi_part_message_is_a_part_and_the_first_decides():
    answer = messages.answer("推动更多银行机构接入企业开办智能一体化平台。", CITATION).widget()
    not_covered = messages.declined("关于“刻章收费吗”：方案未提及，我无法准确回答。", "weak_evidence").widget()
    s = shown_from([answer, not_covered], 10)
    assert s.outcome == "answered" and s.parts == 2 and s.answer_task == 5
    declined = shown_from([not_covered], 10)
    assert declined.outcome == "declined" and declined.declined and declined.parts == 1
    assert shown_from([messages.text("收到。").widget()], 10).outcome == "declined"
