"""Multi-turn evaluation and load through the chat gateway of a running stack.

    python -m web.tools.evaldialogue eval [--url …] [--sessions 200] [--seed 7] [--concurrency 4]
                                          [--failures] [--only ID …]
    python -m web.tools.evaldialogue load [--url …] [--rasa-url …] [--sessions 20] [--seconds 60] [--sweep]
    python -m web.tools.evaldialogue show [--seed 7] [--only ID …]      # print the generated scripts, no stack needed

`eval` runs scripted and randomised sessions (seeded) of 4–10 turns: questions, follow-ups, declined
questions, chitchat, complaints finished by a user who only types and by one who clicks, cancels at any
step, ticket status, handoff. The simulated user follows the conversation contract, not today's wording:
it reads the message types and the `step` of the last form message of every reply and answers what is
asked. The last line is one JSON object (sessions, turns, dead_sessions, empty_replies, repeated_replies,
complaint_sessions, tickets_created, p50_ms, p95_ms, and a few more); before it, a breakdown of what
went wrong and, with --failures, the transcript of every failed session (rerun one with --only ID).
A dead session has a turn with an HTTP error, a degraded reply (`degraded`, an error message, or a
decline because the knowledge API failed: reason api_error) or an empty one (no message with text; a
reply routed to the agent queue after this session's handoff is expected, not empty). A repeated reply
has the same message (type and text) twice in one reply. A reply identical to the turn before is reported
apart (`same_as_previous_turn`: a follow-up answered with the previous passage word for word); two
different questions both declined with the same wording are not counted (that is retrieval's business,
`make eval-chat`). Tickets are the numbers of "ticket" messages: one must come back when a finishable
complaint (the user goes to the end and confirms) is confirmed, none anywhere else.

`load` keeps N sessions going at once for a while, each sender sending one message every
60/`web.rate_limit_per_minute` seconds (its rate limit, never faster; a 429 is an HTTP error), with a
bare Rasa REST round trip of a canned intent measured in the same run; it starts the stack when nothing
answers at --url (like `make bench-chat`, but with the real rate limit). --sweep raises N until p95
passes 1.5 s and prints the table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import yaml

from config import ROOT, load_settings, resolve_path
from index.evaluate import load_questions, percentile
from protocol.messages import ANSWER, DECLINED, ERROR, FORM, HANDOFF, QUESTION_REPLY_TYPES, TICKET
from protocol.patterns import TICKET_NO_IN_TEXT_RE
from web.tools.evalchat import post_chat, rasa_round_trip, running_stack, stack_up

STEPS = ("company", "contact", "phone", "description", "category", "location", "confirm")
# a decline because the knowledge API failed (timeout, down) is a degraded reply, not a decision
FAILED_DECLINES = {"api_error"}
QUESTION_FILES = (ROOT.parent / "shared" / "eval" / "dev.jsonl", ROOT / "tests" / "data" / "eval_extra.jsonl")
MIN_TURNS, MAX_TURNS = 4, 10
P95_LIMIT_MS = 1500.0

# what a reply is -------------------------------------------------------------------------------------
# The shape of /api/chat: {"messages": [{"type", "text", "buttons", …the type's fields}], "degraded",
# "handoff"?}, message types as in protocol/messages.py. A reply routed to the agent queue after a handoff
# has no messages and a "handoff" status.

Send = Callable[[str, str], Awaitable[tuple[int, dict[str, Any], float]]]


def form_step(messages: list[dict[str, Any]], form: str = "complaint") -> str | None:
    """The step of the last form message of `form` in a reply (None when the reply asks nothing)."""
    for m in reversed(messages):
        if m.get("type") == FORM and m.get("form") == form:
            return str(m.get("step") or "")
    return None


def ticket_numbers(messages: list[dict[str, Any]]) -> set[str]:
    """The ticket numbers a reply shows as tickets (type "ticket": its ticket_no and numbers in its text);
    a number elsewhere, like the example in "格式如 SSB-20261128-0001", is no ticket."""
    found: set[str] = set()
    for m in messages:
        if m.get("type") != TICKET:
            continue
        t = m.get("ticket")
        if isinstance(t, dict) and t.get("ticket_no"):
            found.add(str(t["ticket_no"]))
        found.update(TICKET_NO_IN_TEXT_RE.findall(str(m.get("text") or "")))
    return found


def signature(messages: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(m.get("type")), str(m.get("text") or "").strip()) for m in messages)


def describe(messages: list[dict[str, Any]]) -> str:
    """A one-line view of a reply for transcripts: types, steps, cited task, first text."""
    parts = []
    for m in messages:
        kind = str(m.get("type"))
        if kind == FORM:
            kind = f"form:{m.get('form')}/{m.get('step')}"
        elif kind == ANSWER and isinstance(m.get("citation"), dict):
            kind = f"answer(task {m['citation'].get('task')})"
        elif kind == DECLINED:
            kind = f"declined({m.get('reason', '')})"
        parts.append(kind)
    text = next((str(m.get("text") or "") for m in messages if m.get("text")), "")
    text = text.replace("\n", " ")
    return f"{' + '.join(parts) or '(no messages)'}  “{text[:70]}{'…' if len(text) > 70 else ''}”"


# what the simulated user does ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """One message of the simulated user.

    `click` names a button (see BUTTONS): when the previous reply offers one, its payload is sent,
    otherwise `text` is typed. `alt` is typed instead of `text` when the category prompt offers no
    suggestion to accept (a typing user answering "是" needs something to agree with). `expect` names the
    check the reply must pass (see Conversation.judge)."""

    text: str
    expect: str = "reply"
    click: str | None = None
    alt: str | None = None
    note: str = ""


@dataclass
class Complaint:
    """A complaint form driven by the `step` of each reply: `answers[step]` is what the user says on the
    1st, 2nd … visit of that step (a step asked more often than scripted gets the persona's value)."""

    opener: Say
    answers: dict[str, list[Say]]
    persona: dict[str, str]
    finishes: bool
    clicks: bool

    @property
    def turns(self) -> int:
        return 1 + sum(len(v) for v in self.answers.values())

    def fallback(self, step: str) -> Say | None:
        if step == "confirm":
            return (Say("确认", "ticket", click="submit" if self.clicks else None, note="confirm")
                    if self.finishes else Say("取消", "closed", note="cancel"))
        if step == "category":
            return _accept_category(self.clicks, self.persona["category"])
        if step in self.persona:
            click = {"location": "none", "company": "personal"}.get(step) if self.clicks else None
            return Say(self.persona[step], "advance", click=click)
        return None


@dataclass(frozen=True)
class Status:
    """Ticket status: "我的投诉到哪了" (mine) or "查询工单 <number>" (this conversation's ticket, else
    `unknown`); when the bot asks for the number (form ticket, step ticket_id) the user gives one."""

    mine: bool
    unknown: str
    phrase: str = ""

    def turns(self, has_ticket: bool) -> int:
        return 1 if (has_ticket or not self.mine) else 2


Block = Say | Complaint | Status


@dataclass
class Session:
    sid: str
    kind: str  # scripted | random
    title: str
    tags: tuple[str, ...]
    blocks: list[Block]

    @property
    def turns(self) -> int:
        n, filed = 0, False
        for b in self.blocks:
            if isinstance(b, Complaint):
                n += b.turns
                filed = filed or b.finishes
            elif isinstance(b, Status):
                n += b.turns(filed)
            else:
                n += 1
        return n

    @property
    def complaints(self) -> list[Complaint]:
        return [b for b in self.blocks if isinstance(b, Complaint)]

    def script(self) -> str:
        """The session as a readable script (what a developer replays by hand)."""
        lines = [f"{self.sid} [{self.kind}] {self.title}  tags: {', '.join(self.tags)}  ({self.turns} turns)"]
        for b in self.blocks:
            if isinstance(b, Say):
                lines.append(f"  say {_say_text(b)}")
            elif isinstance(b, Status):
                asked = b.phrase or (MINE[0] if b.mine else BY_NUMBER[0])
                lines.append(f"  status {asked.format(no='<this ticket or ' + b.unknown + '>')}")
            else:
                lines.append(f"  complaint ({'clicks' if b.clicks else 'types'}, "
                             f"{'confirms' if b.finishes else 'does not finish'}): {_say_text(b.opener)}")
                for step in STEPS:
                    if b.answers.get(step):
                        lines.append(f"    {step:<11} " + " | ".join(_say_text(s) for s in b.answers[step]))
        return "\n".join(lines)


def _say_text(s: Say) -> str:
    out = s.text + (f" [click {s.click}]" if s.click else "") + (f" [or {s.alt}]" if s.alt else "")
    return out + (f" ({s.note})" if s.note else "")


BUTTONS: dict[str, Callable[[dict[str, str]], bool]] = {
    "affirm": lambda b: b["payload"] == "/affirm",
    "submit": lambda b: b["payload"] == "/affirm" or any(w in b["title"] for w in ("确认", "提交")),
    "cancel": lambda b: b["payload"].startswith("/cancel") or "取消" in b["title"],
    "none": lambda b: b["title"].strip() in ("无", "没有", "跳过", "不涉及", "暂无"),
    "personal": lambda b: "个人" in b["title"],
    "complain": lambda b: b["payload"] == "/complain",
    "human": lambda b: b["payload"] == "/request_human",
    "related": lambda b: bool(b["payload"]) and not b["payload"].startswith("/"),
    # a category: accept the suggestion when one is offered, else the first category button
    "category": lambda b: b["payload"] == "/affirm" or not b["payload"].startswith("/"),
}


def pick_button(messages: list[dict[str, Any]], selector: str) -> dict[str, str] | None:
    buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
               for m in messages for b in (m.get("buttons") or []) if isinstance(b, dict)]
    if selector == "category":
        wanted = [b for b in buttons if b["payload"] == "/affirm"] or [b for b in buttons if BUTTONS[selector](b)]
    else:
        wanted = [b for b in buttons if BUTTONS[selector](b)]
    return wanted[0] if wanted else None


