"""The multi-turn evaluation: session generator and scoring without a stack (against a small bot that
follows the conversation contract, and against fabricated broken replies), then a handful of mixed
sessions through the real stack."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from config import ROOT
from protocol.patterns import LANDLINE_RE as LANDLINE
from protocol.patterns import MOBILE_RE as MOBILE
from protocol.patterns import TICKET_NO_IN_TEXT_RE
from web.tools.evaldialogue import (
    MAX_TURNS,
    MIN_TURNS,
    QUESTION_SHAPED,
    STEPS,
    Complaint,
    Pools,
    Say,
    Session,
    breakdown,
    generate_sessions,
    mixed,
    run_eval,
    run_session,
    score,
)

SEED = 7
KINDS = {"question", "follow_up", "decline", "chitchat", "related", "thanks", "complaint_typed", "complaint_clicked",
         "opener_bare", "opener_described", "opener_phone", "invalid_phone", "mid_question", "wait",
         "edit_phone_inline", "edit_phone", "edit_location", "ticket_status", "handoff",
         *(f"cancel_at_{s}" for s in ("company", "contact", "category", "confirm"))}


@pytest.fixture(scope="module")
def pools() -> Pools:
    return Pools.load()


@pytest.fixture(scope="module")
def sessions(pools: Pools) -> list[Session]:
    return generate_sessions(200, SEED, pools)


def test_generator_makes_enough_sessions_of_4_to_10_turns_with_every_kind(sessions, pools):
    assert len(sessions) >= 200
    assert all(MIN_TURNS <= s.turns <= MAX_TURNS for s in sessions), [(s.sid, s.turns) for s in sessions
                                                                     if not MIN_TURNS <= s.turns <= MAX_TURNS]
    tags = {t for s in sessions for t in s.tags}
    assert KINDS <= tags, KINDS - tags
    assert {s.kind for s in sessions} == {"scripted", "random"}
    assert len({s.sid for s in sessions}) == len(sessions)
    finishable = [c for s in sessions for c in s.complaints if c.finishes]
    assert any(c.clicks for c in finishable) and any(not c.clicks for c in finishable)
    # a typing user never sends a payload
    typed = [a for s in sessions for c in s.complaints if not c.clicks for v in c.answers.values() for a in v]
    assert typed and not any(a.click for a in typed)
    # the question pools come from the shared dev set and the extra set
    said = {b.text for s in sessions for b in s.blocks if isinstance(b, Say)}
    assert said & set(pools.questions) and said & set(pools.declines)


def test_generator_is_deterministic_per_seed(pools, sessions):
    again = generate_sessions(200, SEED, pools)
    assert [s.script() for s in again] == [s.script() for s in sessions]
    other = generate_sessions(200, SEED + 1, pools)
    assert [s.script() for s in other] != [s.script() for s in sessions]


# a bot that follows the contract -----------------------------------------------------------------------------

PROMPTS = {"company": "请问企业名称？", "contact": "请问怎么称呼您？", "phone": "请留一个联系电话。",
           "description": "请描述一下问题。", "category": "请选择问题类别。", "location": "涉及地点？没有请回复“无”。",
           "confirm": "请确认："}
CATEGORIES = ["政务服务", "涉企收费", "政策兑现", "市政公用"]


class ContractBot:
    """Just enough of the conversation contract to check the simulated user drives it right."""

    def __init__(self, pools: Pools, sessions: list[Session], *, file_tickets: bool = True,
                 file_on_wait: bool = False):
        self.pools, self.file_tickets, self.file_on_wait = pools, file_tickets, file_on_wait
        # what it knows: the pools plus the questions the scripted sessions ask (pool files may be missing)
        said = [b for s in sessions for b in s.blocks if isinstance(b, Say)]
        said += [a for s in sessions for c in s.complaints for v in c.answers.values() for a in v]
        self.declines = set(pools.declines) | {b.text for b in said if b.note == "declined question"}
        self.questions = set(pools.questions) | {b.text for b in said if b.expect in ("answer", "answer_same_step")}
        self.questions -= self.declines
        self.state: dict[str, dict[str, Any]] = {}
        self.count = 0

    async def send(self, sender: str, text: str) -> tuple[int, dict[str, Any], float]:
        st = self.state.setdefault(sender, {"form": None, "slots": {}, "tickets": [], "handoff": False, "n": 0})
        st["n"] += 1
        if st["handoff"]:
            return 200, {"messages": [], "degraded": False, "handoff": "waiting"}, 1.0
        return 200, {"messages": self.reply(st, text), "degraded": False}, 1.0

    def ask(self, st: dict[str, Any], step: str, prefix: str = "") -> dict[str, Any]:
        st["form"], st["step"] = "complaint", step
        slots = st["slots"]
        buttons: list[dict[str, str]] = []
        text = PROMPTS[step]
        if step == "category":
            buttons = [{"title": c, "payload": c} for c in CATEGORIES]
            if slots.get("suggested"):
                buttons.insert(0, {"title": f"是，{slots['suggested']}", "payload": "/affirm"})
        elif step == "location":
            buttons = [{"title": "无", "payload": "无"}]
        elif step == "company":
            buttons = [{"title": "个人反映", "payload": "个人"}]
        elif step == "confirm":
            text += "；".join(f"{k}={slots.get(k)}" for k in STEPS[:-1])
            buttons = [{"title": "确认提交", "payload": "/affirm"}, {"title": "取消", "payload": "/cancel"}]
        return {"type": "form", "form": "complaint", "step": step, "text": prefix + text, "buttons": buttons}

    def next_step(self, st: dict[str, Any]) -> dict[str, Any]:
        if st.pop("editing", False):
            return self.ask(st, "confirm", "已修改。")
        step = next(s for s in STEPS if s not in st["slots"])
        return self.ask(st, step)

    def file(self, st: dict[str, Any]) -> list[dict[str, Any]]:
        st["form"] = None
        if not self.file_tickets:
            return [{"type": "text", "text": "已提交。"}]
        self.count += 1
        no = f"SSB-20260101-{self.count:04d}"
        st["tickets"].append(no)
        return [{"type": "ticket", "ticket": {"ticket_no": no}, "text": f"已提交，工单编号 {no}。"}]

    def answer(self, text: str) -> dict[str, Any]:
        if text in self.declines:
            return {"type": "declined", "reason": "weak_evidence", "text": f"抱歉，“{text}”不在我的范围。",
                    "buttons": [{"title": "向诉速办反映问题", "payload": "/complain"},
                                {"title": "转人工", "payload": "/request_human"}]}
        related = [q for q in self.pools.questions[:3] if q != text]
        return {"type": "answer", "text": f"关于“{text}”：…… 来源：实施方案", "citation": {"task": 5},
                "related": related, "buttons": [{"title": q, "payload": q} for q in related]}

    def reply(self, st: dict[str, Any], text: str) -> list[dict[str, Any]]:
        slots = st["slots"]
        if st["form"] == "complaint":
            step = st["step"]
            if "取消" in text or text == "/cancel":
                st["form"] = None
                return [{"type": "text", "text": "已取消投诉。"}]
            if text in self.questions:
                return [self.answer(text), self.ask(st, step, "我们继续。")]
            if step == "phone":
                if not (MOBILE.search(text) or LANDLINE.search(text)):
                    return [self.ask(st, "phone", "电话格式不对。")]
                slots["phone"] = text
            elif step == "category":
                if text == "/affirm" or text in ("是", "对", "确认"):
                    slots["category"] = slots.get("suggested") or "其他"
                else:
                    slots["category"] = text if text in CATEGORIES else "市政公用"
            elif step == "confirm":
                if text in ("确认", "提交", "确认提交", "好的", "/affirm"):
                    return self.file(st)
                if text.startswith("等一下"):
                    return self.file(st) if self.file_on_wait else [self.ask(st, "confirm", "好的，不着急。")]
                if m := MOBILE.search(text):
                    slots["phone"] = m.group(0)
                    return [self.ask(st, "confirm", "电话已改。")]
                field = "phone" if "电话" in text else "location"
                del slots[field]
                st["editing"] = True
                return [self.ask(st, field)]
            else:
                slots[step] = text
            return [self.next_step(st)]
        if st["form"] == "ticket":
            st["form"] = None
            return self.status(st, text)
        if text == "/request_human" or "转人工" in text:
            st["handoff"] = True
            return [{"type": "handoff", "text": "正在为您转接人工客服。"}]
        if "投诉到哪" in text or "投诉处理到哪" in text:
            if st["tickets"]:
                return self.status(st, st["tickets"][-1])
            st["form"] = "ticket"
            return [{"type": "form", "form": "ticket", "step": "ticket_id", "text": "请提供工单编号。"}]
        if "SSB-" in text:
            return self.status(st, text)
        if text in self.questions or text in self.declines:
            return [self.answer(text)]
        if text == "/complain" or "投诉" in text or text in self.pools.grievances or "反映" in text:
            st["slots"] = slots = {}
            if m := MOBILE.search(text) or LANDLINE.search(text):
                slots["phone"] = m.group(0)
            if len(text) > 8 and not text.startswith("/"):
                slots["description"], slots["suggested"] = text, "政务服务"
            return [self.next_step(st)]
        if QUESTION_SHAPED.search(text):
            return [self.answer(text)]
        return [{"type": "text", "text": f"您好（{text}），我是西海岸新区企业服务助手。"}]

    def status(self, st: dict[str, Any], text: str) -> list[dict[str, Any]]:
        no = TICKET_NO_IN_TEXT_RE.search(text).group(0)
        if no in st["tickets"]:
            return [{"type": "ticket", "ticket": {"ticket_no": no}, "text": f"工单 {no} 当前状态：已受理。"}]
        return [{"type": "text", "text": f"没有找到工单 {no}。"}]


def play(sessions: list[Session], bot: Any) -> list:
    async def all_() -> list:
        return [await run_session(s, bot.send, f"t-{s.sid}") for s in sessions]

    return asyncio.run(all_())


def test_every_session_goes_through_a_contract_bot_without_failures(sessions, pools):
    outcomes = play(sessions, ContractBot(pools, sessions))
    summary = score(outcomes)
    assert summary["failed_sessions"] == 0, breakdown(outcomes, SEED, transcripts=True)[:6000]
    assert summary["dead_sessions"] == summary["empty_replies"] == summary["repeated_replies"] == 0
    assert summary["sessions"] == len(sessions) and summary["turns"] == sum(s.turns for s in sessions)
    assert summary["complaint_sessions"] == sum(1 for s in sessions if s.complaints)
    assert summary["tickets_created"] == summary["finishable_complaints"] > 50
    assert summary["unfiled_complaints"] == summary["unexpected_tickets"] == 0
    assert all(len(o.turns) == o.session.turns for o in outcomes), "planned turns are the turns played"
    # the handoff sessions ended routed to the agent queue, which is not a dead turn
    assert any(t.routed for o in outcomes for t in o.turns)


def test_without_the_shared_dev_set_too():
    """A fresh clone without ../shared has only tests/data/eval_extra.jsonl."""
    pools = Pools.load((ROOT / "tests" / "data" / "eval_extra.jsonl",))
    sessions = generate_sessions(200, SEED, pools)
    assert all(MIN_TURNS <= s.turns <= MAX_TURNS for s in sessions)
    outcomes = play(sessions, ContractBot(pools, sessions))
    assert score(outcomes)["failed_sessions"] == 0, breakdown(outcomes, SEED, transcripts=True)[:6000]


def test_unfiled_and_wrongly_filed_complaints_are_caught(sessions, pools):
    complaints = [s for s in sessions if any(c.finishes for c in s.complaints)]
    summary = score(play(complaints, ContractBot(pools, sessions, file_tickets=False)))
    assert summary["tickets_created"] == 0 and summary["unfiled_complaints"] == summary["finishable_complaints"] > 0
    waits = [s for s in sessions if "wait" in s.tags]
    outcomes = play(waits, ContractBot(pools, sessions, file_on_wait=True))
    assert score(outcomes)["unexpected_tickets"] == len(waits) > 0
    assert all(any(kind == "unexpected_ticket" for _, kind, _ in o.problems) for o in outcomes)


class Canned:
    """Fabricated replies, one per turn."""

    def __init__(self, replies: list[tuple[int, dict[str, Any]]]):
        self.replies = list(replies)

    async def send(self, sender: str, text: str) -> tuple[int, dict[str, Any], float]:
        status, body = self.replies.pop(0)
        return status, body, 10.0


def answer(text: str) -> dict[str, Any]:
    return {"messages": [{"type": "answer", "text": text, "citation": {"task": 5}}], "degraded": False}


QUESTIONS = [Say("企业注销要跑几个部门", "answer"), Say("那要多久？", "answer"), Say("需要什么材料？", "answer"),
             Say("谢谢")]


def one(replies: list[tuple[int, dict[str, Any]]], blocks: list | None = None):
    session = Session("x1", "scripted", "fabricated", ("question",), blocks or QUESTIONS)
    return asyncio.run(run_session(session, Canned(replies).send, "t-x1"))


def test_dead_empty_and_repeated_replies_are_detected():
    ok = one([(200, answer("甲")), (200, answer("乙")), (200, answer("丙")),
              (200, {"messages": [{"type": "text", "text": "不客气"}], "degraded": False})])
    assert not ok.dead and not ok.problems

    same = one([(200, answer("甲")), (200, answer("甲")), (200, answer("乙")), (200, answer("乙"))])
    s = score([same])
    assert s["same_as_previous_turn"] == 2 and s["repeated_replies"] == 0 and s["failed_sessions"] == 0

    twice = {"messages": [answer("甲")["messages"][0], answer("甲")["messages"][0]], "degraded": False}
    repeated = one([(200, answer("乙")), (200, twice), (200, answer("丙")), (200, answer("丁"))])
    s = score([repeated])
    assert s["repeated_replies"] == 1 and s["dead_sessions"] == 0 and s["failed_sessions"] == 1

    empty = one([(200, answer("甲")), (200, {"messages": [], "degraded": False}),
                 (200, {"messages": [{"type": "text", "text": "  "}], "degraded": False}), (200, answer("乙"))])
    s = score([empty])
    assert s["empty_replies"] == 2 and s["dead_sessions"] == 1

    degraded = one([(200, answer("甲")), (200, {"messages": [{"type": "error", "text": "抱歉"}], "degraded": True}),
                    (429, {"error": "发送太频繁，请稍后再试"}), (200, answer("乙"))])
    s = score([degraded, ok])
    assert s["dead_sessions"] == 1 and s["degraded_replies"] == 1 and s["http_errors"] == 1
    assert s["sessions"] == 2 and s["turns"] == 8 and s["p50_ms"] == 10.0

    unavailable = {"messages": [{"type": "declined", "reason": "api_error", "text": "抱歉，知识库暂时无法访问。"}],
                   "degraded": False}
    s = score([one([(200, answer("甲")), (200, unavailable), (200, answer("乙")), (200, answer("丙"))])])
    assert s["dead_sessions"] == 1 and s["degraded_replies"] == 1


def test_identical_declines_and_example_ticket_numbers_are_no_failures():
    declined = {"messages": [{"type": "declined", "text": "抱歉，没有找到可靠的答案。"}], "degraded": False}
    asks = {"messages": [{"type": "text", "text": "请提供工单编号，格式如 SSB-20261128-0001。"}], "degraded": False}
    outcome = one([(200, answer("甲")), (200, declined), (200, declined), (200, asks)])
    assert not outcome.problems and score([outcome])["unexpected_tickets"] == 0


def test_routing_after_a_handoff_is_expected_but_not_before():
    blocks = [Say("你好"), Say("转人工", "handoff"), Say("我的问题是出口退税", "routed"), Say("在吗", "routed")]
    routed = {"messages": [], "degraded": False, "handoff": "waiting"}
    fine = one([(200, {"messages": [{"type": "text", "text": "您好"}], "degraded": False}),
                (200, {"messages": [{"type": "handoff", "text": "正在转接"}], "degraded": False}),
                (200, routed), (200, routed)], blocks)
    assert not fine.dead and not fine.problems
    early = one([(200, routed), (200, routed), (200, routed), (200, routed)], blocks)
    assert early.dead and score([early])["empty_replies"] >= 1


def test_a_complaint_that_never_reaches_a_ticket_is_unfiled():
    c = Complaint(Say("我要投诉", "form"), {"company": [Say("个人", "advance")]}, {"company": "个人"}, True, False)
    form = {"messages": [{"type": "form", "form": "complaint", "step": "company", "text": "企业名称？"}],
            "degraded": False}
    outcome = one([(200, form), (200, {"messages": [{"type": "text", "text": "好的"}], "degraded": False})], [c])
    s = score([outcome])
    assert s["complaint_sessions"] == 1 and s["finishable_complaints"] == 1 and s["unfiled_complaints"] == 1
    assert s["tickets_created"] == 0 and any(k == "expected_advance" for _, k, _ in outcome.problems)


@pytest.mark.e2e
def test_mixed_sessions_through_the_stack(stack, sessions):
    picked = mixed(sessions, 12)
    assert {"complaint_typed", "complaint_clicked", "handoff", "ticket_status"} <= {t for s in picked for t in s.tags}
    outcomes = asyncio.run(run_eval(stack.url, picked, concurrency=4))
    summary = score(outcomes)
    report = breakdown(outcomes, SEED, transcripts=True)
    assert summary["dead_sessions"] == 0, report
    assert summary["finishable_complaints"] >= 2, report
    assert summary["unfiled_complaints"] == 0, report
    assert summary["tickets_created"] == summary["finishable_complaints"], report
    status, body = stack.admin("/api/admin/tickets")
    assert status == 200, body
    stored = {t["ticket_no"] for t in body["items"]}
    assert {no for o in outcomes for no in o.filed} <= stored, "every number shown is a stored ticket"
