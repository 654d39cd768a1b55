"""Free-text messages outside a form: answer from the knowledge, decline honestly, or open the complaint form.

One action decides (`action_respond`), so one user message gets one reply: the NLU intent, the
wording cues and the retrieval result are weighed here instead of in chains of follow-up actions.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.answering import COVERAGE, Answerer, answerable
from actions.complaint import start_complaint_events
from actions.knowledge_api import ApiError, KnowledgeAPI
from actions.wording import (
    asks_question,
    grievance_strength,
    looks_like_question,
    sounds_like_grievance,
    wants_to_complain,
)
from protocol import messages

GREET_TEXT = ("您好！我是青岛西海岸新区营商环境智能助手。我可以解答企业开办、纳税、不动产登记、工程建设、融资、"
              "纠纷解决等营商环境政策问题（每条回答都注明出处），也可以帮您向“诉速办”反映问题、查询工单进度。"
              "请问有什么可以帮您？")
CHITCHAT_TEXT = "谢谢您的关心😊 我主要负责解答新区营商环境政策问题、受理企业诉求。您有政策方面的问题可以直接问我。"
INFORM_TEXT = ("收到。请问有什么可以帮您？您可以直接提问政策问题，或者说“我要投诉”向“诉速办”反映问题。")
FALLBACK_TEXT = ("抱歉，我没有理解您的意思。您可以直接提问营商环境政策问题，或者说“我要投诉”向诉速办反映问题、"
                 "“转人工”联系人工客服。")
MENU_BUTTONS: list[messages.Button] = [{"title": "我要反映问题", "payload": "/complain"},
                                       {"title": "查询工单进度", "payload": "/ticket_status"}]
GREET_BUTTONS = [{"title": "企业注销要跑几个部门", "payload": "企业注销要跑几个部门"}, *MENU_BUTTONS]
ANYTHING_ELSE_TEXT = "好的。还有什么可以帮您？"
# short talk: the reply for an intent when the message carries no question the knowledge answers
SHORT_TALK: dict[str, tuple[str, list[messages.Button]]] = {
    "greet": (GREET_TEXT, GREET_BUTTONS),
    "goodbye": ("感谢您的咨询，祝您生意兴隆！如有需要随时找我。", []),
    "thanks": ("不客气！还有其他问题可以继续问我。", []),
    "bot_challenge": ("我是青岛西海岸新区营商环境智能助手（机器人），回答依据新区公开的政策文件。"
                      "需要人工服务可以点“转人工”或拨打12345热线。", []),
    "affirm": (ANYTHING_ELSE_TEXT, []),
    "deny": (ANYTHING_ELSE_TEXT, []),
    "cancel": ("好的，当前没有正在办理的事项。还有什么可以帮您？", []),
    "hold": ("好的，您慢慢来，需要时随时找我。", []),
    "chitchat": (CHITCHAT_TEXT, MENU_BUTTONS),
    "inform": (INFORM_TEXT, MENU_BUTTONS),
}
# "你好" / "谢谢" / "等一下" are answered as such; a longer message may carry a question and is searched
SHORT_TALK_CHARS = 12
class ActionRespond(Action):
    """The reply to every free-text message outside a form.

    - a clear wish to complain ("我要投诉", a grievance stated rather than asked) opens the form;
    - a question the knowledge answers is answered first, with a 向诉速办反映 button if it also
      sounds like a grievance;
    - small talk and bare facts ("张经理") get a short reply instead of a decline.
    """

    def __init__(self) -> None:
        self.api = KnowledgeAPI.shared()
        self.answerer = Answerer(self.api)

    def name(self) -> str:
        return "action_respond"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        if text.startswith("/"):  # a button payload: the intent is all there is
            if intent == "complain":
                return await start_complaint_events(self.api, tracker.get_slot("pending_description") or "", "")
            return self.short_talk(dispatcher, intent) if intent in SHORT_TALK else self.menu(dispatcher)
        explicit, grievance, question = wants_to_complain(text), sounds_like_grievance(text), looks_like_question(text)
        if explicit and not question:
            return await start_complaint_events(self.api, text, text)
        if (intent in SHORT_TALK and intent not in ("chitchat", "inform") and not grievance and not question
                and len(text.strip(" ，。,.!！?？~")) <= SHORT_TALK_CHARS):
            return self.short_talk(dispatcher, intent)
        try:
            result = await self.answerer.search(tracker, text)
        except ApiError:
            result = None
        declined = not answerable(result)  # a partial answer, or one part answered, is no decline
        # a grievance stated, not asked: 诉速办 takes it when the knowledge has no answer or when several
        # grievance cues make it plain; otherwise the answer comes first, with a 向诉速办反映 button
        statement = grievance and not asks_question(text)
        if (explicit and declined) or (statement and (declined or grievance_strength(text) >= 2)):
            return await start_complaint_events(self.api, text, text)
        if result is not None and declined and intent in SHORT_TALK and (
                intent not in ("chitchat", "inform") or not question):
            # small talk, or a bare fact such as "张经理" given outside the form: no decline, no log
            return self.short_talk(dispatcher, intent)
        outcome = await self.answerer.reply(dispatcher, tracker, text, result, offer_complaint=explicit or grievance)
        return outcome.events

    @staticmethod
    def short_talk(dispatcher: CollectingDispatcher, intent: str) -> list[dict[str, Any]]:
        reply, buttons = SHORT_TALK[intent]
        dispatcher.utter_message(**messages.text(reply, buttons).utter())
        return []

    @staticmethod
    def menu(dispatcher: CollectingDispatcher) -> list[dict[str, Any]]:
        dispatcher.utter_message(**messages.text(COVERAGE, MENU_BUTTONS).utter())
        return []


class ActionFallback(Action):
    """RulePolicy's core fallback: a polite reply that ends the turn.

    It only runs in a state no rule foresaw; the explicit listen keeps the policy from predicting
    the fallback again (and again) after itself.
    """

    def name(self) -> str:
        return "action_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        dispatcher.utter_message(**messages.text(FALLBACK_TEXT, MENU_BUTTONS).utter())
        return [FollowupAction("action_listen")]