# pools ----------------------------------------------------------------------------------------------------

FOLLOW_UPS = ["那要多久？", "需要什么材料？", "在哪里办理？", "有什么条件？", "能在网上办吗？", "要收费吗？"]
CHITCHAT = ["你好", "您好", "在吗", "你是谁", "你是机器人吗", "你能帮我做什么"]
THANKS = ["谢谢", "好的，谢谢", "明白了，多谢", "谢谢你", "好的，我知道了"]
COMPANIES = ["青岛海川科技有限公司", "青岛西海岸新区鑫源食品有限公司", "青岛蓝湾物流有限公司", "个人",
             "青岛新港湾机械制造有限公司", "青岛灵山湾文化传媒有限公司", "青岛琅琊台酒业有限公司"]
CONTACTS = ["张经理", "李女士", "王先生", "刘总", "赵会计", "孙主任", "陈女士"]
LOCATIONS = ["黄岛区长江中路街道", "灵山卫街道便民服务中心", "辛安街道", "中德生态园", "区政务服务大厅三楼", "隐珠街道"]
# a description and the category its author would name
DESCRIBED = {"窗口工作人员让我跑了五趟还没办成": "政务服务", "物业乱收停车费，一个月多收了三百块": "市政公用",
             "申请的政策奖补半年了没有任何回复": "政策兑现", "工地夜里十二点还在施工，噪音特别大": "执法监管",
             "办营业执照变更，材料交了三次还说不全": "政务服务", "公司被拖欠的工程款一直没人管": "司法与纠纷"}
DESCRIPTIONS = list(DESCRIBED)
BARE_OPENERS = ["我要投诉"]
CANCELS = ["取消", "取消投诉", "算了，取消吧"]
CONFIRMS = ["确认", "提交", "确认提交", "好的"]
ACCEPTS = ["是", "对", "确认"]
WAITS = ["等一下", "等一下，我再看看"]
TYPED_HANDOFF = ["转人工", "转人工客服", "我要转人工"]
MINE = ["我的投诉到哪了", "我的投诉处理到哪了"]
BY_NUMBER = ["查询工单 {no}", "帮我查询一下工单 {no} 的进度"]
QUESTION_SHAPED = re.compile(r"[？?吗呢]|怎么|多久|几|哪|什么|是否|能不能|可以")
MID_FORM_STEPS = ("company", "contact", "phone", "confirm")  # steps whose answers are not free descriptions


@dataclass
class Pools:
    questions: list[str]
    declines: list[str]
    grievances: list[str]
    categories: list[str]

    @classmethod
    def load(cls, files: tuple[Path, ...] = QUESTION_FILES) -> Pools:
        cases = [c for f in files if f.exists() for c in load_questions(f)]
        routing = yaml.safe_load(resolve_path(load_settings()["susuban"]["routing"]).read_text(encoding="utf-8"))
        cats = [c for c in routing.get("categories", {}) if c != routing.get("default")]
        pools = cls(questions=[c["q"] for c in cases if "tasks" in c],
                    declines=[c["q"] for c in cases if c.get("expect") == "decline"],
                    grievances=[c["q"] for c in cases if c.get("expect") == "complaint"],
                    categories=cats)
        if not (pools.questions and pools.declines and pools.grievances and pools.categories):
            raise ValueError(f"question files {', '.join(map(str, files))} lack questions, declines or complaints")
        return pools


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10 ** 9):09d}"


def _landline(rng: random.Random) -> str:
    return f"0532-8{rng.randrange(10 ** 6, 10 ** 7)}"


def _unknown_ticket(rng: random.Random) -> str:
    return f"SSB-2020{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}-{rng.randrange(9000, 10000):04d}"


def _accept_category(clicks: bool, name: str, rng: random.Random | None = None) -> Say:
    if clicks:
        return Say(name, "advance", click="category", note="category")
    word = rng.choice(ACCEPTS) if rng else "是"
    return Say(word, "advance", alt=name, note="accept suggested category")


# sessions ----------------------------------------------------------------------------------------------------


