"""The reply messages the widget understands, their builders, and Rasa's output turned into them.

An action utters a reply as text + buttons (what every channel shows) plus a `card`: the widget's fields
for that message type. Rasa's REST channel sends the card as a separate "custom" message right after the
text; `to_widget` merges the two back into one widget message. So the shape of a message type is written
here once, and `web/static/widget.js` reads it; nothing in between names its fields.

Message types (`type` of each message in `/api/chat`'s `messages`):

| type     | from                   | fields beyond text, buttons                                               |
|----------|------------------------|---------------------------------------------------------------------------|
| answer   | `answer()`             | answer, basis?, citation, others?, related, topic, offer_complaint, lead? |
| partial  | `partial()`            | missing, rule, answer, citation, others?, related, topic, lead?           |
| declined | `declined()`           | reason                                                                    |
| form     | `form()`               | form (complaint / ticket), step                                           |
| ticket   | `ticket()`             | ticket (public view: ticket_no, status, status_label, …)                  |
| handoff  | `handoff()`            | status (waiting / active / …)                                             |
| text     | `text()`               | —                                                                         |
| error    | the gateway (web/chat) | — (Rasa or the action server could not answer)                            |

`others` (a knowledge base of several documents): up to two passages of OTHER documents than the cited one
that match too, each `{"text", "citation"}` with a citation of the same shape; shown under the citation as
其他文件的相关规定. Absent when there are none.

Stdlib only, Python 3.10: the action server imports it as well as the web service.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict


class Button(TypedDict):
    """A quick reply: `payload` is sent as the user's message when it is clicked ("/complain" = an intent)."""

    title: str
    payload: str


class Citation(TypedDict, total=False):
    """Where an answer comes from, as `/api/search` returns it (index/engine.py `citation`)."""

    doc_id: str
    doc_title: str
    number: str | None
    issuer: str | None
    section: str
    section_label: str
    task: int | None
    task_title: str
    date: str
    effective: str | None
    expires: str | None
    validity: str | None  # 有效 / 失效 / …
    level: str | None  # 西海岸新区 / 青岛市 / 山东省 / 国家
    replaces: list[str]  # titles of the documents this one replaces
    text: str  # "来源：《…》（…） · 二、… · 第N项任务 · 成文日期 … · 有效"


class Other(TypedDict):
    """A related passage of another document than the cited one (其他文件的相关规定)."""

    text: str
    citation: Citation


# The card types: Rasa's "custom" message of these types belongs to the text message before it.
ANSWER, PARTIAL, DECLINED, FORM, TICKET, HANDOFF = "answer", "partial", "declined", "form", "ticket", "handoff"
CARD_TYPES = (ANSWER, PARTIAL, DECLINED, FORM, TICKET, HANDOFF)
TEXT, ERROR = "text", "error"  # no card: text (and buttons) only
# what a question may get: an answer, a partial answer or a decline (never a form)
QUESTION_REPLY_TYPES = frozenset({ANSWER, PARTIAL, DECLINED})

COMPLAIN_BUTTON: Button = {"title": "向诉速办反映", "payload": "/complain"}
PARTIAL_LEAD = "方案中没有写明{missing}。相关规定："
BASIS_LABEL = "依据："  # before the verbatim quote behind a plain-language answer
OTHERS_LABEL = "其他文件的相关规定："  # before the other documents' passages in the plain text
OTHERS_MAX = 2
# a question about another year or version than the knowledge holds ("2024年的方案")
OTHER_VERSION_LEAD = "知识库中收录的是{held}（成文日期 {date}），没有{missing}。该方案的相关规定："


@dataclass(frozen=True)
class Reply:
    """One bot message as an action sends it: `dispatcher.utter_message(**reply.utter())`."""

    text: str
    buttons: list[Button] = field(default_factory=list)
    card: dict[str, Any] | None = None  # {"type": one of CARD_TYPES, …the type's fields}

    def utter(self) -> dict[str, Any]:
        """Keyword arguments for rasa-sdk's `CollectingDispatcher.utter_message`."""
        kwargs: dict[str, Any] = {"text": self.text, "buttons": [dict(b) for b in self.buttons]}
        if self.card is not None:
            kwargs["json_message"] = dict(self.card)
        return kwargs

    def widget(self) -> dict[str, Any]:
        """The message the widget receives for this reply (what `to_widget` makes of Rasa's output)."""
        return to_widget(rasa_output(self))[0]


def buttons_of(pairs: Iterable[tuple[str, str]]) -> list[Button]:
    return [{"title": title, "payload": payload} for title, payload in pairs]


def text(body: str, buttons: Sequence[Button] = ()) -> Reply:
    """Plain text (short talk, a remark, a notice), with optional quick replies."""
    return Reply(body, list(buttons))


def _with_lead(lead: str, body: str) -> str:
    return f"{lead}\n{body}" if lead else body


