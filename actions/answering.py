"""Answering from the knowledge: search with the follow-up context, then a cited answer or an honest decline.

Used by `action_respond` outside forms and by the complaint form for a question asked on the side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_api import ApiError, KnowledgeAPI
from protocol import messages

COVERAGE = ("我可以解答新区营商环境政策问题，例如企业开办与注销、纳税、不动产登记、工程建设审批、"
            "融资、用工、纠纷解决、知识产权等。")
DECLINE_TEXT = {
    "other_place": "抱歉，我只能解答青岛西海岸新区的政策，“{place}”的政策请咨询当地政务服务部门。",
    "detail_not_covered": "抱歉，现有政策文件中没有给出您问的具体{detail}，我无法准确回答。",
    "weak_evidence": "抱歉，这个问题我在现有政策文件中没有找到可靠的答案。",
}
FOLLOW_UP_OF_DECLINED = "抱歉，您前面问的问题在现有政策文件中没有找到答案，这一点我也无法准确回答。"
API_DOWN_TEXT = "抱歉，知识库暂时无法访问，您的问题已记录。"
OFFER_BUTTONS = [
    {"title": "向诉速办反映问题", "payload": "/complain"},
    {"title": "转人工", "payload": "/request_human"},
]
DETAIL_NAMES = {"时长": "办理时限", "材料": "所需材料", "地址": "地址", "营业时间": "办公时间", "电话": "联系电话",
                "费用": "收费标准", "奖励金额": "奖励金额"}
# a follow-up ("那要多久？") is read with the topic answered in one of the previous two turns, never older
FOLLOW_UP_TURNS = 2


def user_turn(tracker: Tracker) -> int:
    """How many user messages this conversation has had, the current one included."""
    return sum(1 for e in tracker.events if e.get("event") == "user")


def previous_user_text(tracker: Tracker) -> str:
    """The user message before the current one (context for the unanswered log).

    The actions' one source for the previous message: read from the tracker's events, never kept in a slot.
    The `last_question` slot is something else: the last *answered* question as the engine understood it
    (its effective query, a follow-up already joined to its topic), which the events do not hold.
    """
    seen_current = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_current:
                return str(event.get("text") or "")
            seen_current = True
    return ""


def follow_up_context(tracker: Tracker) -> str | None:
    """The last answered question, if it was answered in one of the previous two turns."""
    question, turn = tracker.get_slot("last_question"), tracker.get_slot("last_question_turn")
    if not question or turn is None:
        return None
    try:
        age = user_turn(tracker) - int(float(turn))
    except (TypeError, ValueError):
        return None
    return question if 1 <= age <= FOLLOW_UP_TURNS else None


def declined_just_before(tracker: Tracker) -> bool:
    turn = tracker.get_slot("last_declined_turn")
    return turn is not None and user_turn(tracker) - int(float(turn)) == 1


def candidates(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": r["id"], "task": r["task"], "score": r["score"], "text": r["text"][:200]}
            for r in result.get("results", [])[:3]]


@dataclass
class Outcome:
    """What answering did: `kind` is answered | declined | error; `events` update the context slots."""

    kind: str
    events: list[dict[str, Any]] = field(default_factory=list)


class Answerer:
    """Search, then show a cited answer or an honest decline; logs what it could not answer."""

    def __init__(self, api: KnowledgeAPI):
        self.api = api

    async def search(self, tracker: Tracker, text: str) -> dict[str, Any]:
        return await self.api.search(text, k=4, context=follow_up_context(tracker))

    async def reply(self, dispatcher: CollectingDispatcher, tracker: Tracker, text: str,
                    result: dict[str, Any] | None = None, offer_complaint: bool = False,
                    log_decline: bool = True) -> Outcome:
        channel = (tracker.latest_message.get("metadata") or {}).get("channel", "chat")
        log_record = {"text": text, "sender": tracker.sender_id, "channel": channel,
                      "previous_turn": previous_user_text(tracker)}
        if result is None:
            try:
                result = await self.search(tracker, text)
            except ApiError:
                dispatcher.utter_message(**messages.declined(f"{API_DOWN_TEXT}{COVERAGE}", "api_error",
                                                             OFFER_BUTTONS).utter())
                await self.api.log_unanswered({**log_record, "reason": "api_error"})
                return Outcome("error", forget_topic(tracker))
        ex = result.get("explain", {})
        if ex.get("follow_up_shape") and not ex.get("follow_up") and declined_just_before(tracker):
            # "多久能办完？" right after a question the knowledge could not answer is about that question
            dispatcher.utter_message(**messages.declined(f"{FOLLOW_UP_OF_DECLINED}{COVERAGE}如需帮助，您可以：",
                                                         "follow_up_of_declined", OFFER_BUTTONS).utter())
            await self.api.log_unanswered({**log_record, "reason": "follow_up_of_declined",
                                           "candidates": candidates(result)})
            return Outcome("declined", forget_topic(tracker))
        if result["declined"]:
            if log_decline:
                self.decline(dispatcher, result)
                await self.api.log_unanswered({**log_record, "reason": result["reason"],
                                               "candidates": candidates(result)})
            return Outcome("declined", forget_topic(tracker))
        answer = result["answer"]
        citation = answer["citation"]
        dispatcher.utter_message(**messages.answer(answer["text"], citation, result.get("related", []),
                                                   answer.get("topic", ""), offer_complaint).utter())
        effective = result.get("explain", {}).get("effective_query") or text
        return Outcome("answered", [SlotSet("last_question", effective[:300]),
                                    SlotSet("last_question_turn", float(user_turn(tracker))),
                                    SlotSet("last_task", str(citation["task"])),
                                    SlotSet("pending_description", text[:2000] if offer_complaint else None)])

    @staticmethod
    def decline(dispatcher: CollectingDispatcher, result: dict[str, Any]) -> None:
        ex = result.get("explain", {})
        detail = DETAIL_NAMES.get(ex.get("missing_detail") or "", ex.get("missing_detail") or "")
        head = DECLINE_TEXT.get(result["reason"], DECLINE_TEXT["weak_evidence"]).format(
            place=ex.get("other_place") or "", detail=detail)
        dispatcher.utter_message(**messages.declined(f"{head}{COVERAGE}如需帮助，您可以：", result["reason"],
                                                     OFFER_BUTTONS).utter())


def forget_topic(tracker: Tracker) -> list[dict[str, Any]]:
    """A question that was not answered ends the follow-up context: "多久？" must not reach further back."""
    return [SlotSet("last_question", None), SlotSet("last_question_turn", None), SlotSet("last_task", None),
            SlotSet("last_declined_turn", float(user_turn(tracker)))]