def _complaint(rng: random.Random, pools: Pools, *, clicks: bool, opener: str = "bare", clicked_opener: bool = False,
               cancel_at: str | None = None, extras: tuple[str, ...] = (), category: str = "accept",
               confirm: str | None = None) -> tuple[Complaint, list[str]]:
    """One complaint path. opener: bare | described | phone. extras: invalid_phone, mid_question, wait,
    edit_phone_inline, edit_phone, edit_location. category: accept | name | description."""
    phone = _landline(rng) if rng.random() < 0.25 else _phone(rng)
    grievance = rng.choice(pools.grievances)
    persona = {"company": rng.choice(COMPANIES), "contact": rng.choice(CONTACTS), "phone": phone,
               "description": rng.choice(DESCRIPTIONS), "location": rng.choice(LOCATIONS + ["无"])}
    named = DESCRIBED[persona["description"]]
    persona["category"] = named if named in pools.categories else rng.choice(pools.categories)
    tags = ["complaint_clicked" if clicks else "complaint_typed", f"opener_{opener}"]
    if clicked_opener:
        first = Say("我要投诉", "form", click="complain", note="click 向诉速办反映问题")
    elif opener == "described":
        first = Say(grievance, "form")
    elif opener == "phone":
        first = Say(f"我要投诉，{persona['description']}，我的电话是{phone}", "form")
    else:
        first = Say(rng.choice(BARE_OPENERS), "form")
    visited = [s for s in STEPS if not (s == "description" and opener != "bare")
               and not (s == "phone" and opener == "phone")]
    if cancel_at is not None and cancel_at not in visited:
        cancel_at = visited[0]
    answers: dict[str, list[Say]] = {}
    for step in visited:
        if step == cancel_at:
            click = "cancel" if clicks and step == "confirm" else None
            answers[step] = [Say(rng.choice(CANCELS), "closed", click=click, note="cancel")]
            tags.append(f"cancel_at_{step}")
            break
        if step == "category":
            if category == "name":
                say = Say(persona["category"], "advance", note="type a category name")
            elif category == "description":
                say = Say(f"就是{persona['description']}", "advance_or_suggest", note="type a description")
            else:
                say = _accept_category(clicks, persona["category"], rng)
            answers[step] = [say]
        elif step == "confirm":
            answers[step] = [Say(confirm or rng.choice(CONFIRMS), "ticket", click="submit" if clicks else None,
                                 note="confirm")]
        elif step == "location" and clicks and persona["location"] == "无":
            answers[step] = [Say("无", "advance", click="none")]
        elif step == "company" and clicks and persona["company"] == "个人":
            answers[step] = [Say("个人", "advance", click="personal")]
        else:
            answers[step] = [Say(persona[step], "advance")]
    finishes = cancel_at is None
    for extra in extras:
        if extra == "invalid_phone" and "phone" in answers and cancel_at != "phone":
            answers["phone"].insert(0, Say(rng.choice(["12345", "138123", "电话号码是8888"]), "same_step",
                                           note="invalid phone"))
        elif extra == "mid_question":
            options = [s for s in MID_FORM_STEPS if s in answers and answers[s][-1].expect != "closed"]
            if options:
                step = rng.choice(options)
                q = rng.choice([q for q in pools.questions if QUESTION_SHAPED.search(q)])
                answers[step].insert(0, Say(q, "answer_same_step", note="question mid-form"))
        elif finishes and extra == "wait":
            answers["confirm"].insert(0, Say(rng.choice(WAITS), "confirm", note="wait: must not file"))
        elif finishes and extra == "edit_phone_inline":
            new = _phone(rng)
            answers["confirm"].insert(0, Say(f"电话改成{new}", f"confirm_with:{new}", note="typed correction"))
        elif finishes and extra == "edit_phone":
            answers["confirm"].insert(0, Say("改电话", "step:phone", note="edit a field"))
            answers.setdefault("phone", []).append(Say(_phone(rng), "confirm", note="new phone"))
        elif finishes and extra == "edit_location":
            answers["confirm"].insert(0, Say("地点要改", "step:location", note="edit a field"))
            answers.setdefault("location", []).append(Say(rng.choice(LOCATIONS), "confirm", note="new location"))
        else:
            continue
        tags.append(extra)
    return Complaint(first, answers, persona, finishes, clicks), tags


def _question_turns(rng: random.Random, pools: Pools, used: set[str], n: int, clicks: bool,
                    allow_decline: bool = True) -> tuple[list[Say], list[str]]:
    """n turns of questions, follow-ups, related-question clicks, declined questions and chitchat."""
    out: list[Say] = []
    tags: list[str] = []
    last = ""
    while len(out) < n:
        r = rng.random()
        if last in ("question", "related") and r < 0.35:
            text, kind = _fresh(rng, FOLLOW_UPS, used), "follow_up"
            out.append(Say(text, "answer", note="follow-up"))
        elif last in ("question",) and clicks and r < 0.6:
            out.append(Say(_fresh(rng, pools.questions, used), "answer", click="related", note="click related"))
            kind = "related"
        elif allow_decline and last != "decline" and r < 0.55:
            out.append(Say(_fresh(rng, pools.declines, used), "answer", note="declined question"))
            kind = "decline"
        elif last not in ("chitchat", "") and r < 0.62 or (last == "" and r < 0.15):
            out.append(Say(_fresh(rng, CHITCHAT, used), "reply", note="chitchat"))
            kind = "chitchat"
        else:
            out.append(Say(_fresh(rng, pools.questions, used), "answer"))
            kind = "question"
        tags.append(kind)
        last = kind
    return out, tags


def _fresh(rng: random.Random, pool: list[str], used: set[str]) -> str:
    """A pool item not yet said in this session (a repeated message would make a repeated reply legit)."""
    left = [p for p in pool if p not in used]
    text = rng.choice(left or pool)
    used.add(text)
    return text


ARCHETYPES = (("qa", 25), ("complaint_typed", 20), ("complaint_clicked", 15), ("cancel", 15), ("status", 10),
              ("handoff", 15))


