"""Reply messages: what each builder makes an action utter, and what the widget receives after Rasa's REST
channel has split the card from its text and `to_widget` has merged them again."""

from __future__ import annotations

from protocol import messages
from protocol.messages import CARD_TYPES, COMPLAIN_BUTTON, to_widget

CITATION = {"doc_title": "2023年优化营商环境创新突破实施方案", "task": 12, "task_title": "出口退税",
            "text": "来源：《2023年优化营商环境创新突破实施方案》 · 第12项任务 · 成文日期 2023-03-01"}


def test_a_card_enriches_the_text_message_before_it():
    raw = [{"text": "答案\n\n来源：…", "buttons": [{"title": "相关", "payload": "相关"}]},
           {"custom": {"type": "answer", "citation": {"task": 5}}}, {"text": "<b>不是HTML</b>"}]
    out = to_widget(raw)
    assert len(out) == 2 and out[0]["type"] == "answer" and out[0]["citation"] == {"task": 5}
    assert out[0]["buttons"] == [{"title": "相关", "payload": "相关"}] and out[0]["text"] == "答案\n\n来源：…"
    assert out[1] == {"type": "text", "text": "<b>不是HTML</b>"}


def test_every_card_type_merges_and_other_custom_payloads_stand_alone():
    for kind in CARD_TYPES:
        out = to_widget([{"text": "t"}, {"custom": {"type": kind, "x": 1}}])
        assert out == [{"type": kind, "text": "t", "x": 1}], kind
    # an unknown type, or a card with nothing before it, is a message of its own
    assert to_widget([{"text": "t"}, {"custom": {"type": "poll"}}])[1] == {"type": "poll", "text": ""}
    assert to_widget([{"custom": {"type": "answer", "answer": "a"}}]) == [{"type": "answer", "text": "", "answer": "a"}]
    assert to_widget([{"custom": {"k": "v"}}]) == [{"type": "text", "text": "", "k": "v"}]


def test_buttons_keep_only_title_and_payload_and_images_pass():
    out = to_widget([{"text": "t", "buttons": [{"title": "是", "payload": "/affirm", "type": "postback"}],
                      "image": "https://example.invalid/x.png"}])
    assert out == [{"type": "text", "text": "t", "buttons": [{"title": "是", "payload": "/affirm"}],
                    "image": "https://example.invalid/x.png"}]
    assert to_widget([]) == []


def test_answer_utters_passage_source_related_and_the_card():
    reply = messages.answer("出口退税平均办理时间压缩至3个工作日。", CITATION, ["问1", "问2", "问3", "问4"], "出口退税")
    assert reply.utter() == {
        "text": f"出口退税平均办理时间压缩至3个工作日。\n{CITATION['text']}",
        "buttons": [{"title": q, "payload": q} for q in ("问1", "问2", "问3")],
        "json_message": {"type": "answer", "answer": "出口退税平均办理时间压缩至3个工作日。", "citation": CITATION,
                         "related": ["问1", "问2", "问3"], "topic": "出口退税", "offer_complaint": False}}


def test_an_answer_to_a_grievance_offers_the_complaint_button_after_the_related_questions():
    kwargs = messages.answer("答案", CITATION, ["问1"], offer_complaint=True).utter()
    assert kwargs["buttons"] == [{"title": "问1", "payload": "问1"}, COMPLAIN_BUTTON]
    assert kwargs["json_message"]["offer_complaint"] is True and kwargs["json_message"]["related"] == ["问1"]


def test_the_widget_gets_one_answer_message_with_every_card_field():
    reply = messages.answer("答案", CITATION, ["问1"], "出口退税")
    raw = messages.rasa_output(reply)
    assert raw == [{"text": f"答案\n{CITATION['text']}", "buttons": [{"title": "问1", "payload": "问1"}]},
                   {"custom": reply.card}]
    assert reply.widget() == {"type": "answer", "text": f"答案\n{CITATION['text']}",
                              "buttons": [{"title": "问1", "payload": "问1"}], "answer": "答案", "citation": CITATION,
                              "related": ["问1"], "topic": "出口退税", "offer_complaint": False}


