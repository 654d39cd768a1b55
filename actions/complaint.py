"""The complaint form: people finish it by typing or by clicking, one question per turn.

Rasa's `complaint_form` asks the fields in order; `validate_complaint_form` reads every reply the way a
person means it (a value, a correction of another field, "等一下", "取消", a question on the side) and
the `action_ask_*` actions put any remark and the next question into one message. When the form ends,
`action_complaint_done` files the ticket (only after an explicit confirmation) or says what happened.
"""

from __future__ import annotations

import abc
import hashlib
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import Answerer, answerable
from actions.forms import replied_now
from actions.knowledge_api import ApiError, KnowledgeAPI
from actions.tickets import request_human
from actions.wording import (
    NONE_RE,
    PLEASANTRY_RE,
    FormReply,
    announces_question,
    is_form_command,
    is_substantive,
    looks_like_question,
    question_beside_cancel,
    question_beside_hold,
    read_form_reply,
    reads_as_story,
    sounds_like_grievance,
)
from protocol import messages
from protocol.patterns import find_phone

FIELDS = ["complaint_company", "complaint_contact", "complaint_phone", "complaint_description",
          "complaint_category", "complaint_location", "complaint_confirm"]
FORM_SLOTS = [*FIELDS, "suggested_category", "form_hint", "form_retries", "pending_description"]
LABELS = {"complaint_company": "企业名称", "complaint_contact": "联系人", "complaint_phone": "联系电话",
          "complaint_description": "问题描述", "complaint_category": "问题类别", "complaint_location": "涉及地点"}
QUESTIONS = {
    "complaint_company": "请问您的企业（单位）名称是？个人反映请回复“个人”。",
    "complaint_contact": "请问联系人怎么称呼？",
    "complaint_phone": "请留下联系电话（手机号或带区号的座机号），方便承办部门联系您。",
    "complaint_description": "请简要描述您遇到的问题（时间、经过、诉求）。",
    "complaint_location": "问题涉及的具体地点是？没有可回复“无”。",
}
CANCEL_BUTTON = {"title": "取消", "payload": "/cancel"}
START_TEXT = "好的，我来帮您向“诉速办”反映问题，随时回复“取消”可以退出。"
CANCELLED_TEXT = "已取消本次反映，您填写的信息没有提交。还有什么可以帮您？"
CANCELLED_ASIDE_TEXT = "已取消本次反映，您填写的信息没有提交。下面回答您的问题："
HOLD_TEXT = "好的，不着急，您准备好了直接回复就行（回复“取消”可以退出）。"
HOLD_CONFIRM_TEXT = ("好的，不着急，内容还没有提交。确认无误请回复“确认提交”，"
                     "需要修改请告诉我改哪一项，不提交请回复“取消”。")
COMPANY_PREFIX_RE = re.compile(r"^(我们?(是|公司是|单位是|企业是)|公司(名称)?(是|叫)|企业(名称)?(是|叫)|"
                               r"单位(名称)?(是|叫)|名称(是|叫)?)[:：\s]*")
# a reply at the location step that names a place ("二楼窗口怎么总排长队") rather than asks a policy question
# ("跨境电商海外仓有没有补贴", which was kept as the place)
PLACE_WORD_RE = re.compile(r"区|路|街|镇|村|号|楼|层|厅|窗口|中心|园|厂|站|港|码头|广场|大厦|社区|市|县|局|所|室|门")
ORG_SUFFIX_RE = re.compile(r"(公司|厂|店|部|中心|集团|合作社|事务所|银行|学校|医院|协会|商会)$")
CONTACT_PREFIX_RE = re.compile(r"^(我(姓|叫|是)|叫我|联系人(是|叫)?|称呼(是)?|姓名(是)?)[:：\s]*")
NOTED_TEXT = "已记下您反映的问题。"
NOT_YET_TEXT = "好的。还需要几项信息，填完后我会把内容给您确认，再提交。"
PLEASANTRY_TEXT = "不客气。还需要几项信息，填完后我会把内容给您确认，再提交。"
WHICH_FIELD_TEXT = "请告诉我需要修改哪一项，例如“改电话”“地点要改”，也可以点下面的按钮。"
MAX_CATEGORY_TRIES = 2
NOT_UNDERSTOOD = {
    "complaint_company": "企业名称需要2到60个字，个人反映请回复“个人”。",
    "complaint_contact": "联系人称呼请控制在20个字以内，例如“张经理”。",
    "complaint_phone": "号码格式不对：手机号是11位数字（如 13812345678），座机请带区号（如 0532-86981234）。",
    "complaint_description": "请再具体说说：什么时间、在哪里、遇到了什么问题、希望怎么解决。",
    "complaint_location": ("还差一项：问题涉及的具体地点（例如“新区政务服务中心二楼”），没有可回复“无”，"
                           "之后再确认提交。"),
    "complaint_confirm": ("还没有提交。确认无误请回复“确认提交”；需要修改请告诉我改哪一项，例如“改电话”“地点要改”；"
                          "不提交请回复“取消”。"),
}