def _others(others: Iterable[Other | dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The usable other-document passages: a text and a citation with its source line, at most OTHERS_MAX."""
    out: list[dict[str, Any]] = []
    for o in others or ():
        if not isinstance(o, dict) or not isinstance(o.get("citation"), dict):
            continue
        passage, source = str(o.get("text") or "").strip(), str(o["citation"].get("text") or "").strip()
        if passage and source:
            out.append({"text": passage, "citation": dict(o["citation"])})
    return out[:OTHERS_MAX]


def _with_others(body: str, others: list[dict[str, Any]]) -> str:
    """The plain text's tail: "其他文件的相关规定：" then each passage and its 来源 line."""
    if not others:
        return body
    lines = [OTHERS_LABEL] + [f"· {o['text']}\n{o['citation']['text']}" for o in others]
    return body + "\n" + "\n".join(lines)


def answer(answer_text: str, citation: Citation | dict[str, Any], related: Sequence[str] = (), topic: str = "",
           offer_complaint: bool = False, lead: str = "", basis: str = "",
           others: Iterable[Other | dict[str, Any]] | None = None) -> Reply:
    """A cited answer: the passage, its source line, up to three related questions (also as buttons, for
    channels without chips) and, for a grievance the knowledge answers, a 向诉速办反映 button. `lead` is a
    line shown before the passage (an English question gets an English lead-in to the Chinese answer).
    `basis` is the verbatim quote behind a plain-language answer (a curated FAQ entry's 依据): shown after
    the answer as "依据：…", so the user can check the plain words against the document; "" when the
    answer itself is the quote. `others`: related passages of other documents (see the module doc), after
    the source line in the text."""
    related = list(related)[:3]
    buttons = [{"title": q, "payload": q} for q in related]
    if offer_complaint:
        buttons.append(dict(COMPLAIN_BUTTON))
    card: dict[str, Any] = {"type": ANSWER, "answer": answer_text, "citation": citation, "related": related,
                            "topic": topic, "offer_complaint": offer_complaint}
    basis = basis.strip()
    if basis:
        card["basis"] = basis
    shown_others = _others(others)
    if shown_others:
        card["others"] = shown_others
    if lead:
        card["lead"] = lead
    body = f"{answer_text}\n{BASIS_LABEL}{basis}" if basis else answer_text
    return Reply(_with_lead(lead, _with_others(f"{body}\n{citation['text']}", shown_others)), buttons, card)


def partial(missing: str, answer_text: str, citation: Citation | dict[str, Any], related: Sequence[str] = (),
            topic: str = "", lead: str = "", head: str = "",
            others: Iterable[Other | dict[str, Any]] | None = None) -> Reply:
    """The plan does not state the detail asked for ("方案中没有写明办理时限"), but a related rule exists:
    say so, then show that rule with its citation. `answer` is what the card shows above the citation (as
    for an answer), so the widget renders both cited types alike; `rule` is the cited passage alone.
    `head` replaces the standard opening when there is more to say (which plan the knowledge holds).
    `others`: as for an answer."""
    related = list(related)[:3]
    shown = (head or PARTIAL_LEAD.format(missing=missing)) + answer_text
    card: dict[str, Any] = {"type": PARTIAL, "missing": missing, "rule": answer_text, "answer": shown,
                            "citation": citation, "related": related, "topic": topic}
    shown_others = _others(others)
    if shown_others:
        card["others"] = shown_others
    if lead:
        card["lead"] = lead
    return Reply(_with_lead(lead, _with_others(f"{shown}\n{citation['text']}", shown_others)),
                 [{"title": q, "payload": q} for q in related], card)


def declined(body: str, reason: str, buttons: Sequence[Button] = ()) -> Reply:
    """An honest decline; `reason` is the engine's (weak_evidence, other_place, detail_not_covered) or
    the assistant's own (api_error, follow_up_of_declined)."""
    return Reply(body, list(buttons), {"type": DECLINED, "reason": reason})


def form(body: str, form_name: str, step: str, buttons: Sequence[Button] = ()) -> Reply:
    """A form's question: the widget and the evaluation follow `form`/`step`, never the wording."""
    return Reply(body, list(buttons), {"type": FORM, "form": form_name, "step": step})


def ticket(body: str, ticket_view: dict[str, Any]) -> Reply:
    """A ticket filed or looked up; `ticket_view` is the web service's public view (no phone, no notes)."""
    return Reply(body, [], {"type": TICKET, "ticket": ticket_view})


def handoff(body: str, status: str) -> Reply:
    """The conversation is queued for (or taken by) a hotline agent; the widget follows the handoff."""
    return Reply(body, [], {"type": HANDOFF, "status": status})


def rasa_output(reply: Reply) -> list[dict[str, Any]]:
    """What Rasa's REST channel sends for one uttered reply: the text message, then the card apart."""
    out: list[dict[str, Any]] = [{"text": reply.text, **({"buttons": reply.buttons} if reply.buttons else {})}]
    if reply.card is not None:
        out.append({"custom": dict(reply.card)})
    return out


def to_widget(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rasa REST messages → widget messages; a card (custom payload) enriches the text message before it."""
    out: list[dict[str, Any]] = []
    for m in raw:
        custom = m.get("custom")
        if isinstance(custom, dict) and out and custom.get("type") in CARD_TYPES:
            out[-1].update({k: v for k, v in custom.items() if k != "type"})
            out[-1]["type"] = custom["type"]
            continue
        msg: dict[str, Any] = {"type": TEXT, "text": m.get("text", "")}
        if m.get("buttons"):
            msg["buttons"] = [{"title": b.get("title", ""), "payload": b.get("payload", "")} for b in m["buttons"]]
        if isinstance(custom, dict):  # a payload of its own: its fields, its type if it has one
            msg.update(custom)
        if m.get("image"):
            msg["image"] = m["image"]
        out.append(msg)
    return out
