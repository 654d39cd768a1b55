"""Answering from the knowledge: search with the follow-up context, then a cited answer, an honest partial
answer ("方案中没有写明…", then the related rule) or an honest decline — one reply per part of a multi-part
question.

Used by `action_respond` outside forms and by the complaint form for a question asked on the side. Answers
that may be wrong (a rephrased question, a narrow margin) and partial answers reach the unanswered log, so
admins see them as well as the questions that were declined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_api import ApiError, KnowledgeAPI
from config import load_settings
from protocol import messages

COVERAGE = ("我可以解答新区营商环境政策问题，例如企业开办与注销、纳税、不动产登记、工程建设审批、"
            "融资、用工、纠纷解决、知识产权等。")
DECLINE_TEXT = {
    "other_place": "抱歉，我只能解答青岛西海岸新区的政策，“{place}”的政策请咨询当地政务服务部门。",
    "weak_evidence": "抱歉，这个问题我在现有政策文件中没有找到可靠的答案。",
    "unknown_object": "抱歉，现有政策文件中没有关于“{object}”的规定，这个问题我无法准确回答。",
}
FOLLOW_UP_OF_DECLINED = "抱歉，您前面问的问题在现有政策文件中没有找到答案，这一点我也无法准确回答。"
API_DOWN_TEXT = "抱歉，知识库暂时无法访问，您的问题已记录。"
OFFER_BUTTONS = [
    {"title": "向诉速办反映问题", "payload": "/complain"},
    {"title": "转人工", "payload": "/request_human"},
]
# a follow-up ("那要多久？") is read with the topic answered in one of the previous two turns, never older
FOLLOW_UP_TURNS = 2
# one part of a multi-part question the knowledge does not cover
PART_NOT_COVERED = "关于“{part}”：方案未提及，我无法准确回答。"
# an English question gets the Chinese passage with a one-line English lead-in
EN_LEAD = {"answered": "From {plan} (quoted in Chinese):",
           "partial": "{Plan} does not state this detail; the related rule (quoted in Chinese):"}
# rephrase: the next message repeats the question just answered (the answer did not help)
REPHRASE_SAME_TASK, REPHRASE_ANY_TASK = 0.5, 0.8
PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


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


def outcome_of(result: dict[str, Any]) -> str:
    """answered | partial | declined; an engine without `outcome` knows only answered and declined."""
    outcome = result.get("outcome")
    if outcome in ("answered", "partial", "declined"):
        return str(outcome)
    return "declined" if result.get("declined") else "answered"


def parts_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The parts of a multi-part question (2–3), or the result itself as its one part."""
    parts = [p for p in result.get("parts") or [] if isinstance(p, dict)]
    return parts if len(parts) >= 2 else [result]


def answerable(result: dict[str, Any] | None) -> bool:
    """Some part of the message gets an answer or a partial answer (not everything is declined)."""
    return result is not None and any(outcome_of(p) != "declined" for p in parts_of(result))


def top_task(result: dict[str, Any]) -> int | None:
    answer = result.get("answer") or {}
    task = (answer.get("citation") or {}).get("task")
    if task is None and result.get("results"):
        task = result["results"][0].get("task")
    return task


def similarity(a: str, b: str) -> float:
    """Dice overlap of character bigrams, punctuation and spacing ignored (Chinese has no word breaks)."""
    a, b = PUNCT.sub("", a.lower()), PUNCT.sub("", b.lower())
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    grams_a = {a[i:i + 2] for i in range(max(1, len(a) - 1))}
    grams_b = {b[i:i + 2] for i in range(max(1, len(b) - 1))}
    return 2 * len(grams_a & grams_b) / (len(grams_a) + len(grams_b))


def asked_slots(result: dict[str, Any]) -> list[str]:
    """The details the question asks for (时限, 费用, 材料 …), as the engine read them."""
    ex = result.get("explain") or {}
    slots = ex.get("slots")
    if isinstance(slots, list):
        return [str(x) for x in slots]
    return [str(ex["missing_detail"])] if ex.get("missing_detail") else []


def near_duplicate(previous: str, current: str, same_task: bool) -> bool:
    """The same question asked again in other words: high overlap on the same task, or very high anyway."""
    sim = similarity(previous, current)
    return sim >= (REPHRASE_SAME_TASK if same_task else REPHRASE_ANY_TASK)


def english_lead(kind: str, answer: dict[str, Any]) -> str:
    """"From the 2023 plan (quoted in Chinese):" — the year of the cited document."""
    citation = answer.get("citation") or {}
    year = re.search(r"(\d{4})年", str(citation.get("doc_title") or ""))
    found = year.group(1) if year else str(citation.get("date") or "")[:4]
    plan = f"the {found} plan" if found.isdigit() else "the plan"
    return EN_LEAD[kind].format(plan=plan, Plan=plan[0].upper() + plan[1:])


def other_version_head(part: dict[str, Any], missing: str) -> str:
    """"2024年的方案…": say which plan the knowledge holds (its year and 成文日期) before quoting it."""
    citation = (part.get("answer") or {}).get("citation") or {}
    year = re.search(r"(\d{4})年", str(citation.get("doc_title") or ""))
    if part.get("reason") != "other_version" or not year or not citation.get("date"):
        return ""
    return messages.OTHER_VERSION_LEAD.format(held=f"{year.group(1)}年的方案", date=citation["date"], missing=missing)


@dataclass
class Outcome:
    """What answering did: `kind` is answered | partial | declined | error; `events` update the context slots."""

    kind: str
    events: list[dict[str, Any]] = field(default_factory=list)


