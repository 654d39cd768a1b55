"""Ticket status lookups and the request for a human."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.knowledge_api import ApiError, KnowledgeAPI

TICKET_RE = re.compile(r"SSB-?\s*(\d{8})-?\s*(\d{4})", re.I)


def find_ticket_no(text: str) -> str | None:
    m = TICKET_RE.search(text or "")
    return f"SSB-{m.group(1)}-{m.group(2)}" if m else None


class ValidateTicketForm(FormValidationAction):
    def name(self) -> str:
        return "validate_ticket_form"

    def validate_ticket_id(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                           domain: DomainDict) -> dict[str, Any]:
        latest = tracker.latest_message.get("text") or ""
        no = find_ticket_no(str(value or "")) or find_ticket_no(latest)
        if not no:
            dispatcher.utter_message(text="没有识别到工单编号，编号格式如 SSB-20261128-0001，"
                                          "请重新输入（回复“取消”退出）。")
            return {"ticket_id": None}
        return {"ticket_id": no}


class ActionTicketStatus(Action):
    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    def name(self) -> str:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        no = find_ticket_no(str(tracker.get_slot("ticket_id") or ""))
        if not no:
            dispatcher.utter_message(response="utter_ask_ticket_id")
            return [SlotSet("ticket_id", None)]
        try:
            t = await self.api.ticket(no)
        except ApiError as exc:
            if exc.status == 404:
                dispatcher.utter_message(text=f"没有找到工单 {no}，请核对编号后再试。")
            else:
                dispatcher.utter_message(text="抱歉，工单系统暂时无法访问，请稍后再查。")
            return [SlotSet("ticket_id", None)]
        dispatcher.utter_message(
            text=f"工单 {t['ticket_no']}（{t['category']}，承办部门：{t['department']}）当前状态：{t['status_label']}。"
                 f"最近更新：{t['updated_at']}。",
            json_message={"type": "ticket", "ticket": t})
        return [SlotSet("ticket_id", None)]


class ActionRequestHuman(Action):
    """Queue the conversation for a hotline agent (the same queue as the widget's 转人工 button)."""

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            result = await self.api.request_handoff(tracker.sender_id)
        except ApiError:
            dispatcher.utter_message(
                text="抱歉，暂时无法转接人工客服。您可以拨打12345政务服务便民热线，"
                     "或由我帮您向“诉速办”提交诉求，由承办部门联系您。",
                buttons=[{"title": "向诉速办反映问题", "payload": "/complain"}])
            return []
        dispatcher.utter_message(text=result["message"], json_message={"type": "handoff", "status": result["status"]})
        return []
