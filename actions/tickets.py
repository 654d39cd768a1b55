"""Ticket status lookups and the request for a human."""

from __future__ import annotations

import abc
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import Answerer, answerable
from actions.forms import replied_now
from actions.knowledge_api import ApiError, KnowledgeAPI
from actions.wording import CANCEL_RE, mentions_a_ticket
from protocol import messages
from protocol.clock import shown
from protocol.patterns import find_ticket_no

ASK_TICKET_TEXT = "请提供工单编号，格式如 SSB-20261128-0001（回复“取消”退出）。"
MAX_TICKET_TRIES = 2


async def request_human(api: KnowledgeAPI, dispatcher: CollectingDispatcher, tracker: Tracker,
                        note: str = "") -> None:
    """Queue the conversation for a hotline agent (the same queue as the widget's 转人工 button)."""
    try:
        result = await api.request_handoff(tracker.sender_id)
    except ApiError:
        dispatcher.utter_message(**messages.text(
            "抱歉，暂时无法转接人工客服。您可以拨打12345政务服务便民热线，"
            "或由我帮您向“诉速办”提交诉求，由承办部门联系您。",
            [{"title": "向诉速办反映问题", "payload": "/complain"}]).utter())
        return
    text = f"{note}{result['message']}" if note else result["message"]
    dispatcher.utter_message(**messages.handoff(text, result["status"]).utter())


LEFT = "left"  # ticket_lookup when the lookup form was left for a question the knowledge answered


async def answered_instead(answerer: Answerer, dispatcher: CollectingDispatcher, tracker: Tracker,
                           text: str) -> list[dict[str, Any]] | None:
    """A policy question that reached the ticket lookup ("公务员当了老赖，会被处理吗？" read as a status request,
    or a new question typed where the number was asked): answered when it names no ticket and the knowledge
    answers it; returns the answer's events, or None when it is the lookup's after all."""
    text = text.strip()
    if not text or text.startswith("/") or find_ticket_no(text) or mentions_a_ticket(text):
        return None
    try:
        result = await answerer.search(tracker, text)
    except ApiError:
        return None
    if not answerable(result):
        return None
    return (await answerer.reply(dispatcher, tracker, text, result)).events


NOT_YOURS = "-"  # ticket_phone4 when no digits are needed: the ticket is this conversation's own
ASK_PHONE4_TEXT = "为保护隐私，查询他人提交的工单需要验证：请输入该工单联系电话的后4位（回复“取消”退出）。"
PHONE4_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


class ActionTicketStatus(Action):
    """Status of the ticket named in the message, else of the one this conversation filed, else ask.

    Only the requester sees a ticket without more ado; anyone else is asked for the contact phone's last
    4 digits (the web service checks them and limits the tries).
    """

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()
        self.answerer = Answerer(self.api)

    def name(self) -> str:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        lookup = tracker.get_slot("ticket_lookup")
        after_form = lookup == "asked"
        text = tracker.latest_message.get("text") or ""
        done = [SlotSet("ticket_id", None), SlotSet("ticket_phone4", None), SlotSet("ticket_lookup", None),
                SlotSet("form_retries", None)]
        if lookup == LEFT:  # the form was left for a question, answered already
            return done
        if not after_form:
            answer = await answered_instead(self.answerer, dispatcher, tracker, text)
            if answer is not None:
                return [*answer, *done]
        no = (find_ticket_no(str(tracker.get_slot("ticket_id") or "")) or find_ticket_no(text)
              or (None if after_form else tracker.get_slot("last_ticket")))
        phone4 = str(tracker.get_slot("ticket_phone4") or "")
        if not no or (after_form and not phone4):
            if after_form:  # the lookup form ended without what it needed (cancelled or given up)
                dispatcher.utter_message(**messages.text("好的，已退出工单查询。还有什么可以帮您？").utter())
                return done
            return [SlotSet("ticket_lookup", "asked"), ActiveLoop("ticket_form")]
        try:
            t = await self.api.ticket(no, tracker.sender_id, "" if phone4 == NOT_YOURS else phone4)
        except ApiError as exc:
            if exc.status == 403 and not after_form:  # someone else's ticket: ask for the digits
                return [SlotSet("ticket_lookup", "asked"), SlotSet("ticket_id", no), ActiveLoop("ticket_form")]
            dispatcher.utter_message(**messages.text(lookup_error_text(exc, no)).utter())
            return done
        dispatcher.utter_message(**messages.ticket(
            f"工单 {t['ticket_no']}（{t['category']}，承办部门：{t['department']}）当前状态：{t['status_label']}。"
            f"最近更新：{shown(t['updated_at'])}。", t).utter())
        return done


