"""Public write endpoints (/api/feedback, /api/handoff) over a real server: limits per address and sender."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.util import posts_from


def _feedback(sender: str, message_id: str) -> dict:
    return {"sender": sender, "message_id": message_id, "rating": "up", "question": "出口退税要多久", "answer": "…"}


def test_a_feedback_flood_from_one_address_is_limited(web_server, index_settings, settings):
    limit = int(settings["web"]["feedback_per_minute"])
    run = f"fb-{int(time.time() * 1000)}"
    # a different sender and message each time: only the per-address limit can stop them
    results = posts_from("127.0.0.4", web_server + "/api/feedback",
                         [_feedback(f"{run}-s{i}", f"{run}-m{i}") for i in range(1000)])
    codes = [status for status, _ in results]
    assert codes.count(201) <= limit and codes.count(429) >= 1000 - limit
    assert all("频繁" in body["error"] for status, body in results if status == 429)
    with sqlite3.connect(Path(index_settings["index"]["dir"]) / "app.db") as db:
        stored = db.execute("SELECT COUNT(*) FROM feedback WHERE message_id LIKE ?", (f"{run}-%",)).fetchone()[0]
    assert 1 <= stored <= limit
    # another address is not affected by this one's flood
    assert posts_from("127.0.0.9", web_server + "/api/feedback", [_feedback(f"{run}-other", f"{run}-x")])[0][0] == 201


def test_one_sender_cannot_flood_feedback_from_many_addresses(web_server, settings):
    limit = int(settings["web"]["feedback_per_minute"])
    run = f"fs-{int(time.time() * 1000)}"
    codes = [status for addr in ("127.0.0.10", "127.0.0.11", "127.0.0.12")
             for status, _ in posts_from(addr, web_server + "/api/feedback",
                                         [_feedback(run, f"{run}-{addr}-{i}") for i in range(limit)])]
    assert codes.count(201) == limit and codes.count(429) == 2 * limit


def test_a_handoff_flood_from_one_address_is_limited(web_server, index_settings, settings):
    limit = int(settings["web"]["handoff_per_minute"])
    run = f"ho-{int(time.time() * 1000)}"
    results = posts_from("127.0.0.5", web_server + "/api/handoff", [{"sender": f"{run}-{i}"} for i in range(120)])
    codes = [status for status, _ in results]
    assert codes.count(200) <= limit and codes.count(429) >= 120 - limit
    assert all("频繁" in body["error"] for status, body in results if status == 429)
    with sqlite3.connect(Path(index_settings["index"]["dir"]) / "app.db") as db:
        queued = db.execute("SELECT COUNT(*) FROM handoffs WHERE sender LIKE ?", (f"{run}-%",)).fetchone()[0]
    assert 1 <= queued <= limit
    # a real user elsewhere still gets through
    status, body = posts_from("127.0.0.6", web_server + "/api/handoff", [{"sender": f"{run}-real"}])[0]
    assert status == 200 and body["status"] == "waiting"