def step_name(slot: str) -> str:
    return slot.removeprefix("complaint_")


def clean_company(text: str) -> str | None:
    if looks_like_question(text) and not ORG_SUFFIX_RE.search(text.strip()):
        return None  # a question asked instead of a name (and not answered) is not a name
    if is_form_command(text):
        return None
    v = COMPANY_PREFIX_RE.sub("", text.strip()).strip(" 。，,")
    if v in ("个人", "个人反映", "无", "没有"):
        return "个人"
    if not 2 <= len(v) <= 60 or re.fullmatch(r"[\d\s+\-()（）]+", v):
        return None
    return v


def clean_contact(text: str) -> str | None:
    if looks_like_question(text) or is_form_command(text):
        return None
    v = CONTACT_PREFIX_RE.sub("", text.strip())
    phone = find_phone(v)
    if phone:  # "张经理 13812345678": the name, the number goes to the phone field
        v = re.sub(r"[\d\s+\-()（）]{7,}", "", v)
    v = v.strip(" 。，,")
    return v if 1 <= len(v) <= 20 else None


def tells_what_happened(step: str, text: str) -> bool:
    """A grievance or a story typed where the company, the contact or the number was asked: no name has
    clauses, and a contact or number reply carries the number."""
    if step not in ("complaint_company", "complaint_contact", "complaint_phone"):
        return False
    if not (sounds_like_grievance(text) or reads_as_story(text)):
        return False
    if step == "complaint_company":
        return not ORG_SUFFIX_RE.search(text.strip())
    return not find_phone(text)


def clean_location(text: str) -> str | None:
    v = text.strip()
    if is_form_command(v):
        return None  # "确认提交" typed before the summary was shown is not a place
    return "无" if not v or NONE_RE.search(v) else v[:200]


def match_category(text: str, names: list[str]) -> str | None:
    """A category named exactly, inside the text, or by a part of its name ("纠纷" → 司法与纠纷)."""
    t = text.strip(" 。，,").removeprefix("是").removesuffix("类")
    for n in names:
        if t == n or n in t:
            return n
    for n in names:
        if len(t) >= 2 and t in n:
            return n
    return None


async def start_complaint_events(api: KnowledgeAPI, description: str, first_message: str) -> list[dict[str, Any]]:
    """Open the complaint form with fresh slots; what the first message already says is kept, not validated."""
    events: list[dict[str, Any]] = [SlotSet(s, None) for s in FORM_SLOTS]
    if description and not description.startswith("/") and is_substantive(description):
        events.append(SlotSet("complaint_description", description[:2000]))
        try:
            events.append(SlotSet("suggested_category", (await api.suggest_category(description))["category"]))
        except ApiError:
            pass
    phone = find_phone(first_message)
    if phone:
        events.append(SlotSet("complaint_phone", phone))
    events += [SlotSet("form_hint", START_TEXT), ActiveLoop("complaint_form")]
    return events