def random_session(rng: random.Random, pools: Pools, sid: str) -> Session:
    """One randomised session of MIN_TURNS..MAX_TURNS planned turns."""
    kind = rng.choices([a for a, _ in ARCHETYPES], [w for _, w in ARCHETYPES])[0]
    clicks = kind == "complaint_clicked" or rng.random() < 0.3
    used: set[str] = set()
    blocks: list[Block] = []
    tags: list[str] = []

    if kind == "qa":
        turns, t = _question_turns(rng, pools, used, rng.randint(3, 8), clicks)
        blocks += turns
        tags += t
        if rng.random() < 0.6:
            blocks.append(Say(_fresh(rng, THANKS, used), "reply", note="thanks"))
            tags.append("thanks")
    elif kind in ("complaint_typed", "complaint_clicked", "cancel"):
        opener = rng.choice(["bare", "described", "phone"])
        clicked_opener = clicks and rng.random() < 0.4
        lead: list[Say] = []
        lead_tags: list[str] = []
        if clicked_opener:
            lead, lead_tags, opener = [Say(_fresh(rng, pools.declines, used), "answer", note="declined question")], \
                ["decline"], "bare"
        elif rng.random() < 0.4:
            lead, lead_tags = _question_turns(rng, pools, used, 1, False, allow_decline=False)
        # no 改电话 after a phone in the first message: whether that skips the phone step is not contracted
        extras = tuple(e for e in ("invalid_phone", "mid_question", "wait", "edit_phone_inline", "edit_phone",
                                   "edit_location")
                       if rng.random() < 0.2 and not (e == "edit_phone" and opener == "phone"))
        cancel_at = rng.choice(STEPS) if kind == "cancel" else None
        category = rng.choices(["accept", "name", "description"], [6, 2, 1])[0]
        state = rng.getstate()
        while True:
            rng.setstate(state)  # the same persona and wording, only fewer extras
            c, c_tags = _complaint(rng, pools, clicks=clicks, opener=opener, clicked_opener=clicked_opener,
                                   cancel_at=cancel_at, extras=extras, category=category)
            if len(lead) + c.turns <= MAX_TURNS:
                break
            if extras:  # too long: drop extras first, then the lead-in
                extras = extras[:-1]
            else:
                lead, lead_tags, clicked_opener = [], [], False
        blocks += [*lead, c]
        tags += lead_tags + c_tags
        room = MAX_TURNS - sum(_turns(b, blocks) for b in blocks)
        if not c.finishes and room >= 1:
            blocks.append(Say(_fresh(rng, pools.questions, used), "answer", note="question after cancel"))
            tags.append("question")
        elif c.finishes and room >= 1 and rng.random() < 0.5:
            mine = rng.random() < 0.5
            blocks.append(Status(mine, _unknown_ticket(rng), rng.choice(MINE if mine else BY_NUMBER)))
            tags.append("ticket_status")
    elif kind == "status":
        lead, t = _question_turns(rng, pools, used, rng.randint(1, 3), clicks)
        blocks += lead
        tags += t
        blocks.append(Status(True, _unknown_ticket(rng), rng.choice(MINE)))
        blocks.append(Status(False, _unknown_ticket(rng), rng.choice(BY_NUMBER)))
        tags.append("ticket_status")
    else:  # handoff at the end: afterwards the gateway routes to the agent queue
        lead, t = _question_turns(rng, pools, used, rng.randint(2, 6), clicks)
        blocks += lead
        tags += t
        if clicks:
            if not isinstance(blocks[-1], Say) or blocks[-1].note != "declined question":
                blocks.append(Say(_fresh(rng, pools.declines, used), "answer", note="declined question"))
                tags.append("decline")
            blocks.append(Say(rng.choice(TYPED_HANDOFF), "handoff", click="human", note="click 转人工"))
        else:
            blocks.append(Say(rng.choice(TYPED_HANDOFF), "handoff"))
        blocks.append(Say("我的问题是" + _fresh(rng, pools.questions, used), "routed", note="routed to an agent"))
        tags.append("handoff")
    while sum(_turns(b, blocks) for b in blocks) < MIN_TURNS:
        blocks.append(Say(_fresh(rng, THANKS, used), "reply", note="thanks"))
        tags.append("thanks")
    title = ("complaint" if kind.startswith("complaint") else kind) + (" (clicks)" if clicks else " (types)")
    return Session(sid, "random", title, tuple(dict.fromkeys(tags)), blocks)


def _turns(block: Block, blocks: list[Block]) -> int:
    if isinstance(block, Complaint):
        return block.turns
    if isinstance(block, Status):
        return block.turns(any(isinstance(b, Complaint) and b.finishes for b in blocks))
    return 1


def scripted_sessions(pools: Pools) -> list[Session]:
    """Fixed, realistic conversations covering every bullet of the contract."""

    def c(opener: Say, answers: dict[str, list[Say | str]], clicks: bool = False,
          finishes: bool = True) -> Complaint:
        full = {k: [a if isinstance(a, Say) else Say(a, "advance") for a in v] for k, v in answers.items()}
        persona = {"company": "青岛海川科技有限公司", "contact": "张经理", "phone": "13812345678",
                   "description": DESCRIPTIONS[0], "category": "政务服务", "location": "无"}
        return Complaint(opener, full, persona, finishes, clicks)

    def confirm(text: str = "确认") -> Say:
        return Say(text, "ticket", note="confirm")

    q = "企业注销要跑几个部门"
    return [
        Session("s01", "scripted", "typed complaint: grievance, invalid phone, 等一下, my ticket's status",
                ("complaint_typed", "opener_described", "invalid_phone", "wait", "ticket_status"), [
                    c(Say("窗口工作人员让我跑了五趟还没办成，我要投诉", "form"), {
                        "company": ["青岛海川科技有限公司"], "contact": ["张经理"],
                        "phone": [Say("12345", "same_step", note="invalid phone"), "13812345678"],
                        "category": [Say("是", "advance", alt="政务服务")], "location": ["无"],
                        "confirm": [Say("等一下", "confirm", note="wait: must not file"), confirm()]}),
                    Status(mine=True, unknown="SSB-20200101-9999")]),
        Session("s02", "scripted", "clicked complaint: bare opener, 个人, landline, buttons for the rest",
                ("complaint_clicked", "opener_bare", "thanks"), [
                    c(Say("我要投诉", "form"), {
                        "company": [Say("个人", "advance", click="personal")], "contact": ["李女士"],
                        "phone": ["0532-86981234"],
                        "description": ["物业乱收停车费，一个月多收了三百块"],
                        "category": [Say("市政公用", "advance", click="category")],
                        "location": [Say("无", "advance", click="none")],
                        "confirm": [Say("确认", "ticket", click="submit")]}, clicks=True),
                    Say("好的，谢谢", note="thanks")]),
        Session("s03", "scripted", "complaint with a phone number, typed category name, 电话改成…, status by number",
                ("complaint_typed", "opener_phone", "edit_phone_inline", "ticket_status"), [
                    c(Say("我要投诉，园区办事窗口总让我们来回跑，材料交了三次还说不全，我电话13812345678", "form"), {
                        "company": ["青岛蓝湾物流有限公司"], "contact": ["王先生"],
                        "category": [Say("政务服务", "advance", note="type a category name")],
                        "location": ["灵山卫街道便民服务中心"],
                        "confirm": [Say("电话改成13912345678", "confirm_with:13912345678", note="typed correction"),
                                    confirm("确认提交")]}),
                    Status(mine=False, unknown="SSB-20200101-9998")]),
        Session("s04", "scripted", "bare complaint, 改电话 at the summary",
                ("complaint_typed", "opener_bare", "edit_phone"), [
                    c(Say("我要投诉", "form"), {
                        "company": ["青岛琅琊台酒业有限公司"], "contact": ["刘总"],
                        "phone": ["13812345678", Say("0532-86981234", "confirm", note="new phone")],
                        "description": ["申请的政策奖补半年了没有任何回复"],
                        "category": [Say("对", "advance", alt="政策兑现")], "location": ["无"],
                        "confirm": [Say("改电话", "step:phone", note="edit a field"), confirm("提交")]})]),
        Session("s05", "scripted", "grievance, category answered with a description, 地点要改",
                ("complaint_typed", "opener_described", "edit_location"), [
                    c(Say("楼下工地天天半夜还在打桩，吵得根本睡不着，请你们管管", "form"), {
                        "company": ["个人"], "contact": ["陈女士"], "phone": ["13700001111"],
                        "category": [Say("就是工地夜间施工噪音扰民", "advance_or_suggest", note="type a description")],
                        "location": ["辛安街道", Say("辛安街道富春江路", "confirm", note="new location")],
                        "confirm": [Say("地点要改", "step:location", note="edit a field"), confirm("好的")]}),
                    ]),
        Session("s06", "scripted", "a question in the middle of the form",
                ("complaint_typed", "opener_bare", "mid_question"), [
                    c(Say("我要投诉", "form"), {
                        "company": [Say(q, "answer_same_step", note="question mid-form"), "青岛新港湾机械制造有限公司"],
                        "contact": ["孙主任"], "phone": ["13612345678"],
                        "description": ["办营业执照变更，材料交了三次还说不全"],
                        "category": [Say("是", "advance", alt="政务服务")], "location": ["区政务服务大厅三楼"],
                        "confirm": [confirm()]})]),
        Session("s07", "scripted", "cancel in the middle of the form, then a question",
                ("question", "complaint_typed", "opener_bare", "cancel_at_contact", "thanks"), [
                    Say("出口退税有什么便利措施", "answer"),
                    c(Say("我要投诉", "form"), {"company": ["青岛海川科技有限公司"],
                                              "contact": [Say("取消", "closed", note="cancel")]}, finishes=False),
                    Say(q, "answer"), Say("谢谢", note="thanks")]),
        Session("s08", "scripted", "clicked complaint cancelled at the summary",
                ("complaint_clicked", "opener_described", "cancel_at_confirm", "thanks"), [
                    c(Say("物业乱收停车费，我想反映一下", "form"), {
                        "company": ["个人"], "contact": ["赵会计"], "phone": ["15953201234"],
                        "category": [Say("市政公用", "advance", click="category")],
                        "location": [Say("无", "advance", click="none")],
                        "confirm": [Say("取消", "closed", click="cancel", note="cancel")]}, clicks=True,
                      finishes=False),
                    Say("好的，我知道了", note="thanks")]),
        Session("s09", "scripted", "questions, follow-ups, a related question clicked",
                ("question", "follow_up", "related", "thanks"), [
                    Say("出口退税有什么便利措施", "answer"), Say("那要多久？", "answer", note="follow-up"),
                    Say("需要什么材料？", "answer", note="follow-up"), Say("开办企业能用智能表单填报吗", "answer"),
                    Say("地址因为道路改名注册不了怎么办", "answer", click="related", note="click related"),
                    Say("谢谢", note="thanks")]),
        Session("s10", "scripted", "declined questions (other place, unrelated), then 转人工 clicked",
                ("chitchat", "decline", "question", "handoff"), [
                    Say("你好", note="chitchat"), Say("杭州的人才补贴怎么领", "answer", note="declined question"),
                    Say(q, "answer"), Say("今天股市行情怎么样", "answer", note="declined question"),
                    Say("转人工", "handoff", click="human", note="click 转人工"),
                    Say("我的问题是出口退税要多久", "routed", note="routed to an agent")]),
        Session("s11", "scripted", "declined question, 向诉速办反映问题 clicked, clicked complaint",
                ("decline", "complaint_clicked", "opener_bare"), [
                    Say("帮我订一张去北京的机票", "answer", note="declined question"),
                    c(Say("我要投诉", "form", click="complain", note="click 向诉速办反映问题"), {
                        "company": ["青岛西海岸新区鑫源食品有限公司"], "contact": ["刘总"], "phone": ["18653212345"],
                        "description": ["当初承诺的落户奖励两年了还没兑现"],
                        "category": [Say("政策兑现", "advance", click="category")],
                        "location": [Say("中德生态园", "advance")],
                        "confirm": [Say("确认", "ticket", click="submit")]}, clicks=True)]),
        Session("s12", "scripted", "ticket status without a ticket: the bot asks for the number",
                ("chitchat", "ticket_status", "thanks"), [
                    Say("你好", note="chitchat"), Status(mine=True, unknown="SSB-20200101-9997"),
                    Status(mine=False, unknown="SSB-20200102-0001"), Say("好的，谢谢", note="thanks")]),
        Session("s13", "scripted", "chitchat, question, follow-up, typed 转人工",
                ("chitchat", "question", "follow_up", "handoff"), [
                    Say("你好", note="chitchat"), Say("你是谁", note="chitchat"),
                    Say("银行保险行业的印花税怎么申报更方便", "answer"), Say("那要多久？", "answer", note="follow-up"),
                    Say("转人工", "handoff"), Say("我想问问出口退税", "routed", note="routed to an agent")]),
        Session("s14", "scripted", "typed complaint with a landline, then 转人工",
                ("complaint_typed", "opener_described", "handoff"), [
                    c(Say("我要投诉，政策奖补申请半年了没有任何回复", "form"), {
                        "company": ["青岛灵山湾文化传媒有限公司"], "contact": ["孙主任"], "phone": ["0532-86980000"],
                        "category": [Say("确认", "advance", alt="政策兑现")], "location": ["无"],
                        "confirm": [confirm("确认")]}),
                    Say("转人工", "handoff"), Say("工单提交了，想再补充点情况", "routed", note="routed to an agent")]),
    ]