def test_partial_says_what_the_plan_does_not_state_then_the_related_rule_with_its_citation():
    reply = messages.partial("办理时限", "实行出口退税“一次都不用跑”。", CITATION, ["问1"], "出口退税")
    shown = reply.widget()
    assert shown["type"] == "partial" and shown["missing"] == "办理时限"
    assert shown["text"].startswith("方案中没有写明办理时限。相关规定：实行出口退税“一次都不用跑”。")
    assert shown["text"].endswith(CITATION["text"]) and shown["citation"] == CITATION
    assert shown["rule"] == "实行出口退税“一次都不用跑”。" and shown["related"] == ["问1"]
    # the card shows `answer` above the citation, as for an answer: the lead and the rule
    assert shown["answer"] == "方案中没有写明办理时限。相关规定：实行出口退税“一次都不用跑”。"


def test_declined_form_ticket_handoff_and_text_shapes():
    offer = [{"title": "转人工", "payload": "/request_human"}]
    assert messages.declined("抱歉……", "other_place", offer).utter() == {
        "text": "抱歉……", "buttons": offer, "json_message": {"type": "declined", "reason": "other_place"}}
    assert messages.form("请问联系人怎么称呼？", "complaint", "contact", offer).widget() == {
        "type": "form", "text": "请问联系人怎么称呼？", "buttons": offer, "form": "complaint", "step": "contact"}
    view = {"ticket_no": "SSB-20261128-0001", "status": "queued"}
    assert messages.ticket("已为您提交", view).utter() == {
        "text": "已为您提交", "buttons": [], "json_message": {"type": "ticket", "ticket": view}}
    assert messages.handoff("已为您转接", "waiting").widget() == {"type": "handoff", "text": "已为您转接",
                                                                  "status": "waiting"}
    assert messages.text("您好", offer).utter() == {"text": "您好", "buttons": offer}
    assert messages.text("您好").widget() == {"type": "text", "text": "您好"}


def test_uttered_kwargs_are_copies_a_caller_may_change():
    buttons = [{"title": "取消", "payload": "/cancel"}]
    reply = messages.form("问", "ticket", "ticket_id", buttons)
    kwargs = reply.utter()
    kwargs["buttons"][0]["title"] = "x"
    kwargs["json_message"]["step"] = "y"
    assert reply.utter()["buttons"][0]["title"] == "取消" and reply.card == {"type": "form", "form": "ticket",
                                                                             "step": "ticket_id"}


def test_an_english_lead_in_comes_before_the_passage_in_the_text_and_the_card():
    lead = "From the 2023 plan (quoted in Chinese):"
    reply = messages.answer("推行电子营业执照。", CITATION, [], "企业开办", lead=lead)
    assert reply.text == f"{lead}\n推行电子营业执照。\n{CITATION['text']}"
    assert reply.widget()["lead"] == lead and reply.widget()["answer"] == "推行电子营业执照。"
    assert "lead" not in messages.answer("答案", CITATION).card, "no lead for a Chinese question"


def test_a_partial_answer_with_a_lead_keeps_what_is_missing_and_the_rule_apart():
    lead = "The 2023 plan does not state this detail; the related rule (quoted in Chinese):"
    msg = messages.partial("办理时限", "持续优化企业开办审批服务。", CITATION, ["问1"], "企业开办", lead=lead).widget()
    assert msg["type"] == "partial" and msg["lead"] == lead and msg["missing"] == "办理时限"
    assert msg["answer"] == "方案中没有写明办理时限。相关规定：持续优化企业开办审批服务。"
    assert msg["text"].startswith(lead + "\n方案中没有写明办理时限。") and msg["text"].endswith(CITATION["text"])


def test_a_question_about_another_version_says_which_plan_the_knowledge_holds():
    head = messages.OTHER_VERSION_LEAD.format(held="2023年的方案", date="2023-09-11", missing="2024年的方案")
    msg = messages.partial("2024年的方案", "进一步优化营商环境。", CITATION, head=head).widget()
    assert msg["answer"] == "知识库中收录的是2023年的方案（成文日期 2023-09-11），没有2024年的方案。" \
                            "该方案的相关规定：进一步优化营商环境。"
    assert msg["missing"] == "2024年的方案" and msg["rule"] == "进一步优化营商环境。"