class ValidateComplaintForm(Action):
    """Read the reply to the current question; decide which question comes next."""

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    def name(self) -> str:
        return "validate_complaint_form"

    async def categories(self) -> list[str]:
        try:
            return [c["name"] for c in await self.api.categories()]
        except ApiError:
            return []

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        step = tracker.get_slot("requested_slot")
        if not replied_now(tracker) or step not in FIELDS:
            return [SlotSet("form_hint", tracker.get_slot("form_hint"))]
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        reply = read_form_reply(text, step, intent)
        # the raw text was put into the step's slot by the mapping; every path below decides its value
        events: list[dict[str, Any]] = [SlotSet(step, None)]
        if reply.kind in ("cancel", "human"):
            return [*[SlotSet(s, None) for s in FORM_SLOTS], SlotSet("complaint_confirm", reply.kind),
                    SlotSet("requested_slot", None)]
        if reply.kind == "hold":
            # "等一下，我先问个问题：施工许可证怎么办": the form waits, and the question is answered meanwhile
            asked = question_beside_hold(text)
            if asked and await self.answered_on_the_side(dispatcher, tracker, asked, step):
                return [*events, *self.ask(step, "")]
            return [*events, *self.ask(step, HOLD_CONFIRM_TEXT if step == "complaint_confirm" else HOLD_TEXT)]
        if reply.kind == "edit":
            return [*events, *await self.edit(reply, step)]
        if step == "complaint_confirm":
            if reply.kind == "confirm":
                return [SlotSet("complaint_confirm", "yes"), SlotSet("form_hint", None)]
            if reply.kind == "deny":
                return [*events, *self.ask(step, WHICH_FIELD_TEXT)]
        if reply.kind == "value" and await self.answered_on_the_side(dispatcher, tracker, text, step):
            return [*events, *self.ask(step, "")]
        if step == "complaint_category":
            return [*events, *await self.category(tracker, text, reply)]
        return [*events, *await self.value(step, text, tracker.get_slot("complaint_description"))]

    @staticmethod
    def ask(step: str, hint: str) -> list[dict[str, Any]]:
        """Ask `step` again (or next), with a remark in front of the question."""
        return [SlotSet("form_hint", hint or None), SlotSet("requested_slot", step)]

    async def answered_on_the_side(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                                   step: str) -> bool:
        """A policy question asked in the middle of the form is answered; then the same question again."""
        if not looks_like_question(text) or find_phone(text):
            return False
        if step == "complaint_description" and (sounds_like_grievance(text) or len(text) > 40):
            return False
        if tells_what_happened(step, text) and sounds_like_grievance(text):
            return False  # "窗口说材料不全让我跑了三趟…缺什么" where the company was asked: what they report
        answerer = Answerer(self.api)
        try:
            result = await answerer.search(tracker, text)
        except ApiError:
            return False
        if result["declined"]:
            if step == "complaint_description" or (step == "complaint_location" and PLACE_WORD_RE.search(text)):
                return False  # most likely part of what they want to report
            dispatcher.utter_message(**messages.text("这个问题我在现有政策文件中没有找到答案，您可以在反映内容里一并写明。").utter())
            return True
        await answerer.reply(dispatcher, tracker, text, result)
        return True

    async def value(self, step: str, text: str, described: str | None = None) -> list[dict[str, Any]]:
        """The events of a reply to `step`; `described`: the description the user gave before."""
        if step not in ("complaint_confirm", "complaint_location") and is_form_command(text):
            # "确认提交" or "好的" before the summary: not a name too long or a number in the wrong format
            return self.ask(step, NOT_YET_TEXT)
        if step in ("complaint_company", "complaint_contact") and PLEASANTRY_RE.search(text):
            return self.ask(step, PLEASANTRY_TEXT)  # "谢谢" where the company name was asked is no company
        if tells_what_happened(step, text):
            # "窗口工作人员态度很差" or what happened typed where a name or number was asked: that is the
            # problem, kept as its description, after what the user described before
            told = f"{described}；{text}" if described and text not in described else text
            noted = await self.value("complaint_description", told)
            if any(e.get("name") == "complaint_description" and e.get("value") for e in noted):
                return [*[e for e in noted if e.get("name") != "form_hint"], *self.ask(step, NOTED_TEXT)]
        if step == "complaint_company":
            v = clean_company(text)
        elif step == "complaint_contact":
            v = clean_contact(text)
            phone = find_phone(text)
            if v and phone:
                return [SlotSet(step, v), SlotSet("complaint_phone", phone), SlotSet("form_hint", None)]
        elif step == "complaint_phone":
            v = find_phone(text)
        elif step == "complaint_description":
            v = text[:2000] if is_substantive(text) else None
            if v:
                try:
                    suggested = (await self.api.suggest_category(v))["category"]
                    return [SlotSet(step, v), SlotSet("suggested_category", suggested), SlotSet("form_hint", None)]
                except ApiError:
                    pass
        elif step == "complaint_location":
            v = clean_location(text)
        else:  # complaint_confirm: neither yes nor no nor a correction
            v = None
        if v is None:
            return self.ask(step, NOT_UNDERSTOOD[step])
        return [SlotSet(step, v), SlotSet("form_hint", None)]

    async def category(self, tracker: Tracker, text: str, reply: FormReply) -> list[dict[str, Any]]:
        suggested = tracker.get_slot("suggested_category")
        names = await self.categories()
        if reply.kind == "confirm" and suggested:
            return [SlotSet("complaint_category", suggested), SlotSet("form_hint", None)]
        if reply.kind == "deny":
            return [SlotSet("suggested_category", None),
                    *self.ask("complaint_category", "好的，请从下面选择正确的类别，也可以直接输入类别名称。")]
        match = match_category(text, names) if names else (suggested or "其他")
        if match:
            return [SlotSet("complaint_category", match), SlotSet("form_hint", None)]
        tries = int(tracker.get_slot("form_retries") or 0) + 1
        try:
            guess = (await self.api.suggest_category(text))["category"] if is_substantive(text) else None
        except ApiError:
            guess = None
        if guess and guess != "其他" and guess == suggested:  # the description again: it confirms the suggestion
            return [SlotSet("complaint_category", guess), SlotSet("form_hint", None)]
        if guess and guess != "其他":
            return [SlotSet("suggested_category", guess), SlotSet("form_retries", float(tries)),
                    *self.ask("complaint_category", "")]
        if tries > MAX_CATEGORY_TRIES:
            chosen = suggested or "其他"
            return [SlotSet("complaint_category", chosen), SlotSet("form_retries", None),
                    SlotSet("form_hint", f"已先按“{chosen}”登记类别，提交前您还可以修改。")]
        hint = ("没有识别出类别。回复“是”选用建议的类别，或者选择下面的其他类别。" if suggested
                else "没有识别出类别，请从下面选择，或者直接输入类别名称。")
        return [SlotSet("form_retries", float(tries)), *self.ask("complaint_category", hint)]

    async def edit(self, reply: FormReply, step: str) -> list[dict[str, Any]]:
        """Change one field: with the new value given, at once; otherwise ask for that field."""
        field = reply.field or step
        label = LABELS.get(field, "")
        value: str | None = None
        if reply.value:
            if field == "complaint_company":
                value = clean_company(reply.value)
            elif field == "complaint_contact":
                value = clean_contact(reply.value)
            elif field == "complaint_phone":
                value = find_phone(reply.value)
            elif field == "complaint_description":
                value = reply.value[:2000] if is_substantive(reply.value) else None
            elif field == "complaint_category":
                value = match_category(reply.value, await self.categories())
            elif field == "complaint_location":
                value = clean_location(reply.value)
        if value:
            return [SlotSet(field, value), *self.ask(step, f"已将{label}改为“{value}”。")]
        return [SlotSet(field, None), *self.ask(field, f"好的，我们重新填写{label}。")]