def generate_sessions(n: int = 200, seed: int = 7, pools: Pools | None = None) -> list[Session]:
    """The scripted sessions plus randomised ones up to n, the same for the same seed and pool files."""
    pools = pools or Pools.load()
    sessions = scripted_sessions(pools)
    rng = random.Random(seed)
    for i in range(max(0, n - len(sessions))):
        sessions.append(random_session(rng, pools, f"r{i + 1:04d}"))
    return sessions


def mixed(sessions: list[Session], n: int) -> list[Session]:
    """n sessions that together carry every kind of `sessions` (greedy cover; a cancel at any step counts
    as one kind), topped up in order (scripted ones first)."""
    def kinds(s: Session) -> set[str]:
        return {"cancel" if t.startswith("cancel_at_") else t for t in s.tags}

    pick: list[Session] = []
    left = list(sessions)
    uncovered = {t for s in sessions for t in kinds(s)}
    while uncovered and left and len(pick) < n:
        best = max(left, key=lambda s: len(uncovered & kinds(s)))
        pick.append(best)
        left.remove(best)
        uncovered -= kinds(best)
    return pick + left[: n - len(pick)]


# running a session --------------------------------------------------------------------------------------------


@dataclass
class Turn:
    said: str
    note: str
    status: int
    body: dict[str, Any]
    ms: float
    dead: str = ""  # http_error | degraded | empty
    routed: bool = False

    @property
    def messages(self) -> list[dict[str, Any]]:
        msgs = self.body.get("messages")
        return msgs if isinstance(msgs, list) else []


@dataclass
class Outcome:
    session: Session
    sender: str
    turns: list[Turn] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (turn, kind, detail)
    filed: list[str] = field(default_factory=list)
    finishable: int = 0
    unfiled: int = 0
    truncated: bool = False  # stopped by the load deadline

    @property
    def dead(self) -> bool:
        return any(t.dead for t in self.turns)

    @property
    def failed(self) -> bool:
        # the same passage for a follow-up can be right ("那要多久？" when it holds the time): reported only
        return any(kind != "same_as_previous" for _, kind, _ in self.problems)

    def transcript(self) -> str:
        lines = [self.session.script(), f"  sender {self.sender}; what happened:"]
        for i, t in enumerate(self.turns, 1):
            head = f"  {i:>2}. {t.said}" + (f"  ({t.note})" if t.note else "")
            got = f"HTTP {t.status}" if t.status != 200 else ("routed to agent" if t.routed else describe(t.messages))
            lines.append(f"{head}\n      → {got}  {t.ms:.0f}ms" + (f"  DEAD:{t.dead}" if t.dead else ""))
        lines += [f"  ! turn {n}: {kind}: {detail}" for n, kind, detail in self.problems]
        return "\n".join(lines)