def lookup_error_text(exc: ApiError, no: str) -> str:
    if exc.status == 404:
        return f"没有找到工单 {no}，请核对编号后再试。"
    if exc.status in (403, 429):
        return f"{exc}。如需帮助可拨打12345热线。"
    return "抱歉，工单系统暂时无法访问，请稍后再查。"


class ValidateTicketForm(Action):
    """Read a reply to the lookup's question: the number, then (for someone else's ticket) the phone digits."""

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()
        self.answerer = Answerer(self.api)

    def name(self) -> str:
        return "validate_ticket_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        step = tracker.get_slot("requested_slot")
        if not replied_now(tracker):
            return [SlotSet("form_hint", tracker.get_slot("form_hint"))]
        text = tracker.latest_message.get("text") or ""
        tries = int(tracker.get_slot("form_retries") or 0) + 1
        if CANCEL_RE.search(text) or tries > MAX_TICKET_TRIES:
            return [SlotSet("ticket_id", None), SlotSet("ticket_phone4", None), SlotSet("requested_slot", None),
                    SlotSet("form_hint", None)]
        if step == "ticket_phone4":
            m = PHONE4_RE.search(text)
            if m:
                return [SlotSet("ticket_phone4", m.group(1)), SlotSet("form_hint", None)]
            return [SlotSet("ticket_phone4", None), SlotSet("form_retries", float(tries)),
                    SlotSet("form_hint", "请输入4位数字。"), SlotSet("requested_slot", "ticket_phone4")]
        no = find_ticket_no(text)
        if not no:
            answer = await answered_instead(self.answerer, dispatcher, tracker, text)
            if answer is not None:  # a new question instead of the number: answered, and the lookup left
                return [*answer, SlotSet("ticket_id", None), SlotSet("requested_slot", None),
                        SlotSet("form_hint", None), SlotSet("ticket_lookup", LEFT)]
            return [SlotSet("ticket_id", None), SlotSet("form_retries", float(tries)),
                    SlotSet("form_hint", "没有识别到工单编号。"), SlotSet("requested_slot", "ticket_id")]
        try:
            await self.api.ticket(no, tracker.sender_id)
        except ApiError as exc:
            if exc.status != 403:  # not found, or the service is down: say so when the lookup ends
                return [SlotSet("ticket_id", no), SlotSet("ticket_phone4", NOT_YOURS), SlotSet("form_hint", None)]
            return [SlotSet("ticket_id", no), SlotSet("form_retries", None), SlotSet("form_hint", None)]
        return [SlotSet("ticket_id", no), SlotSet("ticket_phone4", NOT_YOURS), SlotSet("form_hint", None)]


class ActionAskTicketField(Action, abc.ABC):
    """The lookup's question for one step, with any remark from the validator in front."""

    step = ""
    question = ""

    @abc.abstractmethod
    def name(self) -> str:
        """action_ask_<slot>: the form calls it to ask for that slot."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        hint = tracker.get_slot("form_hint") or ""
        dispatcher.utter_message(**messages.form(f"{hint}{self.question}", "ticket", self.step,
                                                 [{"title": "取消", "payload": "/cancel"}]).utter())
        return [SlotSet("form_hint", None)]


class ActionAskTicketId(ActionAskTicketField):
    step, question = "ticket_id", ASK_TICKET_TEXT

    def name(self) -> str:
        return "action_ask_ticket_id"


class ActionAskTicketPhone4(ActionAskTicketField):
    step, question = "phone_last4", ASK_PHONE4_TEXT

    def name(self) -> str:
        return "action_ask_ticket_phone4"


class ActionRequestHuman(Action):
    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    def name(self) -> str:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        await request_human(self.api, dispatcher, tracker)
        return []
