"""Answering questions from the knowledge API, with citation, related questions and follow-up context."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.complaint import complaint_start_events
from actions.knowledge_api import ApiError, KnowledgeAPI
from actions.wording import looks_like_question, sounds_like_grievance

COVERAGE = ("我可以解答新区营商环境政策问题，例如企业开办与注销、纳税、不动产登记、工程建设审批、"
            "融资、用工、纠纷解决、知识产权等。")
DECLINE_TEXT = {
    "other_place": "抱歉，我只能解答青岛西海岸新区的政策，“{place}”的政策请咨询当地政务服务部门。",
    "detail_not_covered": "抱歉，现有政策文件中没有给出您问的具体{detail}，我无法准确回答。",
    "weak_evidence": "抱歉，这个问题我在现有政策文件中没有找到可靠的答案。",
}
API_DOWN_TEXT = "抱歉，知识库暂时无法访问，您的问题已记录。"
OFFER_BUTTONS = [
    {"title": "向诉速办反映问题", "payload": "/complain"},
    {"title": "转人工", "payload": "/request_human"},
]
DETAIL_NAMES = {"时长": "办理时限", "材料": "所需材料", "地址": "地址", "营业时间": "办公时间", "电话": "联系电话",
                "费用": "收费标准", "奖励金额": "奖励金额"}


def previous_user_text(tracker: Tracker) -> str:
    """The user message before the current one (context for the unanswered log)."""
    seen_current = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_current:
                return str(event.get("text") or "")
            seen_current = True
    return ""


def candidates(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": r["id"], "task": r["task"], "score": r["score"], "text": r["text"][:200]}
            for r in result.get("results", [])[:3]]


class ActionAnswerQuestion(Action):
    """Retrieval answers with a citation or declines; declines and failures are logged for admins."""

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()

    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        if not text or text.startswith("/"):
            dispatcher.utter_message(text=COVERAGE)
            return []
        context = tracker.get_slot("last_question")
        channel = (tracker.latest_message.get("metadata") or {}).get("channel", "chat")
        log_record = {"text": text, "sender": tracker.sender_id, "channel": channel,
                      "previous_turn": previous_user_text(tracker)}
        try:
            result = await self.api.search(text, k=4, context=context)
        except ApiError:
            dispatcher.utter_message(text=f"{API_DOWN_TEXT}{COVERAGE}", buttons=OFFER_BUTTONS)
            await self.api.log_unanswered({**log_record, "reason": "api_error"})
            return []
        if result["declined"] and sounds_like_grievance(text) and not looks_like_question(text):
            # a grievance the NLU took for a question: start the complaint form instead of declining
            return [*await complaint_start_events(self.api, text), FollowupAction("complaint_form")]
        if result["declined"]:
            ex = result.get("explain", {})
            detail = DETAIL_NAMES.get(ex.get("missing_detail") or "", ex.get("missing_detail") or "")
            head = DECLINE_TEXT.get(result["reason"], DECLINE_TEXT["weak_evidence"]).format(
                place=ex.get("other_place") or "", detail=detail)
            dispatcher.utter_message(text=f"{head}{COVERAGE}如需帮助，您可以：", buttons=OFFER_BUTTONS,
                                     json_message={"type": "declined", "reason": result["reason"]})
            await self.api.log_unanswered({**log_record, "reason": result["reason"],
                                           "candidates": candidates(result)})
            # a follow-up that failed keeps the earlier topic; a new topic that failed clears it
            return [] if ex.get("follow_up") else [SlotSet("last_question", None), SlotSet("last_task", None)]
        answer = result["answer"]
        citation = answer["citation"]
        related = result.get("related", [])[:3]
        dispatcher.utter_message(
            text=f"{answer['text']}\n{citation['text']}",  # REST splits messages on blank lines
            buttons=[{"title": q, "payload": q} for q in related],
            json_message={"type": "answer", "answer": answer["text"], "citation": citation, "related": related,
                          "topic": answer.get("topic", "")},
        )
        effective = result.get("explain", {}).get("effective_query") or text
        return [SlotSet("last_question", effective[:300]), SlotSet("last_task", str(citation["task"]))]
