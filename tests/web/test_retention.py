"""Tracker retention reads only what became old enough since its previous pass, on the SQLite tracker
and on Rasa's tracker store in PostgreSQL (the scaled deployment)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path

import psycopg
import pytest

from config import ROOT
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


# -- Rasa's tracker store on PostgreSQL (the scaled deployment) -----------------------------------------------

RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"
# Rasa's own SQLTrackerStore writes a conversation into PostgreSQL, then reads it back (as a replica would)
RASA_TRACKER = """
import asyncio, json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

async def main():
    store = SQLTrackerStore(Domain.empty(), host=sys.argv[1])
    if sys.argv[2] == "write":
        t = DialogueStateTracker("citizen-1", [])
        at = float(sys.argv[3])
        phone = "13812345678"
        for e in (UserUttered("我要投诉", timestamp=at), ActionExecuted("complaint_form", timestamp=at),
                  UserUttered("电话是" + phone, timestamp=at + 1), SlotSet("complaint_phone", phone, at + 1)):
            t.update(e)
        await store.save(t)
    else:
        t = await store.retrieve("citizen-1")
        print(json.dumps([e.as_dict().get("text") or e.as_dict().get("value") for e in t.events], ensure_ascii=False))

asyncio.run(main())
"""


def _rasa_tracker(url: str, *args: str) -> str:
    out = subprocess.run([str(RASA_PY), "-c", RASA_TRACKER, url, *args], capture_output=True, text=True,
                         timeout=180, cwd=ROOT, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip().splitlines()[-1] if args[0] == "read" else ""


@pytest.mark.skipif(not RASA_PY.exists(), reason="needs Rasa's venv (make setup)")
def test_postgres_tracker_of_rasa_is_masked_once_quiet_and_rasa_still_reads_it(pg_url):
    now = time.time()
    _rasa_tracker(pg_url, "write", str(now - 3 * 3600))  # a conversation that went quiet 3 hours ago
    assert PHONE in _rasa_tracker(pg_url, "read")

    done = apply_retention(pg_url, mask_after_minutes=90, retention_days=30)
    assert done["masked"] == 2 and done["deleted"] == 0  # the user's message and the slot

    seen = json.loads(_rasa_tracker(pg_url, "read"))  # what the next replica loads for this sender
    assert "我要投诉" in seen and not any(PHONE in str(v) for v in seen), seen
    assert apply_retention(pg_url, mask_after_minutes=90, retention_days=30)["scanned"] == 0


def test_postgres_tracker_passes_are_incremental_one_at_a_time_and_delete_old_conversations(pg_url):
    now = 1_000_000.0
    with psycopg.connect(pg_url, autocommit=True) as conn:  # Rasa's events table (rasa.core.tracker_store)
        conn.execute("CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                     "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name TEXT, action_name TEXT, data TEXT)")
        rows = [(now - 40 * 86400, "很久以前"), *((now - 7200 - i, f"电话{PHONE}") for i in range(20)),
                (now - 60, f"刚才{PHONE}")]
        for at, text in rows:
            conn.execute("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ('s1', 'user', %s, %s)",
                         (at, json.dumps({"event": "user", "text": text}, ensure_ascii=False)))

        # another replica's pass is running: this one skips instead of masking the same rows at once
        with psycopg.connect(pg_url) as other:
            other.execute("SELECT pg_advisory_xact_lock(hashtext('xha_retention'))")
            assert apply_retention(pg_url, 90, 30, now=now) == {"scanned": 0, "masked": 0, "deleted": 0}

        first = apply_retention(pg_url, 90, 30, now=now)
        assert first == {"scanned": 20, "masked": 20, "deleted": 1}
        assert apply_retention(pg_url, 90, 30, now=now + 600)["scanned"] == 0
        assert apply_retention(pg_url, 90, 30, now=now + 90 * 60)["masked"] == 1
        texts = [json.loads(d)["text"] for (d,) in conn.execute("SELECT data FROM events")]
    assert len(texts) == 21 and all(PHONE not in t for t in texts), texts
