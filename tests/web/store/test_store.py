import threading
import time

from web.store import Store
from web.store.migrations import MIGRATIONS


def fields(**kw):
    base = {"company": "c", "contact": "p", "phone": "13812345678", "category": "政务服务",
            "department": "区行政审批服务局", "description": "d"}
    return {**base, **kw}


def test_migrations_apply_once_and_reopen(tmp_path):
    s = Store(tmp_path / "a.db")
    assert s.schema_version == len(MIGRATIONS)
    s.close()
    assert Store(tmp_path / "a.db").schema_version == len(MIGRATIONS)


def test_ticket_numbers_are_unique_and_readable_under_concurrency(tmp_path):
    s = Store(tmp_path / "a.db")
    nos: list[str] = []

    def work(i: int) -> None:
        t, _ = s.tickets.create(fields(), f"key-{i}", "pending")
        nos.append(t["ticket_no"])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(nos)) == 40
    assert sorted(int(n[-4:]) for n in nos) == list(range(1, 41))


def test_idempotency_key_returns_the_same_ticket(tmp_path):
    s = Store(tmp_path / "a.db")
    t1, created1 = s.tickets.create(fields(), "same", "pending")
    t2, created2 = s.tickets.create(fields(description="other"), "same", "pending")
    assert created1 and not created2 and t1["ticket_no"] == t2["ticket_no"]


def test_claimed_ticket_is_not_claimed_twice_and_delivery_is_recorded_once(tmp_path):
    s = Store(tmp_path / "a.db")
    t, _ = s.tickets.create(fields(), "k", "pending")
    assert [x["id"] for x in s.tickets.claim_due(now=1e12, lease_seconds=10)] == [t["id"]]
    assert s.tickets.claim_due(now=1e12, lease_seconds=10) == []
    s.tickets.record_attempt(t["id"], True, "HTTP 201")
    s.tickets.record_attempt(t["id"], True, "HTTP 201")  # a late duplicate acknowledgement changes nothing
    got = s.tickets.get(t["ticket_no"])
    assert got["delivery"] == "delivered" and got["attempts"] == 1 and got["status"] == "delivered"


def test_failed_delivery_can_be_retried(tmp_path):
    s = Store(tmp_path / "a.db")
    t, _ = s.tickets.create(fields(), "k", "pending")
    s.tickets.record_attempt(t["id"], False, "HTTP 503", give_up=True)
    assert s.tickets.get(t["ticket_no"])["delivery"] == "failed"
    assert s.tickets.retry(t["ticket_no"]) and s.tickets.get(t["ticket_no"])["delivery"] == "pending"
    assert not s.tickets.retry(t["ticket_no"])


def test_callback_signatures_are_remembered_across_a_restart(tmp_path):
    s = Store(tmp_path / "a.db")
    t, _ = s.tickets.create(fields(), "k", "local")
    now = time.time()
    assert s.tickets.apply_callback("sha256=aa", now, now - 600, t["ticket_no"], "accepted")[0] == "updated"
    s.close()
    s = Store(tmp_path / "a.db")
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
