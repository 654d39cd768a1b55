"""The store's aggregates on both engines (target: SQLite file and PostgreSQL database; see conftest).

Two `open_store()` calls are two replicas on one database: what must hold with several web processes."""

import random
import threading
import time
from collections.abc import Callable
from typing import Any

from web.store import Store
from web.susuban.wire import STATUS_RANK

OpenStore = Callable[[], Store]


def fields(**kw):
    base = {"company": "c", "contact": "p", "phone": "13812345678", "category": "政务服务",
            "department": "区行政审批服务局", "description": "d"}
    return {**base, **kw}


def race(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..n-1) on n threads released together; returns the results in index order."""
    results: list[Any] = [None] * n
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except BaseException as exc:  # surfaced below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_ticket_numbers_are_unique_and_readable_under_concurrency(open_store: OpenStore):
    replicas = [open_store(), open_store()]
    nos = race(40, lambda i: replicas[i % 2].tickets.create(fields(), f"key-{i}", "pending")[0]["ticket_no"])
    assert len(set(nos)) == 40
    assert sorted(int(n[-4:]) for n in nos) == list(range(1, 41))


def test_idempotency_key_returns_the_same_ticket(open_store: OpenStore):
    s = open_store()
    t1, created1 = s.tickets.create(fields(), "same", "pending")
    t2, created2 = s.tickets.create(fields(description="other"), "same", "pending")
    assert created1 and not created2 and t1["ticket_no"] == t2["ticket_no"]


def test_one_submission_racing_on_two_replicas_files_one_ticket_and_wastes_no_number(open_store: OpenStore):
    replicas = [open_store(), open_store()]
    got = race(8, lambda i: replicas[i % 2].tickets.create(fields(), "double-click", "pending"))
    assert len({t["ticket_no"] for t, _ in got}) == 1 and sum(created for _, created in got) == 1
    nxt, _ = replicas[0].tickets.create(fields(), "next", "pending")
    assert int(nxt["ticket_no"][-4:]) == 2
    assert len(replicas[1].tickets.recent()) == 2


def test_claimed_ticket_is_not_claimed_twice_and_delivery_is_recorded_once(open_store: OpenStore):
    s = open_store()
    t, _ = s.tickets.create(fields(), "k", "pending")
    assert [x["id"] for x in s.tickets.claim_due(now=1e12, lease_seconds=10)] == [t["id"]]
    assert s.tickets.claim_due(now=1e12, lease_seconds=10) == []
    s.tickets.record_attempt(t["id"], True, "HTTP 201")
    s.tickets.record_attempt(t["id"], True, "HTTP 201")  # a late duplicate acknowledgement changes nothing
    got = s.tickets.get(t["ticket_no"])
    assert got["delivery"] == "delivered" and got["attempts"] == 1 and got["status"] == "delivered"


def test_racing_claims_on_two_replicas_lease_each_ticket_once(open_store: OpenStore):
    replicas = [open_store(), open_store()]
    ids = {replicas[0].tickets.create(fields(), f"k{i}", "pending")[0]["id"] for i in range(30)}
    now = time.time()

    def claim_all(i: int) -> list[int]:
        mine: list[int] = []
        while batch := replicas[i % 2].tickets.claim_due(now, lease_seconds=600, limit=3):
            mine += [t["id"] for t in batch]
        return mine

    claimed = [tid for got in race(6, claim_all) for tid in got]
    assert sorted(claimed) == sorted(ids), "every due ticket leased, none twice"


def test_failed_delivery_can_be_retried(open_store: OpenStore):
    s = open_store()
    t, _ = s.tickets.create(fields(), "k", "pending")
    s.tickets.record_attempt(t["id"], False, "HTTP 503", give_up=True)
    assert s.tickets.get(t["ticket_no"])["delivery"] == "failed"
    assert s.tickets.retry(t["ticket_no"]) and s.tickets.get(t["ticket_no"])["delivery"] == "pending"
    assert not s.tickets.retry(t["ticket_no"])
    assert [e["kind"] for e in s.tickets.events(t["id"])] == ["created", "failed", "retry_requested"]


def test_callback_signatures_are_remembered_across_a_restart(open_store: OpenStore):
    s = open_store()
    t, _ = s.tickets.create(fields(), "k", "local")
    now = time.time()
    assert s.tickets.apply_callback("sha256=aa", now, now - 600, t["ticket_no"], "accepted")[0] == "updated"
    s.close()
    s = open_store()
    outcome, got = s.tickets.apply_callback("sha256=aa", now, now - 600, t["ticket_no"], "processing")
    assert outcome == "replay" and got["status"] == "accepted"
    assert s.tickets.apply_callback("sha256=bb", now, now - 600, t["ticket_no"], "processing")[0] == "updated"
    assert s.tickets.apply_callback("sha256=cc", now, now - 600, t["ticket_no"], "accepted")[0] == "conflict"
    assert s.tickets.apply_callback("sha256=dd", now, now - 600, t["ticket_no"], "rejected")[0] == "updated"
    assert s.tickets.apply_callback("sha256=ee", now, now - 600, t["ticket_no"], "resolved")[0] == "conflict"
    assert s.tickets.get(t["ticket_no"])["status"] == "rejected"
    # signatures from before the signing window are forgotten (verify refuses those requests anyway)
    assert s.tickets.apply_callback("sha256=ff", now, now + 1, "SSB-00000000-0000", "accepted")[0] == "not_found"
    assert s.db.query("SELECT signature FROM susuban_callbacks")[0][0] == "sha256=ff"


def test_racing_callbacks_only_ever_move_a_ticket_forward(open_store: OpenStore):
    replicas = [open_store(), open_store()]
    t, _ = replicas[0].tickets.create(fields(), "k", "local")
    statuses = ["accepted", "processing", "resolved"] * 3
    random.Random(7).shuffle(statuses)
    now = time.time()
    race(len(statuses), lambda i: replicas[i % 2].tickets.apply_callback(
        f"sha256={i}", now, now - 600, t["ticket_no"], statuses[i]))
    moves = [e["kind"].split(":")[1] for e in replicas[1].tickets.events(t["id"]) if e["kind"].startswith("status:")]
    ranks = [STATUS_RANK[m] for m in moves]
    assert ranks == sorted(set(ranks)), f"status moved backwards or twice: {moves}"
    assert replicas[1].tickets.get(t["ticket_no"])["status"] == "resolved"


def test_timestamps_keep_sub_second_precision(open_store: OpenStore):
    s = open_store()
    before = time.time()
    t, _ = s.tickets.create(fields(), "k", "pending")
    assert abs(s.tickets.get(t["ticket_no"])["created_at"] - before) < 1.0
    assert isinstance(t["created_at"], float) and t["created_at"] != int(t["created_at"])


def test_a_sender_gets_one_handoff_and_one_agent_takes_it(open_store: OpenStore):
    replicas = [open_store(), open_store()]
    opened = race(6, lambda i: replicas[i % 2].handoffs.open("sender-1"))
    assert len({h["id"] for h, _ in opened}) == 1 and sum(created for _, created in opened) == 1
    hid = opened[0][0]["id"]
    taken = race(6, lambda i: replicas[i % 2].handoffs.update(hid, ("waiting",), status="active", agent=f"a{i}"))
    assert taken.count(True) == 1
    got = replicas[0].handoffs.get(hid)
    assert got["status"] == "active" and got["agent"] == f"a{taken.index(True)}"
    msg = replicas[1].handoffs.add_message(hid, "agent", "您好")
    assert replicas[0].handoffs.messages(hid) == [msg] and msg["text"] == "您好"


def test_users_sessions_and_staff_numbers(open_store: OpenStore):
    s = open_store()
    s.accounts.create_user("zhang", "h1", "agent")
    s.accounts.create_user("li", "h2", "admin", "李工")
    assert s.accounts.user("zhang")["staff_no"] == 1 and s.accounts.user("li")["staff_no"] == 2
    assert [(u["username"], u["staff_no"], u["display_name"]) for u in s.accounts.users()] == [
        ("li", 2, "李工"), ("zhang", 1, "")]
    s.accounts.create_session("tok", "zhang", "csrf", 60)
    assert s.accounts.session("tok") == {"csrf_token": "csrf", "username": "zhang", "role": "agent"}
    s.accounts.update_user("zhang", active=False)  # a deactivated user's sessions end with it
    assert s.accounts.session("tok") is None and s.accounts.user("zhang")["active"] == 0


def test_parallel_sign_in_attempts_on_two_replicas_each_see_the_ones_before(open_store: OpenStore):
    """Twenty attempts at once through two replicas: each is counted before its password check, so each sees
    a different number of attempts before it (no two pass the lockout check on the same count)."""
    replicas = [open_store(), open_store()]
    seen: list[int] = []
    rows: list[list[int]] = []

    def attempt(i: int) -> None:
        history, ids = replicas[i % 2].accounts.begin_login_attempt(
            "addr:10.0.0.1", time.time() - 60, "pair:10.0.0.1|zhang", time.time() - 60)
        seen.append(history.pair_failures)
        rows.append(ids)

    race(20, attempt)
    assert sorted(seen) == list(range(20))
    replicas[1].accounts.forget_login_attempt(rows[0])  # a success or an unchecked refusal takes it back
    history, _ = replicas[0].accounts.begin_login_attempt("addr:10.0.0.1", 0, "pair:10.0.0.1|zhang", 0)
    assert history.addr_failures == history.pair_failures == 19 and time.time() - history.pair_last < 60
    replicas[1].accounts.clear_login_failures("pair:10.0.0.1|zhang")
    assert replicas[0].accounts.begin_login_attempt("addr:10.0.0.2", 0, "pair:10.0.0.1|zhang", 0)[0].pair_failures == 0


def test_a_draft_saved_during_a_publish_is_kept_for_the_next(open_store: OpenStore):
    admin, other = open_store(), open_store()
    admin.drafts.save_faq_draft("f1", {"q": "旧"}, "admin")
    admin.drafts.save_faq_draft("f2", None, "admin")
    read = admin.drafts.faq_drafts()
    time.sleep(0.01)
    other.drafts.save_faq_draft("f1", {"q": "新"}, "admin2")  # saved while the publish was running
    admin.drafts.clear_faq_drafts(list(read), read)
    assert admin.drafts.faq_drafts() == {"f1": {"data": {"q": "新"}, "updated_by": "admin2",
                                                "updated_at": other.drafts.faq_drafts()["f1"]["updated_at"]}}
    admin.drafts.clear_faq_drafts(["f1"])
    assert admin.drafts.faq_drafts() == {}


def test_documents_feedback_and_logs(open_store: OpenStore):
    s = open_store()
    s.drafts.save_document("d1", "正文 100%", "draft", "admin")
    s.drafts.save_document("d1", "正文 100% 第二版", "draft", "admin")
    s.drafts.set_document_state("d1", "published")
    assert [(d["id"], d["text"], d["state"]) for d in s.drafts.documents()] == [("d1", "正文 100% 第二版", "published")]
    first = s.logs.record_feedback("web", "h", "m1", "问", "答", 3, "up")
    assert s.logs.record_feedback("web", "h", "m1", "问", "答", 3, "down") == first  # a second click changes it
    assert s.logs.ratings_since(0) == {"down": 1}
    uid = s.logs.log_unanswered("web", "h", "问题?", "low_score", [{"id": "f1", "score": 0.5}])
    row = s.logs.unanswered()[0]
    assert row["id"] == uid and row["candidates"] == [{"id": "f1", "score": 0.5}]
    assert s.logs.mark_unanswered_resolved([uid], "f9") == 1
    assert s.logs.unanswered("resolved")[0]["resolved_entry"] == "f9"
    s.logs.log_turn("s1", "web", "问", "答", "answer", 3)
    assert s.logs.turn_counts() == {"answer": 1} and s.logs.turns("s1")[0]["reply"] == "答"
    # (the sender id is random, no one's words: the PII check skips it)
    assert s.logs.texts_at_rest()["chat_turns"] == [["web", "问", "答", "answer", ""]]  # what the PII check reads
    iid = s.logs.record_incident("h", "web", "empty_reply", "电话13812345678")
    s.logs.mark_incident_recovered(iid)
    assert s.logs.incident_counts(recovered=True)["empty_reply"] == 1
    assert "13812345678" not in s.logs.incidents()[0]["message"]
    s.logs.audit("admin", "publish_faq", "v2")
    assert s.logs.audit_log()[0]["action"] == "publish_faq"


def test_every_other_read_and_write_answers_alike_on_both_engines(open_store: OpenStore):
    s = open_store()
    t, _ = s.tickets.create(fields(channel="web"), "k", "pending")
    s.tickets.record_attempt(t["id"], False, "HTTP 503", next_attempt_at=1e12)
    got = s.tickets.get(t["ticket_no"])
    assert (got["delivery"], got["attempts"], got["last_error"]) == ("pending", 1, "HTTP 503")
    assert got["next_attempt_at"] == 1e12
    assert s.tickets.claim_due(now=1e11, lease_seconds=10) == []  # its retry is not due yet
    assert s.tickets.update_status(t["ticket_no"], "processing", "转办")["status"] == "processing"
    assert s.tickets.update_status("SSB-00000000-0000", "processing", "") is None
    assert [r["ticket_no"] for r in s.tickets.recent("processing")] == [t["ticket_no"]] and s.tickets.recent("x") == []
    h, _ = s.handoffs.open("s1")
    assert s.handoffs.open_for("s1")["id"] == h["id"] and s.handoffs.count("waiting") == 1
    assert [x["id"] for x in s.handoffs.in_status("waiting", limit=5, offset=0)] == [h["id"]]
    assert s.handoffs.in_status("waiting", limit=5, offset=1) == []
    first = s.handoffs.add_message(h["id"], "user", "在吗")
    second = s.handoffs.add_message(h["id"], "agent", "在")
    assert s.handoffs.messages(h["id"], after=first["id"]) == [second]
    assert s.handoffs.update(h["id"], ("waiting", "active"), status="closed", closed_reason="done")
    assert s.handoffs.open_for("s1") is None and s.handoffs.latest_for("s1")["closed_reason"] == "done"
    s.accounts.create_user("zhang", "h1", "agent")
    s.accounts.create_session("tok", "zhang", "csrf", 60)
    s.accounts.update_user("zhang", password_hash="h2")  # a new password ends the sessions
    assert s.accounts.session("tok") is None and s.accounts.user("zhang")["password_hash"] == "h2"
    s.accounts.create_session("tok2", "zhang", "csrf", 60)
    s.accounts.delete_session("tok2")
    assert s.accounts.session("tok2") is None and s.accounts.user("zhang")["last_login"] > 0
    s.drafts.save_document("d1", "正文", "draft", "admin")
    assert s.drafts.document("d1")["text"] == "正文"
    s.drafts.delete_document("d1")
    assert s.drafts.document("d1") is None and s.drafts.documents() == []
    s.logs.record_feedback("web", "h", "m1", "问", "答", None, "down")
    assert [f["rating"] for f in s.logs.feedback("down")] == ["down"] and s.logs.feedback("up") == []
    s.logs.log_unanswered("web", "h", "问", "low_score", [])
    assert len(s.logs.unanswered_times(0)) == 1 and s.logs.unanswered_times(1e12) == []
    s.logs.log_turn("s1", "web", "问", "答", "answer", None, "社保")
    assert [x["topic"] for x in s.logs.turns_since(0)] == ["社保"]
    s.logs.record_incident("h", "web", "rasa_error", "超时", recovered=True)
    assert s.logs.incidents()[0]["recovered"] == 1 and s.logs.incident_counts(recovered=False)["rasa_error"] == 0