class Conversation:
    """One simulated user talking to the gateway; checks every reply against the contract."""

    def __init__(self, session: Session, send: Send, sender: str, pace: float = 0.0,
                 deadline: float | None = None):
        self.out = Outcome(session, sender)
        self.send, self.sender, self.pace, self.deadline = send, sender, pace, deadline
        self.last: list[dict[str, Any]] = []
        self.step: str | None = None  # the complaint form step the last reply asks
        self.known: set[str] = set()  # ticket numbers filed here or typed by the user
        self.handoff_open = False
        self._next_send = 0.0
        self._prev_sig: tuple[tuple[str, str], ...] | None = None

    def problem(self, kind: str, detail: str) -> None:
        self.out.problems.append((len(self.out.turns), kind, detail))

    def time_left(self) -> bool:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self.out.truncated = True
            return False
        return True

    async def say(self, say: Say) -> Turn | None:
        if not self.time_left():
            return None
        text, note = say.text, say.note
        if say.click:
            button = pick_button(self.last, say.click)
            if button:
                text, note = button["payload"], f"click “{button['title']}”" + (f"; {note}" if note else "")
            else:
                note = f"no {say.click} button: typed" + (f"; {note}" if note else "")
        elif say.alt and self.step == "category" and not pick_button(self.last, "affirm"):
            text, note = say.alt, f"no suggestion to accept: typed a category; {note}"
        wait = self._next_send - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._next_send = time.monotonic() + self.pace
        self.known.update(TICKET_NO_IN_TEXT_RE.findall(text))
        try:
            status, body, ms = await self.send(self.sender, text)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            status, body, ms = 0, {"error": f"{type(exc).__name__}: {exc}"}, 0.0
        turn = Turn(text, note, status, body, ms)
        self.out.turns.append(turn)
        self.judge(turn, say.expect)
        return turn

    def judge(self, turn: Turn, expect: str) -> None:
        msgs = turn.messages
        prev_step = self.step
        if turn.status != 200:
            turn.dead = "http_error"
            self.problem("dead", f"HTTP {turn.status} {json.dumps(turn.body, ensure_ascii=False)[:120]}")
        elif turn.body.get("degraded") or any(m.get("type") == ERROR for m in msgs):
            turn.dead = "degraded"
            self.problem("dead", "degraded reply")
        elif any(m.get("type") == DECLINED and m.get("reason") in FAILED_DECLINES for m in msgs):
            turn.dead = "degraded"
            self.problem("dead", "declined because the knowledge API failed (reason api_error)")
        elif not msgs and turn.body.get("handoff") and self.handoff_open:
            turn.routed = True
        elif not msgs or not any(str(m.get("text") or "").strip() or m.get("ticket") for m in msgs):
            turn.dead = "empty"
            self.problem("dead", "empty reply" + (" (routed to an agent without a handoff)"
                                                  if turn.body.get("handoff") else ""))
        if turn.dead or turn.routed:
            self.last, self.step, self._prev_sig = msgs, None, None
            if turn.routed and expect != "routed":
                self.problem("unexpected_routing", "the gateway routed the message to an agent")
            return
        sig = signature(msgs)
        if len(set(sig)) < len(sig):
            self.problem("repeated", "the same message twice in one reply")
        elif sig == self._prev_sig and {kind for kind, _ in sig} != {DECLINED}:
            self.problem("same_as_previous", "the same reply as the turn before")
        self._prev_sig = sig
        self.last = msgs
        self.step = form_step(msgs)
        new = ticket_numbers(msgs) - self.known
        self.known |= new
        types = {m.get("type") for m in msgs}
        if new and expect != "ticket":
            self.problem("unexpected_ticket", f"ticket {', '.join(sorted(new))} filed on “{turn.said}”")
        if HANDOFF in types or turn.body.get("handoff"):
            self.handoff_open = True
        kind, _, arg = expect.partition(":")
        fails = {
            "reply": self.step is not None and prev_step is None,
            "answer": not types & QUESTION_REPLY_TYPES or (self.step is not None and prev_step is None),
            "form": self.step is None,
            "advance": self.step == prev_step or (self.step is None and not new),
            # a description typed at the category step may move on, or bring a new suggestion to confirm
            "advance_or_suggest": (self.step == prev_step and not any("建议归类" in str(m.get("text") or "")
                                                                      for m in msgs))
                                  or (self.step is None and not new),
            "same_step": self.step != prev_step,
            "answer_same_step": not types & QUESTION_REPLY_TYPES or self.step != prev_step,
            "confirm": self.step != "confirm",
            "confirm_with": self.step != "confirm" or not any(arg in str(m.get("text") or "") for m in msgs),
            "step": self.step != arg,
            "ticket": not new,
            "closed": self.step is not None,
            "handoff": HANDOFF not in types,
            "routed": True,  # a routed turn returned above: this one was answered by the bot
            "status": not (arg in ticket_numbers(msgs) and TICKET in types),
            "ticket_or_ask": not (TICKET in types or form_step(msgs, "ticket") == "ticket_id"),
        }
        if kind not in fails:
            raise ValueError(f"unknown expectation {expect!r}")
        if fails[kind]:
            want = {"reply": "a reply that does not open the complaint form",
                    "answer": "an answer or a decline (and no complaint form)",
                    "form": "the complaint form", "advance": f"the next step after {prev_step}",
                    "advance_or_suggest": f"the next step after {prev_step}, or a new suggestion",
                    "same_step": f"step {prev_step} asked again",
                    "answer_same_step": f"an answer, then {prev_step} again",
                    "confirm": "the summary again (step confirm), nothing filed",
                    "confirm_with": f"the summary again showing {arg}", "step": f"step {arg}",
                    "ticket": "a filed ticket number", "closed": "the form closed, nothing filed",
                    "handoff": "a handoff message", "routed": "routing to the agent queue",
                    "status": f"the status of ticket {arg}", "ticket_or_ask": "a ticket or the question for its number",
                    }[kind]
            self.problem(f"expected_{kind}", f"wanted {want}; got {describe(msgs)}")
        if kind == "ticket" and new:
            self.out.filed.extend(sorted(new))

    async def complaint(self, c: Complaint) -> None:
        if c.finishes:
            self.out.finishable += 1
        filed_before = len(self.out.filed)
        first = await self.say(c.opener)
        visits: Counter[str] = Counter()
        budget = c.turns + 4
        used = 1
        while first is not None and not first.dead and self.step is not None:
            step = self.step
            if used >= budget:
                self.problem("form_stuck", f"still at step {step} after {used} turns")
                break
            scripted = c.answers.get(step, [])
            say = scripted[visits[step]] if visits[step] < len(scripted) else c.fallback(step)
            visits[step] += 1
            if say is None:
                self.problem("unknown_step", f"the form asked an unknown step {step!r}")
                break
            turn = await self.say(say)
            used += 1
            if turn is None or turn.dead or len(self.out.filed) > filed_before:
                break
        if self.out.truncated:
            if c.finishes:
                self.out.finishable -= 1
            return
        if c.finishes and len(self.out.filed) == filed_before:
            self.out.unfiled += 1
            self.problem("unfiled_complaint", "the user confirmed but no ticket number came back")

    async def status(self, s: Status) -> None:
        mine = self.out.filed[-1] if self.out.filed else None
        if s.mine:
            turn = await self.say(Say(s.phrase or MINE[0], f"status:{mine}" if mine else "ticket_or_ask"))
            if turn is not None and form_step(turn.messages, "ticket") == "ticket_id":
                await self.say(Say(mine or s.unknown, f"status:{mine}" if mine else "reply", note="ticket number"))
        else:
            no = mine or s.unknown
            await self.say(Say((s.phrase or BY_NUMBER[0]).format(no=no), f"status:{no}" if mine else "reply"))

    async def run(self) -> Outcome:
        for block in self.out.session.blocks:
            if isinstance(block, Complaint):
                await self.complaint(block)
            elif isinstance(block, Status):
                await self.status(block)
            else:
                await self.say(block)
            if self.out.truncated:
                break
        return self.out


