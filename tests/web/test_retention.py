"""Tracker retention reads only what became old enough since its previous pass."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from web.retention import apply_retention

PHONE = "13812345678"


def _tracker(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, timestamp REAL, "
                 "intent_name TEXT, action_name TEXT, data TEXT)")
    return conn


def _say(conn: sqlite3.Connection, at: float, text: str) -> None:
    with conn:
        conn.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?,?,?,?)",
                     ("s1", "user", at, json.dumps({"event": "user", "text": text}, ensure_ascii=False)))


def test_each_pass_reads_only_events_that_aged_since_the_last(tmp_path):
    db, now = tmp_path / "tracker.db", 1_000_000.0
    conn = _tracker(db)
    for i in range(50):
        _say(conn, now - 7200 - i, f"我的电话是{PHONE}")
    _say(conn, now - 60, f"刚才说的电话{PHONE}")  # too recent to mask yet

    first = apply_retention(db, mask_after_minutes=90, retention_days=30, now=now)
    assert first["scanned"] == 50 and first["masked"] == 50
    again = apply_retention(db, mask_after_minutes=90, retention_days=30, now=now + 600)
    assert again["scanned"] == 0, "a second pass must not re-read the whole tracker store"
    later = apply_retention(db, mask_after_minutes=90, retention_days=30, now=now + 90 * 60)
    assert later["scanned"] == 1 and later["masked"] == 1

    texts = [json.loads(d)["text"] for (d,) in conn.execute("SELECT data FROM events")]
    assert all(PHONE not in t for t in texts), texts
