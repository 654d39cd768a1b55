"""The scale test's own parts: what counts as a failed turn, the 诉速办 receiver, and how the summary
counts lost conversations, duplicate and lost tickets and failed turns per kill."""

from __future__ import annotations

import asyncio
import json
import subprocess

import aiohttp

from tests.util import free_port
from web.privacy import hash_sender
from web.susuban.wire import sign
from web.tools.evalchat import post_chat
from web.tools.evaldialogue import Outcome, Say, Session, Turn, run_session
from web.tools.scaletest import (
    Failure,
    Ports,
    Receiver,
    Run,
    failure_kind,
    read_env_file,
    replay_on_quiet_stack,
    summarize,
)

SALT = "salt-1"


def test_a_failed_turn_is_what_a_user_sees_as_no_answer() -> None:
    ok = {"messages": [{"type": "answer", "text": "可以网上办理。"}], "degraded": False}
    assert failure_kind(200, ok) == ""
    assert failure_kind(502, {}) == "http_502"
    assert failure_kind(0, {}) == "connection"
    assert failure_kind(200, {"messages": [{"type": "error", "text": "抱歉"}], "degraded": True}) == "degraded"
    declined = {"messages": [{"type": "declined", "text": "抱歉", "reason": "api_error"}]}
    assert failure_kind(200, declined) == "api_error"
    assert failure_kind(200, {"messages": [{"type": "declined", "text": "抱歉", "reason": "no_match"}]}) == ""


async def test_receiver_checks_signatures_and_counts_a_resent_key_once() -> None:
    r = Receiver("s3cret", free_port())
    await r.start()
    body = json.dumps({"ticket_no": "SSB-20261130-0001", "description": "噪音"}).encode()
    try:
        async with aiohttp.ClientSession() as http:
            statuses = []
            for secret in ("s3cret", "s3cret", "wrong"):
                headers = {"Idempotency-Key": "k1", "Content-Type": "application/json", **sign(secret, body)}
                async with http.post(r.url, data=body, headers=headers) as resp:
                    statuses.append((resp.status, (await resp.json()).get("id")))
    finally:
        await r.stop()
    assert statuses == [(201, "EXT00001"), (200, "EXT00001"), (401, None)]
    assert r.ticket_numbers() == {"SSB-20261130-0001": 1} and r.posts["k1"] == 2 and r.bad_signatures == 1


def test_ports_of_one_stack_come_from_one_base() -> None:
    p = Ports(7400)
    assert (p.web, p.rasa, p.actions, p.receiver) == (7400, 7410, 7420, 7433)
    assert p.health("web", 2) == "http://127.0.0.1:7402/api/health"
    assert p.health("rasa", 1) == "http://127.0.0.1:7411/"
    assert p.env()["XHA_PG_PORT"] == "7430"


def test_settings_written_by_the_script_are_read_back(tmp_path) -> None:
    """run_scaled.sh writes its settings with bash's printf %q; URLs and paths come back unchanged."""
    url = "postgresql://xha:ab12@127.0.0.1:7330/xha"
    path = tmp_path / "settings.env"
    subprocess.run(["bash", "-c", f"printf '%s=%q\\n' XHA_WEB__STORE '{url}' XHA_INDEX__DIR '{tmp_path}' > {path}"],
                   check=True)
    assert read_env_file(path) == {"XHA_WEB__STORE": url, "XHA_INDEX__DIR": str(tmp_path)}


def _outcome(sender: str, problems: list[tuple[int, str, str]] | None = None) -> Outcome:
    session = Session("r0001", "random", "complaint", ("complaint",), [Say("我要投诉", "form")])
    o = Outcome(session, sender)
    o.turns = [Turn("我要投诉", "", 200, {"messages": []}, 120.0)]
    o.problems = problems or []
    return o


def _row(no: str, sender: str, description: str = "噪音扰民") -> dict:
    return {"ticket_no": no, "sender_hash": hash_sender(sender, SALT), "description": description}