class Answerer:
    """Search, then show a cited answer, a partial answer or an honest decline (per part of the message);
    logs what it could not answer, its partial answers and the answers that look wrong."""

    def __init__(self, api: KnowledgeAPI, settings: dict[str, Any] | None = None):
        self.api = api
        answers = (settings or api.settings or load_settings()).get("answers") or {}
        self.low_margin = float(answers.get("low_margin", 0.0) or 0.0)

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
        await self.check_rephrase(tracker, text, result, log_record)
        parts = parts_of(result)
        if not answerable(result):
            if log_decline:
                self.decline(dispatcher, result)
                await self.api.log_unanswered({**log_record, "reason": result["reason"],
                                               "candidates": candidates(result)})
            return Outcome("declined", forget_topic(tracker))
        topic: dict[str, Any] | None = None
        kinds = []
        for part in parts:
            kind = outcome_of(part)
            kinds.append(kind)
            part_text = text if len(parts) == 1 else str(part.get("query") or text)
            record = {**log_record, "text": part_text, "candidates": candidates(part)}
            if kind == "declined":
                dispatcher.utter_message(**messages.declined(
                    PART_NOT_COVERED.format(part=part_text[:60]), str(part.get("reason") or "weak_evidence")).utter())
                await self.api.log_unanswered({**record, "reason": str(part.get("reason") or "declined")})
                continue
            # the 向诉速办反映 button once, under the first cited reply
            lang = result.get("lang") or part.get("lang")
            self.cited(dispatcher, part, kind, lang, offer_complaint and topic is None)
            if kind == "partial":
                # a knowledge gap: the topic is covered, the asked-for detail is not
                await self.api.log_unanswered({**record, "reason": f"partial:{part.get('reason') or 'partial'}"})
            elif self.low_margin_answer(part):
                await self.api.log_unanswered({**record, "reason": "low_margin"})
            if topic is None:
                topic = part
        assert topic is not None
        answer = topic["answer"]
        effective = (topic.get("explain") or {}).get("effective_query") or (
            text if len(parts) == 1 else str(topic.get("query") or text))
        kind = "answered" if "answered" in kinds else "partial"
        return Outcome(kind, [SlotSet("last_question", effective[:300]),
                              SlotSet("last_question_turn", float(user_turn(tracker))),
                              SlotSet("last_task", str(answer["citation"].get("task"))),
                              SlotSet("pending_description", text[:2000] if offer_complaint else None)])

    @staticmethod
    def cited(dispatcher: CollectingDispatcher, part: dict[str, Any], kind: str, lang: str | None,
              offer_complaint: bool) -> None:
        """One cited reply: an answer, or a partial answer that says what the plan does not state; both list
        the related passages of other documents the engine found (其他文件的相关规定)."""
        answer = part["answer"]
        lead = english_lead(kind, answer) if lang == "en" else ""
        related = part.get("related", [])
        others = answer.get("others") or []  # passages of other documents than the cited one
        if kind == "partial":
            rule = str(answer.get("rule") or answer.get("basis") or answer["text"])
            missing = str(answer.get("missing") or "具体内容")
            reply = messages.partial(missing, rule, answer["citation"], related, answer.get("topic", ""), lead=lead,
                                     head=other_version_head(part, missing), others=others)
        else:
            reply = messages.answer(answer["text"], answer["citation"], related, answer.get("topic", ""),
                                    offer_complaint, lead=lead, basis=str(answer.get("basis") or ""), others=others)
        dispatcher.utter_message(**reply.utter())

    def low_margin_answer(self, part: dict[str, Any]) -> bool:
        """Answered, but the best task barely beat another one: maybe the wrong one."""
        margin = (part.get("explain") or {}).get("margin")
        return isinstance(margin, (int, float)) and margin < self.low_margin

    async def check_rephrase(self, tracker: Tracker, text: str, result: dict[str, Any],
                             log_record: dict[str, Any]) -> None:
        """The question answered just before, asked again in other words: that answer did not help."""
        turn = tracker.get_slot("last_question_turn")
        try:
            just_answered = turn is not None and user_turn(tracker) - int(float(turn)) == 1
        except (TypeError, ValueError):
            just_answered = False
        previous = log_record["previous_turn"]
        if not just_answered or not previous or text.startswith("/"):
            return
        same_task = str(top_task(result)) == str(tracker.get_slot("last_task"))
        if not near_duplicate(previous, text, same_task):
            return
        if similarity(previous, text) < 1.0:
            # "出口退税要多久" → "出口退税要什么材料" shares the words but asks for another detail: a new question
            try:
                before = await self.api.search(previous, k=1)
            except ApiError:
                return
            if set(asked_slots(before)) != set(asked_slots(result)):
                return
        await self.api.log_unanswered({**log_record, "text": previous, "previous_turn": "",
                                       "reason": "rephrased", "candidates": candidates(result)})

    @staticmethod
    def decline(dispatcher: CollectingDispatcher, result: dict[str, Any]) -> None:
        ex = result.get("explain", {})
        head = DECLINE_TEXT.get(result["reason"], DECLINE_TEXT["weak_evidence"]).format(
            place=ex.get("other_place") or "", object="、".join(ex.get("unknown_objects") or []))
        dispatcher.utter_message(**messages.declined(f"{head}{COVERAGE}如需帮助，您可以：", result["reason"],
                                                     OFFER_BUTTONS).utter())


def forget_topic(tracker: Tracker) -> list[dict[str, Any]]:
    """A question that was not answered ends the follow-up context: "多久？" must not reach further back."""
    return [SlotSet("last_question", None), SlotSet("last_question_turn", None), SlotSet("last_task", None),
            SlotSet("last_declined_turn", float(user_turn(tracker)))]