class ActionAskComplaintField(Action, abc.ABC):
    """One question per turn: any remark from the validator, then the question, with its step name."""

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    @abc.abstractmethod
    def name(self) -> str:
        """action_ask_<slot>: the form calls it to ask for that slot."""

    @property
    def slot(self) -> str:
        return self.name().removeprefix("action_ask_")

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        hint = tracker.get_slot("form_hint") or ""
        question, buttons = await self.question(tracker)
        body = f"{hint}{question}" if not hint else f"{hint}\n{question}"
        dispatcher.utter_message(**messages.form(body, "complaint", step_name(self.slot), buttons).utter())
        return [SlotSet("form_hint", None)]

    async def question(self, tracker: Tracker) -> tuple[str, list[dict[str, str]]]:
        buttons = [CANCEL_BUTTON]
        if self.slot == "complaint_company":
            buttons = [{"title": "个人反映", "payload": "个人"}, CANCEL_BUTTON]
        elif self.slot == "complaint_location":
            buttons = [{"title": "无", "payload": "无"}, CANCEL_BUTTON]
        return QUESTIONS[self.slot], buttons


class ActionAskComplaintCompany(ActionAskComplaintField):
    def name(self) -> str:
        return "action_ask_complaint_company"


class ActionAskComplaintContact(ActionAskComplaintField):
    def name(self) -> str:
        return "action_ask_complaint_contact"


class ActionAskComplaintPhone(ActionAskComplaintField):
    def name(self) -> str:
        return "action_ask_complaint_phone"


class ActionAskComplaintDescription(ActionAskComplaintField):
    def name(self) -> str:
        return "action_ask_complaint_description"


class ActionAskComplaintLocation(ActionAskComplaintField):
    def name(self) -> str:
        return "action_ask_complaint_location"