def test_summary_counts_lost_conversations_duplicate_and_lost_tickets() -> None:
    run = Run(replicas=2, sessions=3, seconds=60.0, pace=8.0)
    run.outcomes = [_outcome("a"), _outcome("b", [(3, "expected_advance", "wanted the next step after phone")]),
                    _outcome("c")]
    run.latencies, run.answered_in_time = [100.0, 200.0, 300.0], 3
    # a kill's drain: 25 s, or until its replacement is healthy again (+5 s) when that takes longer; a failure
    # in two drains belongs to the later kill
    run.kills = [{"replica": "web1", "at_s": 10.0, "healthy_again_s": 40.0},
                 {"replica": "rasa1", "at_s": 30.0, "healthy_again_s": 10.0}]
    run.failures = [Failure(11.0, "http_502", "a"), Failure(54.0, "degraded", "b"), Failure(58.0, "http_429", "c"),
                    Failure(31.0, "degraded", "b")]
    run.told = {"T1", "T2", "T3"}  # T3 was shown but never stored
    run.forms_at_kills = {"a", "b"}
    run.publish = {"version": "v2", "replicas": {"web1": 0.4, "web2": 7.5}}
    rows = [_row("T1", "a"), _row("T2", "c"), _row("T4", "c")]  # T4: c's complaint filed a second time
    receiver = Receiver("s", 1)
    receiver.by_key = {"k1": {"body": {"ticket_no": "T1"}}, "k2": {"body": {"ticket_no": "T2"}}}  # T4 not delivered

    r = summarize(run, rows, receiver, restarted={"a", "d"}, salt=SALT)

    assert r["lost_conversations"] == 2  # b's form broke, a's tracker was reset after its failed turn
    assert r["restarted_after_failures"] == 1 and r["restarted_without_failure"] == 1
    assert r["duplicate_tickets"] == 1
    assert r["lost_tickets"] == 2  # T3 not in the store, T4 never reached 诉速办
    assert r["failed_turns"] == 4 and r["failed_turns_by_kill"] == {"web1": 1, "rasa1": 2, "outside_drain": 1}
    assert r["failed_outside_drain"] == 1
    assert r["replicas_on_new_version"] == 1  # web2 took longer than 5 s
    assert r["forms_open_at_kills"] == 2 and r["forms_continued"] == 0  # both lost
    assert r["turns"] == 3 and r["p50_ms"] == 200.0


def test_a_break_the_control_replay_reproduces_is_a_dialogue_error_not_a_lost_conversation() -> None:
    run = Run(replicas=2, sessions=3, seconds=60.0, pace=8.0)
    misread = [(2, "expected_form", "wanted the complaint form; got answer(task 1)")]
    run.outcomes = [_outcome("a", misread), _outcome("b", [(3, "expected_advance", "wanted the next step")]),
                    _outcome("c", misread)]
    run.latencies, run.answered_in_time = [100.0], 1
    run.failures = [Failure(11.0, "http_502", "c")]
    receiver = Receiver("s", 1)

    # a broke the same way on the quiet stack; b did not (lost); c was reset after a failed turn (lost anyway)
    r = summarize(run, [], receiver, restarted={"c"}, salt=SALT, reproduced={"a", "c"})

    assert r["lost_conversations"] == 2 and {d["sender"] for d in r["lost_details"]} == {"b", "c"}
    assert r["dialogue_errors"] == 1 and r["dialogue_error_details"][0]["sender"] == "a"
    assert "expected_form" in r["dialogue_error_details"][0]["problems"][0]


def test_the_control_replay_tells_a_misread_session_from_one_a_kill_broke(stack) -> None:
    """Through the real stack: a session the bot misreads whatever happens breaks the same way again; one
    whose recorded break the replay does not show (what a kill does) is not reproduced."""
    # "你好" never opens the complaint form: the judge's expectation breaks at turn 1, every time
    misread = Session("r9001", "random", "complaint", ("complaint",), [Say("你好", "form")])
    played = asyncio.run(run_session(misread, _sender(stack), "scale-ctl-misread"))
    assert played.failed
    fine = Session("r9002", "random", "qa", ("question",), [Say("企业注销要跑几个部门", "answer")])
    killed = _outcome("scale-ctl-killed", [(1, "expected_answer", "got degraded: the replica died")])
    killed.session = fine

    reproduced = asyncio.run(replay_on_quiet_stack(stack.url, [played, killed], pace=0.0))

    assert reproduced == {"scale-ctl-misread"}


def _sender(stack):
    """evaldialogue's send(sender, text) over real HTTP to the stack's gateway."""
    async def send(sender: str, text: str):
        async with aiohttp.ClientSession() as http:
            return await post_chat(http, stack.url, sender, text)
    return send
