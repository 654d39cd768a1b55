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


def test_a_plain_language_answer_carries_its_verbatim_basis_between_answer_and_source():
    plain = "出口退税一般3个工作日内办完。"
    quote = "出口退税平均办理时间压缩至3个工作日。"
    reply = messages.answer(plain, CITATION, ["问1"], "出口退税", basis=quote)
    assert reply.text == f"{plain}\n依据：{quote}\n{CITATION['text']}", "text-only channels see the basis too"
    shown = reply.widget()
    assert shown["type"] == "answer" and shown["answer"] == plain and shown["basis"] == quote
    assert shown["citation"] == CITATION and shown["related"] == ["问1"]


def test_an_answer_without_a_separate_basis_has_no_basis_field():
    for basis in ("", "  "):
        reply = messages.answer("推行电子营业执照。", CITATION, basis=basis)
        assert "basis" not in reply.card and reply.text == f"推行电子营业执照。\n{CITATION['text']}"


def test_an_english_lead_comes_before_the_plain_answer_and_its_basis():
    lead = "From the 2023 plan:"
    reply = messages.answer("一个窗口就能办完注销。", CITATION, lead=lead, basis="设立企业注销专窗。")
    assert reply.text == f"{lead}\n一个窗口就能办完注销。\n依据：设立企业注销专窗。\n{CITATION['text']}"
    assert reply.widget()["lead"] == lead and reply.widget()["basis"] == "设立企业注销专窗。"


OTHERS = [
    {"text": "对首次认定的专精特新中小企业给予一次性奖励。",
     "citation": {"doc_id": "qd-zjtx-2024", "doc_title": "青岛市支持专精特新企业发展若干措施",
                  "number": "青政办字〔2024〕3号", "section_label": "二、支持措施", "task": 4, "date": "2024-02-01",
                  "validity": "有效", "level": "青岛市",
                  "text": "来源：《青岛市支持专精特新企业发展若干措施》（青政办字〔2024〕3号） · 二、支持措施 · "
                          "成文日期 2024-02-01 · 有效"}},
    {"text": "省级专精特新企业优先纳入融资支持名单。",
     "citation": {"doc_id": "sd-jcgf-2023", "doc_title": "山东省促进中小企业发展办法", "section_label": "第十二条",
                  "task": 12, "date": "2023-06-01", "validity": "失效", "level": "山东省",
                  "text": "来源：《山东省促进中小企业发展办法》 · 第十二条 · 成文日期 2023-06-01 · 失效"}},
]


def test_an_answer_lists_other_documents_after_its_source_in_the_text_and_the_card():
    reply = messages.answer("新区给予专精特新企业奖励。", CITATION, ["问1"], "专精特新", others=OTHERS)
    assert reply.text == (f"新区给予专精特新企业奖励。\n{CITATION['text']}\n其他文件的相关规定：\n"
                          f"· {OTHERS[0]['text']}\n{OTHERS[0]['citation']['text']}\n"
                          f"· {OTHERS[1]['text']}\n{OTHERS[1]['citation']['text']}"), "text-only channels see them too"
    shown = reply.widget()
    assert shown["type"] == "answer" and shown["answer"] == "新区给予专精特新企业奖励。"
    assert shown["others"] == OTHERS and shown["citation"] == CITATION, "each other with its own full citation"
    assert shown["related"] == ["问1"] and shown["buttons"] == [{"title": "问1", "payload": "问1"}]


def test_others_come_after_the_basis_and_a_partial_answer_carries_them_too():
    reply = messages.answer("一窗办完。", CITATION, basis="设立专窗。", others=OTHERS[:1])
    assert reply.text.index("依据：设立专窗。") < reply.text.index(CITATION["text"]) \
        < reply.text.index("其他文件的相关规定：") < reply.text.index(OTHERS[0]["citation"]["text"])
    part = messages.partial("奖励金额", "给予奖励。", CITATION, others=OTHERS).widget()
    assert part["type"] == "partial" and part["others"] == OTHERS
    assert part["text"].endswith(f"· {OTHERS[1]['text']}\n{OTHERS[1]['citation']['text']}")


def test_no_others_no_field_and_unusable_ones_are_left_out():
    for none in (None, [], [{"text": "", "citation": OTHERS[0]["citation"]}], [{"text": "缺出处"}],
                 [{"text": "无来源行", "citation": {"doc_title": "某文件"}}], ["不是对象"]):
        reply = messages.answer("推行电子营业执照。", CITATION, others=none)
        assert "others" not in reply.card and reply.text == f"推行电子营业执照。\n{CITATION['text']}", none
    three = messages.answer("答。", CITATION, others=[*OTHERS, OTHERS[0]]).widget()
    assert three["others"] == OTHERS, "at most two"
