"""The complaint form: collect, validate, confirm, and hand the ticket to the web service's outbox."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.knowledge_api import ApiError, KnowledgeAPI
from actions.wording import looks_like_question, sounds_like_grievance

FORM_SLOTS = ["complaint_company", "complaint_contact", "complaint_phone", "complaint_category",
              "complaint_description", "complaint_location", "complaint_confirm", "suggested_category"]
MOBILE_RE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
LANDLINE_RE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")
NONE_WORDS = {"无", "没有", "无地点", "不涉及", "跳过", "不用", "没", "暂无", "none", "no"}
# opening words that carry no facts: "我要投诉" alone is not a description
FILLER_RE = re.compile(r"我(要|想)?(投诉|举报|反映(一下)?|反应)|投诉|举报|反映一下|反映问题|帮我|一下|[，。,.!！?？\s]")
MIN_DESCRIPTION_CHARS = 6
OVERRIDE_MIN_SCORE = 0.6


def find_phone(text: str) -> str | None:
    compact = re.sub(r"[\s()（）]", "", text)
    m = MOBILE_RE.search(compact) or LANDLINE_RE.search(compact)
    return m.group(0) if m else None


def is_substantive(text: str) -> bool:
    return len(FILLER_RE.sub("", text)) >= MIN_DESCRIPTION_CHARS


async def complaint_start_events(api: KnowledgeAPI, text: str) -> list[dict[str, Any]]:
    """Fresh form slots, with the first message kept as the description and a suggested category."""
    events = [SlotSet(s, None) for s in FORM_SLOTS]
    if text and not text.startswith("/") and is_substantive(text):
        events.append(SlotSet("complaint_description", text))
        try:
            suggestion = await api.suggest_category(text)
            events.append(SlotSet("suggested_category", suggestion["category"]))
        except ApiError:
            pass
    return events


class ActionStartComplaint(Action):
    """Keep the first message as the description and suggest a category before the form starts."""

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    async def is_answerable_question(self, text: str) -> bool:
        if not text or text.startswith("/") or not looks_like_question(text) or sounds_like_grievance(text):
            return False
        try:
            result = await self.api.search(text, k=1)
        except ApiError:
            return False
        return not result["declined"] and result["explain"]["best_score"] >= OVERRIDE_MIN_SCORE

    def name(self) -> str:
        return "action_start_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        if await self.is_answerable_question(text):
            return [FollowupAction("action_answer_question")]
        return await complaint_start_events(self.api, text)


class ActionAskComplaintCategory(Action):
    """Offer the suggested category for confirmation, and every category as a button."""

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    def name(self) -> str:
        return "action_ask_complaint_category"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            cats = await self.api.categories()
        except ApiError:
            cats = []
        suggested = tracker.get_slot("suggested_category")
        buttons = [{"title": c["name"], "payload": c["name"]} for c in cats]
        if suggested:
            dept = next((c["department"] for c in cats if c["name"] == suggested), "")
            text = f"根据您的描述，建议归类为“{suggested}”（承办部门：{dept}）。是否正确？不正确请选择其他类别。"
            others = [b for b in buttons if b["title"] != suggested]
            buttons = [{"title": f"是，{suggested}", "payload": "/affirm"}, *others]
        else:
            text = "请选择问题类别："
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionAskComplaintConfirm(Action):
    def name(self) -> str:
        return "action_ask_complaint_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        s = tracker.get_slot
        summary = (f"请确认您要提交的内容：\n企业名称：{s('complaint_company')}\n联系人：{s('complaint_contact')}\n"
                   f"联系电话：{s('complaint_phone')}\n问题类别：{s('complaint_category')}\n"
                   f"问题描述：{s('complaint_description')}\n涉及地点：{s('complaint_location')}")
        dispatcher.utter_message(text=summary, buttons=[{"title": "确认提交", "payload": "/affirm"},
                                                        {"title": "取消", "payload": "/cancel"}])
        return []


class ValidateComplaintForm(FormValidationAction):
    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    def name(self) -> str:
        return "validate_complaint_form"

    def validate_complaint_company(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        v = str(value or "").strip()
        if not 2 <= len(v) <= 60 and v != "个人":
            dispatcher.utter_message(text="企业名称应为2到60个字，请重新输入（个人反映请填“个人”）。")
            return {"complaint_company": None}
        return {"complaint_company": v}

    def validate_complaint_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        v = str(value or "").strip()
        if not 1 <= len(v) <= 20:
            dispatcher.utter_message(text="联系人称呼请控制在20个字以内，例如“张经理”。")
            return {"complaint_contact": None}
        return {"complaint_contact": v}

    def validate_complaint_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        phone = find_phone(str(value or ""))
        if not phone:
            dispatcher.utter_message(text="电话号码格式不对：手机号为11位数字（如 13812345678），"
                                          "座机请带区号（如 0532-86981234）。请重新输入。")
            return {"complaint_phone": None}
        return {"complaint_phone": phone}

    async def validate_complaint_category(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                          domain: DomainDict) -> dict[str, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        suggested = tracker.get_slot("suggested_category")
        v = str(value or "").strip()
        try:
            names = [c["name"] for c in await self.api.categories()]
        except ApiError:
            names = []
        if (intent == "affirm" or v in ("是", "对", "正确", "/affirm")) and suggested:
            return {"complaint_category": suggested}
        match = next((n for n in names if n == v or n in v), None)
        if match:
            return {"complaint_category": match}
        if not names:
            return {"complaint_category": suggested or "其他"}
        dispatcher.utter_message(text="没有这个类别，请点选下面的类别之一。")
        return {"complaint_category": None}

    def validate_complaint_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        v = str(value or "").strip()
        if len(v) < 5:
            dispatcher.utter_message(text="描述太简短了，请说明具体情况（时间、经过、诉求）。")
            return {"complaint_description": None}
        return {"complaint_description": v[:2000]}

    def validate_complaint_location(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        v = str(value or "").strip()
        return {"complaint_location": "无" if v.lower() in NONE_WORDS or not v else v[:200]}


class ActionSubmitComplaint(Action):
    """Create the ticket (idempotent per form run) and tell the user its number."""

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    def name(self) -> str:
        return "action_submit_complaint"

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
            dispatcher.utter_message(text="抱歉，系统暂时无法提交工单，您填写的内容已保留，请稍后再点“确认提交”，"
                                          "或拨打12345热线反映。")
            return [SlotSet("complaint_confirm", None), FollowupAction("complaint_form")]
        dispatcher.utter_message(
            text=f"已为您提交至“诉速办”，工单号：{t['ticket_no']}，承办部门：{t['department']}。"
                 f"您可以随时发送“查询工单 {t['ticket_no']}”了解办理进度。",
            json_message={"type": "ticket", "ticket": t})
        return [SlotSet(s_, None) for s_ in FORM_SLOTS]


class ActionCancelComplaint(Action):
    """Forget what the form collected (the rule then says so to the user)."""

    def name(self) -> str:
        return "action_cancel_complaint"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        return [SlotSet(s, None) for s in FORM_SLOTS]