async def run_session(session: Session, send: Send, sender: str, pace: float = 0.0,
                      deadline: float | None = None) -> Outcome:
    """Play one session through `send(sender, text) -> (status, body, ms)`."""
    return await Conversation(session, send, sender, pace, deadline).run()


def score(outcomes: list[Outcome]) -> dict[str, Any]:
    """The summary: the keys of the issue first, then the ones a developer asks next."""
    done = [o for o in outcomes if not o.truncated]
    turns = [t for o in outcomes for t in o.turns]
    ms = [t.ms for t in turns if t.status == 200]
    return {
        "sessions": len(outcomes),
        "turns": len(turns),
        "dead_sessions": sum(1 for o in outcomes if o.dead),
        "empty_replies": sum(1 for t in turns if t.dead == "empty"),
        "repeated_replies": sum(1 for o in outcomes for _, kind, _ in o.problems if kind == "repeated"),
        "same_as_previous_turn": sum(1 for o in outcomes for _, kind, _ in o.problems if kind == "same_as_previous"),
        "complaint_sessions": sum(1 for o in outcomes if o.session.complaints),
        "tickets_created": sum(len(o.filed) for o in outcomes),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "finishable_complaints": sum(o.finishable for o in done),
        "unfiled_complaints": sum(o.unfiled for o in done),
        "unexpected_tickets": sum(1 for o in outcomes for _, kind, _ in o.problems if kind == "unexpected_ticket"),
        "http_errors": sum(1 for t in turns if t.dead == "http_error"),
        "degraded_replies": sum(1 for t in turns if t.dead == "degraded"),
        "failed_sessions": sum(1 for o in outcomes if o.failed),
    }


def breakdown(outcomes: list[Outcome], seed: int, transcripts: bool) -> str:
    """What went wrong, by kind, with the failed sessions' ids (and transcripts)."""
    kinds = Counter(kind for o in outcomes for _, kind, _ in o.problems)
    failed = [o for o in outcomes if o.failed]
    tags = Counter(t for o in outcomes for t in o.session.tags)
    lines = [f"sessions: {len(outcomes)} ({sum(o.session.kind == 'scripted' for o in outcomes)} scripted), "
             f"seed {seed}; tags: " + ", ".join(f"{t} {n}" for t, n in sorted(tags.items()))]
    if not failed:
        lines.append("no failures")
        return "\n".join(lines)
    lines.append("failures by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    by_tag = Counter(t for o in failed for t in o.session.tags)
    lines.append("failed sessions by tag: " + ", ".join(f"{t} {n}/{tags[t]}" for t, n in by_tag.most_common()))
    for o in failed[: None if transcripts else 30]:
        first = o.problems[0]
        lines.append(f"  {o.session.sid:<6} {o.session.title[:60]:<60} turn {first[0]}: {first[1]}: {first[2][:90]}")
    if not transcripts and len(failed) > 30:
        lines.append(f"  … {len(failed) - 30} more")
    ids = " ".join(o.session.sid for o in failed[:5])
    lines.append(f"replay: python -m web.tools.evaldialogue eval --seed {seed} --only {ids} --failures")
    if transcripts:
        lines += ["", *("\n" + o.transcript() for o in failed)]
    return "\n".join(lines)


def _sender(run: str, sid: str) -> str:
    return f"dlg-{run}-{sid}"


async def run_eval(url: str, sessions: list[Session], concurrency: int = 4) -> list[Outcome]:
    """Every session through /api/chat, `concurrency` at a time, each with its own sender id."""
    run = uuid.uuid4().hex[:8]
    sem = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        async def send(sender: str, text: str) -> tuple[int, dict[str, Any], float]:
            return await post_chat(http, url, sender, text)

        async def one(s: Session) -> Outcome:
            async with sem:
                return await run_session(s, send, _sender(run, s.sid))

        return list(await asyncio.gather(*(one(s) for s in sessions)))


# load -----------------------------------------------------------------------------------------------------------


@dataclass
class LoadResult:
    sessions: int
    seconds: float
    outcomes: list[Outcome]
    rasa_ms: list[float]
    rasa_errors: int

    @property
    def turns(self) -> list[Turn]:
        return [t for o in self.outcomes for t in o.turns]

    def row(self) -> dict[str, Any]:
        turns = self.turns
        ms = [t.ms for t in turns if t.status == 200]
        return {"sessions": self.sessions, "seconds": round(self.seconds, 1), "turns": len(turns),
                "p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1),
                "max_ms": round(max(ms, default=0.0), 1),
                "throughput": round(len(turns) / self.seconds, 2) if self.seconds else 0.0,
                "http_errors": sum(1 for t in turns if t.dead == "http_error"),
                "http_429": sum(1 for t in turns if t.status == 429),
                "degraded": sum(1 for t in turns if t.dead == "degraded"),
                "dead_sessions": sum(1 for o in self.outcomes if o.dead),
                "tickets_created": sum(len(o.filed) for o in self.outcomes),
                "rasa_round_trips": len(self.rasa_ms),
                "rasa_p50_ms": round(percentile(self.rasa_ms, 50), 1),
                "rasa_p95_ms": round(percentile(self.rasa_ms, 95), 1),
                "rasa_max_ms": round(max(self.rasa_ms, default=0.0), 1),
                "rasa_throughput": round(len(self.rasa_ms) / self.seconds, 2) if self.seconds else 0.0,
                "rasa_errors": self.rasa_errors}


def endless(sessions: list[Session]) -> Iterator[tuple[int, Session]]:
    k = 0
    while True:
        for s in sessions:
            yield k, s
            k += 1


async def run_load(url: str, rasa_url: str, sessions: list[Session], concurrent: int, seconds: float,
                   per_minute: int, rasa_message: str = "你好") -> LoadResult:
    """`concurrent` simulated users for `seconds`, each playing sessions back to back (a new sender
    per session) and sending at most once every 60/per_minute s; a bare Rasa REST prober runs alongside."""
    pace = 60.0 / per_minute * 1.01  # the limiter's window is 60 s on the server's clock: never faster
    run = uuid.uuid4().hex[:8]
    source = endless(sessions)
    outcomes: list[Outcome] = []
    rasa_ms: list[float] = []
    rasa_errors = 0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), connector=connector) as http:
        async def send(sender: str, text: str) -> tuple[int, dict[str, Any], float]:
            return await post_chat(http, url, sender, text)

        t0 = time.monotonic()
        deadline = t0 + seconds

        async def user(i: int) -> None:
            await asyncio.sleep(pace * i / concurrent)  # spread the first messages over one interval
            while time.monotonic() < deadline:
                k, s = next(source)
                outcomes.append(await run_session(s, send, f"load-{run}-{i}-{k}-{s.sid}", pace, deadline))

        async def prober() -> None:
            nonlocal rasa_errors
            n = 0
            while time.monotonic() < deadline:
                n += 1
                try:
                    rasa_ms.append(await rasa_round_trip(http, rasa_url, f"bare-{run}-{n}", rasa_message))
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
                    rasa_errors += 1
                await asyncio.sleep(0.2)

        await asyncio.gather(prober(), *(user(i) for i in range(concurrent)))
        elapsed = time.monotonic() - t0
    return LoadResult(concurrent, elapsed, outcomes, rasa_ms, rasa_errors)