class ActionAskComplaintCategory(ActionAskComplaintField):
    """Offer the suggested category for a yes, and every category as a button."""


    def name(self) -> str:
        return "action_ask_complaint_category"

    async def question(self, tracker: Tracker) -> tuple[str, list[dict[str, str]]]:
        try:
            cats = await self.api.categories()
        except ApiError:
            cats = []
        suggested = tracker.get_slot("suggested_category")
        buttons = [{"title": c["name"], "payload": c["name"]} for c in cats]
        if suggested:
            dept = next((c["department"] for c in cats if c["name"] == suggested), "")
            text = (f"根据您的描述，建议归类为“{suggested}”（承办部门：{dept}）。是否正确？"
                    "回复“是”确认，或者选择其他类别。")
            buttons = [{"title": f"是，{suggested}", "payload": "/affirm"},
                       *[b for b in buttons if b["title"] != suggested]]
        else:
            text = "请选择问题类别，也可以直接输入类别名称："
        return text, [*buttons, CANCEL_BUTTON]


class ActionAskComplaintConfirm(ActionAskComplaintField):
    """The summary, and the ways on: submit, change one field, cancel."""


    def name(self) -> str:
        return "action_ask_complaint_confirm"

    async def question(self, tracker: Tracker) -> tuple[str, list[dict[str, str]]]:
        s = tracker.get_slot
        text = ("请确认您要提交的内容：\n" + "\n".join(f"{LABELS[f]}：{s(f)}" for f in FIELDS[:-1]) +
                "\n确认无误请回复“确认提交”；需要修改请告诉我改哪一项，例如“改电话”。")
        buttons = [{"title": "确认提交", "payload": "/affirm"}, {"title": "改电话", "payload": "改电话"},
                   {"title": "改描述", "payload": "改描述"}, {"title": "改地点", "payload": "改地点"}, CANCEL_BUTTON]
        return text, buttons


class ActionComplaintDone(Action):
    """After the form: file the ticket on an explicit confirmation, or say it was cancelled / handed over."""

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    def name(self) -> str:
        return "action_complaint_done"

    @staticmethod
    def idempotency_key(tracker: Tracker) -> str:
        """Same form run → same key, so a retried submit cannot create a second ticket."""
        started = next((e.get("timestamp") for e in reversed(tracker.events)
                        if e.get("event") == "active_loop" and e.get("name") == "complaint_form"), "")
        raw = f"{tracker.sender_id}|{started}|{tracker.get_slot('complaint_description')}"
        return hashlib.sha256(raw.encode()).hexdigest()[:40]

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        s = tracker.get_slot
        outcome = s("complaint_confirm")
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if outcome == "human":
            await request_human(self.api, dispatcher, tracker, "您填写的反映内容还没有提交，可以告诉人工客服。")
            return reset
        if outcome != "yes":
            # "算了，先问个问题：企业开办能网上办吗": the form ends and the question is answered. What the knowledge
            # does not answer beside a cancel ("不投诉了，有什么用") is more likely a sigh than a question, unless
            # the user said a question follows: then it is declined aloud
            typed = tracker.latest_message.get("text") or ""
            question = question_beside_cancel(typed)
            answerer = Answerer(self.api)
            result = None
            if question:
                try:
                    result = await answerer.search(tracker, question)
                except ApiError:
                    result = None
            if question is None or not (answerable(result) or announces_question(typed)):
                dispatcher.utter_message(**messages.text(CANCELLED_TEXT).utter())
                return reset
            dispatcher.utter_message(**messages.text(CANCELLED_ASIDE_TEXT).utter())
            answered = await answerer.reply(dispatcher, tracker, question, result)
            return [*reset, *answered.events]
        location = s("complaint_location")
        fields = {
            "company": s("complaint_company"), "contact": s("complaint_contact"), "phone": s("complaint_phone"),
            "category": s("complaint_category"), "description": s("complaint_description"),
            "location": "" if location == "无" else location, "sender": tracker.sender_id,
            "channel": (tracker.latest_message.get("metadata") or {}).get("channel", "chat"),
            "idempotency_key": self.idempotency_key(tracker),
        }
        try:
            t = await self.api.create_ticket(fields)
        except ApiError:
            # keep what was typed and go back to the summary (the form picks up at the confirmation)
            return [SlotSet("complaint_confirm", None),
                    SlotSet("form_hint", "抱歉，系统暂时无法提交工单，您填写的内容已保留。请稍后再回复“确认提交”，"
                                         "或拨打12345热线反映。"),
                    ActiveLoop("complaint_form")]
        dispatcher.utter_message(**messages.ticket(
            f"已为您提交至“诉速办”，工单号：{t['ticket_no']}，承办部门：{t['department']}。"
            f"您可以随时发送“我的投诉到哪了”或“查询工单 {t['ticket_no']}”了解办理进度。", t).utter())
        return [*reset, SlotSet("last_ticket", t["ticket_no"])]