async def warm_up(url: str, rasa_url: str, rounds: int = 3) -> None:
    """A few untimed turns first: a fresh Rasa answers its first messages much slower than the rest."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        for i in range(rounds):
            for text in ("你好", "企业注销要跑几个部门", "我要投诉", "取消"):
                await post_chat(http, url, f"warmup-{uuid.uuid4().hex[:8]}-{i}", text)
            await rasa_round_trip(http, rasa_url, f"warmup-{uuid.uuid4().hex[:8]}", "你好")


def print_load(r: LoadResult, per_minute: int) -> None:
    row = r.row()
    print(f"load: {r.sessions} concurrent sessions for {row['seconds']} s, each sender one message every "
          f"{60 / per_minute:.1f} s (rate limit {per_minute}/min)")
    print(f"{'':<10} {'requests':>8} {'p50':>9} {'p95':>9} {'max':>9} {'throughput':>12} {'errors':>7}")
    print(f"{'gateway':<10} {row['turns']:>8} {row['p50_ms']:>7.1f}ms {row['p95_ms']:>7.1f}ms {row['max_ms']:>7.1f}ms "
          f"{row['throughput']:>8.2f}/s {row['http_errors']:>7}  degraded {row['degraded']}, 429 {row['http_429']}")
    print(f"{'bare Rasa':<10} {row['rasa_round_trips']:>8} {row['rasa_p50_ms']:>7.1f}ms {row['rasa_p95_ms']:>7.1f}ms "
          f"{row['rasa_max_ms']:>7.1f}ms {row['rasa_throughput']:>8.2f}/s {row['rasa_errors']:>7}  "
          f"(REST round trips of a canned intent, one prober, same run)")
    print(f"sessions played: {len(r.outcomes)} ({sum(not o.truncated for o in r.outcomes)} to the end), "
          f"dead {row['dead_sessions']}, tickets {row['tickets_created']}")


async def sweep(url: str, rasa_url: str, sessions: list[Session], seconds: float, per_minute: int,
                start: int, limit_ms: float = P95_LIMIT_MS, ceiling: int = 1280) -> list[LoadResult]:
    """Double the concurrent sessions until p95 passes `limit_ms` (or errors appear; halve instead when the
    first level is already over), then bisect twice between the last level that held and the first that
    did not."""
    results: list[LoadResult] = []

    def ok(r: LoadResult) -> bool:
        row = r.row()
        return row["p95_ms"] <= limit_ms and not row["http_errors"] and not row["degraded"]

    async def level(n: int) -> bool:
        r = await run_load(url, rasa_url, sessions, n, seconds, per_minute)
        results.append(r)
        row = r.row()
        print(f"  {n:>5} sessions: p95 {row['p95_ms']:.0f} ms, {row['throughput']:.1f} msg/s, "
              f"errors {row['http_errors']}, degraded {row['degraded']}", file=sys.stderr, flush=True)
        return ok(r)

    good, bad, n = 0, 0, start
    while n <= ceiling:
        if await level(n):
            good, n = n, n * 2
        else:
            bad = n
            break
    while bad and not good and bad > 1:  # the first level is already over: halve down to one that holds
        n = bad // 2
        if await level(n):
            good = n
        else:
            bad = n
    for _ in range(2):
        if not (good and bad) or bad - good <= max(2, good // 8):
            break
        mid = (good + bad) // 2
        if await level(mid):
            good = mid
        else:
            bad = mid
    return results


def print_sweep(results: list[LoadResult], per_minute: int, limit_ms: float = P95_LIMIT_MS) -> int:
    print(f"sweep: each sender one message every {60 / per_minute:.1f} s; "
          f"{results[0].seconds:.0f} s per level" if results else "sweep: no levels")
    print(f"{'sessions':>8} {'offered/s':>10} {'msg/s':>7} {'p50':>8} {'p95':>8} {'max':>8} {'errors':>7} "
          f"{'degraded':>9} {'rasa p95':>9}")
    holds = 0
    for r in sorted(results, key=lambda r: r.sessions):
        row = r.row()
        good = row["p95_ms"] <= limit_ms and not row["http_errors"] and not row["degraded"]
        holds = max(holds, r.sessions) if good else holds
        print(f"{r.sessions:>8} {r.sessions * per_minute / 60:>10.1f} {row['throughput']:>7.1f} "
              f"{row['p50_ms']:>6.0f}ms {row['p95_ms']:>6.0f}ms {row['max_ms']:>6.0f}ms {row['http_errors']:>7} "
              f"{row['degraded']:>9} {row['rasa_p95_ms']:>7.0f}ms  {'ok' if good else 'over'}")
    print(f"one stack holds {holds} concurrent sessions with p95 ≤ {limit_ms / 1000:.1f} s, "
          "no errors, nothing degraded")
    return holds


# command line ---------------------------------------------------------------------------------------------------


def _local_only(url: str, what: str) -> None:
    if urlsplit(url).hostname != "127.0.0.1":
        raise SystemExit(f"{what} only ever targets 127.0.0.1, not {url}")


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("cmd", choices=["eval", "load", "show"])
    ap.add_argument("--url", default=f"http://127.0.0.1:{settings['web']['port']}")
    ap.add_argument("--rasa-url", default=f"http://127.0.0.1:{settings['rasa']['port']}")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sessions", type=int, help="eval: sessions to play (default 200); load: concurrent (20)")
    ap.add_argument("--concurrency", type=int, default=4, help="eval: sessions played at once")
    ap.add_argument("--only", nargs="+", metavar="ID", help="only these session ids (s01, r0042 …)")
    ap.add_argument("--failures", action="store_true", help="eval: print the transcript of every failed session")
    ap.add_argument("--seconds", type=float, default=60.0, help="load: duration (per level with --sweep)")
    ap.add_argument("--sweep", action="store_true", help="load: raise the sessions until p95 passes 1.5 s")
    args = ap.parse_args(argv)
    url = args.url.rstrip("/")
    if args.cmd in ("eval", "show"):
        sessions = generate_sessions(args.sessions or 200, args.seed)
        if args.only:
            sessions = [s for s in sessions if s.sid in set(args.only)]
        if args.cmd == "show":
            print("\n\n".join(s.script() for s in sessions))
            return 0
        if not stack_up(url):
            print(f"nothing answers at {url}: start the stack with `make run` first", file=sys.stderr)
            return 2
        outcomes = asyncio.run(run_eval(url, sessions, args.concurrency))
        print(breakdown(outcomes, args.seed, args.failures))
        print(json.dumps(score(outcomes), ensure_ascii=False))
        return 0
    _local_only(url, "load")
    _local_only(args.rasa_url, "load")
    per_minute = int(settings["web"]["rate_limit_per_minute"])
    pool = [s for s in generate_sessions(1000, args.seed) if s.kind == "random"]
    with running_stack(url, args.rasa_url.rstrip("/")) as rasa_url:
        asyncio.run(warm_up(url, rasa_url))
        if args.sweep:
            results = asyncio.run(sweep(url, rasa_url, pool, args.seconds, per_minute, args.sessions or 20))
            holds = print_sweep(results, per_minute)
            print(json.dumps({"holds_sessions": holds, "levels": [r.row() for r in results]}, ensure_ascii=False))
        else:
            r = asyncio.run(run_load(url, rasa_url, pool, args.sessions or 20, args.seconds, per_minute))
            print_load(r, per_minute)
            print(json.dumps(r.row(), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
