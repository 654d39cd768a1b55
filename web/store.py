"""The app store: the one module that knows the SQLite schema (tickets, outbox, unanswered log…).

Schema changes are numbered migrations applied in order at open; `schema_version` records the last one.
Calls are synchronous and short (a local file in WAL mode); one connection guarded by a lock is shared
by the request handlers and the 诉速办 dispatcher.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from web.privacy import mask_pii

MIGRATIONS: list[str] = [
    # 1: tickets with their delivery outbox state, an event history, per-day numbering, unanswered log
    """
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        ticket_no TEXT NOT NULL UNIQUE,
        idempotency_key TEXT NOT NULL UNIQUE,
        channel TEXT NOT NULL DEFAULT '',
        sender_hash TEXT NOT NULL DEFAULT '',
        company TEXT NOT NULL,
        contact TEXT NOT NULL,
        phone TEXT NOT NULL,
        category TEXT NOT NULL,
        department TEXT NOT NULL,
        description TEXT NOT NULL,
        location TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,            -- queued | delivered | accepted | processing | resolved | rejected | local
        delivery TEXT NOT NULL,          -- pending | delivered | failed | local
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        external_id TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX tickets_outbox ON tickets(delivery, next_attempt_at);
    CREATE TABLE ticket_events (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE ticket_numbers (day TEXT PRIMARY KEY, last INTEGER NOT NULL);
    CREATE TABLE unanswered (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        channel TEXT NOT NULL,
        sender_hash TEXT NOT NULL,
        text TEXT NOT NULL,              -- PII-masked
        reason TEXT NOT NULL,
        candidates TEXT NOT NULL,        -- JSON list of {id, task, score, text}
        previous_turn TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'open'
    );
    CREATE INDEX unanswered_at ON unanswered(at);
    """,
    # 2: 👍/👎 on answers, one vote per shown message (a second click changes it)
    """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        channel TEXT NOT NULL,
        sender_hash TEXT NOT NULL,
        message_id TEXT NOT NULL,
        question TEXT NOT NULL,          -- PII-masked
        answer TEXT NOT NULL,
        task INTEGER,
        rating TEXT NOT NULL,            -- up | down
        UNIQUE (sender_hash, message_id)
    );
    CREATE INDEX feedback_at ON feedback(at);
    """,
    # 3: consoles — users and sessions, audit log, FAQ drafts, uploaded documents, chat turns, handoffs
    """
    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,              -- admin | agent
        active INTEGER NOT NULL DEFAULT 1,
        created_at REAL NOT NULL,
        last_login REAL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES users(username),
        csrf_token TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE TABLE login_failures (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,               -- username or client address
        at REAL NOT NULL
    );
    CREATE INDEX login_failures_key ON login_failures(key, at);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE faq_drafts (
        id TEXT PRIMARY KEY,
        data TEXT,                       -- JSON entry; NULL = delete
        updated_by TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        text TEXT NOT NULL,              -- full document file (front matter + body)
        state TEXT NOT NULL,             -- draft | published
        uploaded_by TEXT NOT NULL,
        uploaded_at REAL NOT NULL
    );
    CREATE TABLE chat_turns (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        sender TEXT NOT NULL,
        channel TEXT NOT NULL,
        question TEXT NOT NULL,
        reply TEXT NOT NULL,
        reply_type TEXT NOT NULL,        -- answer | declined | form | ticket | text | error | agent
        task INTEGER,
        topic TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX chat_turns_sender ON chat_turns(sender, id);
    CREATE INDEX chat_turns_at ON chat_turns(at);
    CREATE TABLE handoffs (
        id INTEGER PRIMARY KEY,
        sender TEXT NOT NULL,
        status TEXT NOT NULL,            -- waiting | active | closed
        agent TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        closed_reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX handoffs_sender ON handoffs(sender, status);
    CREATE TABLE handoff_messages (
        id INTEGER PRIMARY KEY,
        handoff_id INTEGER NOT NULL REFERENCES handoffs(id),
        at REAL NOT NULL,
        role TEXT NOT NULL,              -- user | agent | system
        text TEXT NOT NULL
    );
    ALTER TABLE unanswered ADD COLUMN group_id INTEGER;
    ALTER TABLE unanswered ADD COLUMN resolved_entry TEXT NOT NULL DEFAULT '';
    """,
    # 4: conversations the gateway had to recover, and the name a citizen sees for a staff member
    """
    CREATE TABLE chat_incidents (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        sender_hash TEXT NOT NULL,
        channel TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,              -- empty_reply | repeated_reply | rasa_error
        message TEXT NOT NULL DEFAULT '', -- the user's message, PII masked
        detail TEXT NOT NULL DEFAULT '',
        recovered INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX chat_incidents_at ON chat_incidents(at);
    ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
    """,
    # 5: signatures of 诉速办 callbacks already applied (a replay within the signing window is refused)
    """
    CREATE TABLE susuban_callbacks (
        signature TEXT PRIMARY KEY,
        signed_at REAL NOT NULL,         -- the request's X-SSB-Timestamp
        received_at REAL NOT NULL
    );
    CREATE INDEX susuban_callbacks_signed_at ON susuban_callbacks(signed_at);
    """,
]

INCIDENT_KINDS = ("empty_reply", "repeated_reply", "rasa_error")  # chat_incidents.kind
# ticket statuses in the order they may move: only forward, never out of a terminal one
STATUS_RANK = {"queued": 0, "local": 0, "delivered": 0, "accepted": 1, "processing": 2, "resolved": 3,
               "rejected": 3}
TERMINAL_STATUSES = frozenset({"resolved", "rejected"})


class Store:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        for suffix in ("", "-wal", "-shm"):  # tickets, sessions, audit: owner-only, whatever the umask
            with contextlib.suppress(OSError):  # not there (no WAL yet, :memory:) or not ours
                os.chmod(f"{self.path}{suffix}", 0o600)
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.RLock()
        self._migrate()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: no other writer can interleave)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, args).fetchall()

    def _migrate(self) -> None:
        with self.tx() as c:
            c.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = c.execute("SELECT version FROM schema_version").fetchone()
            current = row[0] if row else 0
            if row is None:
                c.execute("INSERT INTO schema_version VALUES (0)")
            for n, sql in enumerate(MIGRATIONS[current:], start=current + 1):
                code = re.sub(r"--[^\n]*", "", sql)  # comments may contain ';'
                for stmt in (s for s in code.split(";") if s.strip()):
                    c.execute(stmt)
                c.execute("UPDATE schema_version SET version = ?", (n,))

    @property
    def schema_version(self) -> int:
        return int(self.query("SELECT version FROM schema_version")[0][0])

    # -- tickets -------------------------------------------------------------------------------
    def create_ticket(self, fields: dict[str, Any], idempotency_key: str, delivery: str) -> tuple[dict[str, Any], bool]:
        """Store a ticket once per idempotency key; returns (ticket, created)."""
        now = time.time()
        with self.tx() as c:
            row = c.execute("SELECT * FROM tickets WHERE idempotency_key = ?", (idempotency_key,)).fetchone()
            if row:
                return dict(row), False
            day = time.strftime("%Y%m%d", time.localtime(now))
            c.execute("INSERT INTO ticket_numbers(day, last) VALUES (?, 1) "
                      "ON CONFLICT(day) DO UPDATE SET last = last + 1", (day,))
            seq = c.execute("SELECT last FROM ticket_numbers WHERE day = ?", (day,)).fetchone()[0]
            ticket_no = f"SSB-{day}-{seq:04d}"
            status = "queued" if delivery == "pending" else "local"
            cur = c.execute(
                "INSERT INTO tickets (ticket_no, idempotency_key, channel, sender_hash, company, contact, phone,"
                " category, department, description, location, status, delivery, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (ticket_no, idempotency_key, fields.get("channel", ""), fields.get("sender_hash", ""),
                 fields["company"], fields["contact"], fields["phone"], fields["category"], fields["department"],
                 fields["description"], fields.get("location", ""), status, delivery, now, now))
            c.execute("INSERT INTO ticket_events (ticket_id, at, kind, detail) VALUES (?,?,?,?)",
                      (cur.lastrowid, now, "created", status))
            row = c.execute("SELECT * FROM tickets WHERE id = ?", (cur.lastrowid,)).fetchone()
            return dict(row), True

    def ticket(self, ticket_no: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM tickets WHERE ticket_no = ?", (ticket_no,))
        return dict(rows[0]) if rows else None

    def ticket_events(self, ticket_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT at, kind, detail FROM ticket_events WHERE ticket_id = ? "
                                            "ORDER BY id", (ticket_id,))]

    def tickets(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        if status:
            rows = self.query("SELECT * FROM tickets WHERE status = ? ORDER BY id DESC LIMIT ?", (status, limit))
        else:
            rows = self.query("SELECT * FROM tickets ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(r) for r in rows]

    def claim_due(self, now: float, lease_seconds: float, limit: int = 10) -> list[dict[str, Any]]:
        """Pending tickets whose turn has come, leased so no other dispatcher sends them meanwhile."""
        with self.tx() as c:
            rows = [dict(r) for r in c.execute(
                "SELECT * FROM tickets WHERE delivery = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
                (now, limit))]
            for r in rows:
                c.execute("UPDATE tickets SET next_attempt_at = ? WHERE id = ?", (now + lease_seconds, r["id"]))
        return rows

    def record_attempt(self, ticket_id: int, ok: bool, detail: str, next_attempt_at: float = 0.0,
                       give_up: bool = False, external_id: str = "") -> None:
        now = time.time()
        with self.tx() as c:
            if ok:
                c.execute("UPDATE tickets SET delivery='delivered', status=CASE WHEN status='queued' THEN "
                          "'delivered' ELSE status END, attempts=attempts+1, last_error='', external_id=?, "
                          "updated_at=? WHERE id=? AND delivery='pending'", (external_id, now, ticket_id))
            else:
                c.execute("UPDATE tickets SET delivery=?, attempts=attempts+1, last_error=?, next_attempt_at=?, "
                          "updated_at=? WHERE id=? AND delivery='pending'",
                          ("failed" if give_up else "pending", detail[:500], next_attempt_at, now, ticket_id))
            c.execute("INSERT INTO ticket_events (ticket_id, at, kind, detail) VALUES (?,?,?,?)",
                      (ticket_id, now, "delivered" if ok else ("failed" if give_up else "retry"), detail[:500]))

    def retry_ticket(self, ticket_no: str) -> bool:
        """Put a failed delivery back in the outbox (admin action)."""
        now = time.time()
        with self.tx() as c:
            row = c.execute("SELECT id FROM tickets WHERE ticket_no=? AND delivery='failed'", (ticket_no,)).fetchone()
            if not row:
                return False
            c.execute("UPDATE tickets SET delivery='pending', next_attempt_at=0, attempts=0, updated_at=? "
                      "WHERE id=?", (now, row[0]))
            c.execute("INSERT INTO ticket_events (ticket_id, at, kind, detail) VALUES (?,?,?,?)",
                      (row[0], now, "retry_requested", ""))
            return True

    def apply_callback(self, signature: str, signed_at: float, forget_before: float, ticket_no: str,
                       status: str, note: str = "") -> tuple[str, dict[str, Any] | None]:
        """Record a signed 诉速办 callback once and move the ticket's status forward only.

        Returns (outcome, ticket): outcome is `replay` (this signature was seen before), `not_found`,
        `conflict` (not a forward move; nothing changed), `unchanged` (same status again) or `updated`.
        Signatures signed before `forget_before` are dropped: the signing window already refuses them.
        """
        now = time.time()
        with self.tx() as c:
            c.execute("DELETE FROM susuban_callbacks WHERE signed_at < ?", (forget_before,))
            seen = c.execute("INSERT INTO susuban_callbacks (signature, signed_at, received_at) VALUES (?,?,?) "
                             "ON CONFLICT(signature) DO NOTHING", (signature, signed_at, now)).rowcount == 0
            row = c.execute("SELECT * FROM tickets WHERE ticket_no=?", (ticket_no,)).fetchone()
            ticket = dict(row) if row else None
            if seen:
                return "replay", ticket
            if ticket is None:
                return "not_found", None
            old, new = STATUS_RANK.get(ticket["status"], 0), STATUS_RANK[status]
            if ticket["status"] == status:
                return "unchanged", ticket
            if ticket["status"] in TERMINAL_STATUSES or new <= old:
                return "conflict", ticket
            c.execute("UPDATE tickets SET status=?, updated_at=? WHERE id=?", (status, now, ticket["id"]))
            c.execute("INSERT INTO ticket_events (ticket_id, at, kind, detail) VALUES (?,?,?,?)",
                      (ticket["id"], now, f"status:{status}", note[:500]))
            return "updated", dict(c.execute("SELECT * FROM tickets WHERE id=?", (ticket["id"],)).fetchone())

    def update_status(self, ticket_no: str, status: str, note: str) -> dict[str, Any] | None:
        now = time.time()
        with self.tx() as c:
            row = c.execute("SELECT id FROM tickets WHERE ticket_no=?", (ticket_no,)).fetchone()
            if not row:
                return None
            c.execute("UPDATE tickets SET status=?, updated_at=? WHERE id=?", (status, now, row[0]))
            c.execute("INSERT INTO ticket_events (ticket_id, at, kind, detail) VALUES (?,?,?,?)",
                      (row[0], now, f"status:{status}", note[:500]))
        return self.ticket(ticket_no)

    # -- feedback ---------------------------------------------------------------------------------
    def record_feedback(self, channel: str, sender_hash: str, message_id: str, question: str, answer: str,
                        task: int | None, rating: str) -> int:
        with self.tx() as c:
            c.execute(
                "INSERT INTO feedback (at, channel, sender_hash, message_id, question, answer, task, rating) "
                "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(sender_hash, message_id) DO UPDATE SET "
                "rating=excluded.rating, at=excluded.at",
                (time.time(), channel, sender_hash, message_id, question, answer, task, rating))
            row = c.execute("SELECT id FROM feedback WHERE sender_hash=? AND message_id=?",
                            (sender_hash, message_id)).fetchone()
            return int(row[0])

    def feedback(self, rating: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        if rating:
            rows = self.query("SELECT * FROM feedback WHERE rating=? ORDER BY id DESC LIMIT ?", (rating, limit))
        else:
            rows = self.query("SELECT * FROM feedback ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(r) for r in rows]

    # -- unanswered questions --------------------------------------------------------------------
    def log_unanswered(self, channel: str, sender_hash: str, text: str, reason: str,
                       candidates: list[dict[str, Any]], previous_turn: str = "") -> int:
        with self.tx() as c:
            cur = c.execute(
                "INSERT INTO unanswered (at, channel, sender_hash, text, reason, candidates, previous_turn) "
                "VALUES (?,?,?,?,?,?,?)",
                (time.time(), channel, sender_hash, text, reason, json.dumps(candidates, ensure_ascii=False),
                 previous_turn))
            return int(cur.lastrowid)

    def unanswered(self, status: str = "open", limit: int = 200) -> list[dict[str, Any]]:
        rows = self.query("SELECT * FROM unanswered WHERE status = ? ORDER BY id DESC LIMIT ?", (status, limit))
        out = []
        for r in rows:
            d = dict(r)
            d["candidates"] = json.loads(d["candidates"])
            out.append(d)
        return out

    def mark_unanswered_resolved(self, ids: list[int], entry_id: str) -> int:
        with self.tx() as c:
            c.executemany("UPDATE unanswered SET status='resolved', resolved_entry=? WHERE id=?",
                          [(entry_id, i) for i in ids])
        return len(ids)

    # -- users and sessions ----------------------------------------------------------------------
    def create_user(self, username: str, password_hash: str, role: str, display_name: str = "") -> None:
        with self.tx() as c:
            c.execute("INSERT INTO users (username, password_hash, role, display_name, created_at) "
                      "VALUES (?,?,?,?,?)", (username, password_hash, role, display_name, time.time()))

    # staff_no: the row id, stable for the user's lifetime and unrelated to the login name (citizens see it)
    def user(self, username: str) -> dict[str, Any] | None:
        rows = self.query("SELECT rowid AS staff_no, * FROM users WHERE username = ?", (username,))
        return dict(rows[0]) if rows else None

    def users(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT username, role, active, created_at, last_login, display_name, "
                                            "rowid AS staff_no FROM users ORDER BY username")]

    def update_user(self, username: str, **fields: Any) -> None:
        allowed = {k: v for k, v in fields.items()
                   if k in ("password_hash", "role", "active", "last_login", "display_name")}
        if not allowed:
            return
        with self.tx() as c:
            c.execute(f"UPDATE users SET {', '.join(f'{k}=?' for k in allowed)} WHERE username=?",
                      (*allowed.values(), username))
            if "active" in allowed and not allowed["active"] or "password_hash" in allowed:
                c.execute("DELETE FROM sessions WHERE username=?", (username,))

    def create_session(self, token_hash: str, username: str, csrf: str, ttl: float) -> None:
        now = time.time()
        with self.tx() as c:
            c.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            c.execute("INSERT INTO sessions VALUES (?,?,?,?,?)", (token_hash, username, csrf, now, now + ttl))
            c.execute("UPDATE users SET last_login=? WHERE username=?", (now, username))

    def session(self, token_hash: str) -> dict[str, Any] | None:
        rows = self.query("SELECT s.csrf_token, u.username, u.role FROM sessions s JOIN users u "
                          "ON u.username = s.username WHERE s.token_hash=? AND s.expires_at > ? AND u.active=1",
                          (token_hash, time.time()))
        return dict(rows[0]) if rows else None

    def delete_session(self, token_hash: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM sessions WHERE token_hash=?", (token_hash,))

    def login_failures(self, key: str, since: float) -> int:
        return int(self.query("SELECT COUNT(*) FROM login_failures WHERE key=? AND at>=?", (key, since))[0][0])

    def last_login_failures(self, key: str, since: float) -> tuple[int, float]:
        """(failures of `key` since `since`, time of the latest one or 0.0)."""
        row = self.query("SELECT COUNT(*), MAX(at) FROM login_failures WHERE key=? AND at>=?", (key, since))[0]
        return int(row[0]), float(row[1] or 0.0)

    def record_login_failure(self, key: str) -> None:
        with self.tx() as c:
            c.execute("INSERT INTO login_failures (key, at) VALUES (?,?)", (key, time.time()))

    def clear_login_failures(self, key: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM login_failures WHERE key=?", (key,))

    # -- audit -----------------------------------------------------------------------------------
    def audit(self, username: str, action: str, target: str, detail: str = "") -> None:
        with self.tx() as c:
            c.execute("INSERT INTO audit (at, username, action, target, detail) VALUES (?,?,?,?,?)",
                      (time.time(), username, action, target, detail[:4000]))

    def audit_log(self, limit: int = 300) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))]

    # -- FAQ drafts and uploaded documents ---------------------------------------------------------
    def save_faq_draft(self, entry_id: str, data: dict[str, Any] | None, username: str) -> None:
        with self.tx() as c:
            c.execute("INSERT INTO faq_drafts (id, data, updated_by, updated_at) VALUES (?,?,?,?) "
                      "ON CONFLICT(id) DO UPDATE SET data=excluded.data, updated_by=excluded.updated_by, "
                      "updated_at=excluded.updated_at",
                      (entry_id, None if data is None else json.dumps(data, ensure_ascii=False), username,
                       time.time()))

    def faq_drafts(self) -> dict[str, dict[str, Any]]:
        return {r["id"]: {"data": json.loads(r["data"]) if r["data"] else None, "updated_by": r["updated_by"],
                          "updated_at": r["updated_at"]}
                for r in self.query("SELECT * FROM faq_drafts ORDER BY updated_at")}

    def clear_faq_drafts(self, ids: list[str]) -> None:
        with self.tx() as c:
            c.executemany("DELETE FROM faq_drafts WHERE id=?", [(i,) for i in ids])

    def save_document(self, doc_id: str, text: str, state: str, username: str) -> None:
        with self.tx() as c:
            c.execute("INSERT INTO documents VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET text=excluded.text, "
                      "state=excluded.state, uploaded_by=excluded.uploaded_by, uploaded_at=excluded.uploaded_at",
                      (doc_id, text, state, username, time.time()))

    def set_document_state(self, doc_id: str, state: str) -> None:
        """draft | published | publish_failed (a publish that never reached the live index)."""
        with self.tx() as c:
            c.execute("UPDATE documents SET state=? WHERE id=?", (state, doc_id))

    def documents(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT * FROM documents ORDER BY uploaded_at")]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM documents WHERE id=?", (doc_id,))
        return dict(rows[0]) if rows else None

    def delete_document(self, doc_id: str) -> None:
        with self.tx() as c:
            c.execute("DELETE FROM documents WHERE id=?", (doc_id,))

    # -- chat turns (analytics, handoff history) -----------------------------------------------------
    def log_turn(self, sender: str, channel: str, question: str, reply: str, reply_type: str,
                 task: int | None = None, topic: str = "") -> None:
        with self.tx() as c:
            c.execute("INSERT INTO chat_turns (at, sender, channel, question, reply, reply_type, task, topic) "
                      "VALUES (?,?,?,?,?,?,?,?)",
                      (time.time(), sender, channel, question, reply[:4000], reply_type, task, topic))

    def turns(self, sender: str, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.query("SELECT * FROM chat_turns WHERE sender=? ORDER BY id DESC LIMIT ?", (sender, limit))
        return [dict(r) for r in reversed(rows)]

    def turns_since(self, since: float) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT at, question, reply_type, task, topic FROM chat_turns "
                                            "WHERE at >= ? ORDER BY id", (since,))]

    def turn_counts(self) -> dict[str, int]:
        """All chat turns ever logged, by reply type (the metrics' counter)."""
        return {r[0]: int(r[1]) for r in self.query("SELECT reply_type, COUNT(*) FROM chat_turns GROUP BY reply_type")}

    # -- chat incidents (the gateway's safety net: conversations it had to recover) -----------------------
    def record_incident(self, sender_hash: str, channel: str, kind: str, message: str, detail: str = "",
                        recovered: bool = False) -> int:
        """Log one incident; the message is PII-masked here, the sender is only ever its keyed hash."""
        with self.tx() as c:
            cur = c.execute("INSERT INTO chat_incidents (at, sender_hash, channel, kind, message, detail, recovered) "
                            "VALUES (?,?,?,?,?,?,?)",
                            (time.time(), sender_hash, channel, kind, mask_pii(message)[:500], detail[:500],
                             int(recovered)))
            return int(cur.lastrowid)

    def mark_incident_recovered(self, incident_id: int) -> None:
        with self.tx() as c:
            c.execute("UPDATE chat_incidents SET recovered=1 WHERE id=?", (incident_id,))

    def incident_counts(self, since: float = 0.0, recovered: bool | None = None) -> dict[str, int]:
        """Incidents at or after `since` by kind (every known kind present); `recovered` filters."""
        sql, args = "SELECT kind, COUNT(*) FROM chat_incidents WHERE at >= ?", [since]
        if recovered is not None:
            sql, args = sql + " AND recovered = ?", [*args, int(recovered)]
        counts = dict.fromkeys(INCIDENT_KINDS, 0)
        counts.update({r[0]: int(r[1]) for r in self.query(sql + " GROUP BY kind", tuple(args))})
        return counts

    def incidents(self, limit: int = 20) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT * FROM chat_incidents ORDER BY id DESC LIMIT ?", (limit,))]

    # -- human handoff -------------------------------------------------------------------------------
    def open_handoff(self, sender: str) -> tuple[dict[str, Any], bool]:
        """The sender's open handoff, or a new one waiting in the queue; returns (handoff, created)."""
        now = time.time()
        with self.tx() as c:
            row = c.execute("SELECT * FROM handoffs WHERE sender=? AND status IN ('waiting','active')",
                            (sender,)).fetchone()
            if row:
                return dict(row), False
            cur = c.execute("INSERT INTO handoffs (sender, status, created_at, updated_at) VALUES (?,?,?,?)",
                            (sender, "waiting", now, now))
            return dict(c.execute("SELECT * FROM handoffs WHERE id=?", (cur.lastrowid,)).fetchone()), True

    def handoff(self, hid: int) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM handoffs WHERE id=?", (hid,))
        return dict(rows[0]) if rows else None

    def open_handoff_for(self, sender: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM handoffs WHERE sender=? AND status IN ('waiting','active') "
                          "ORDER BY id DESC LIMIT 1", (sender,))
        return dict(rows[0]) if rows else None

    def latest_handoff_for(self, sender: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM handoffs WHERE sender=? ORDER BY id DESC LIMIT 1", (sender,))
        return dict(rows[0]) if rows else None

    def handoffs(self, status: str, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Handoffs in `status`, oldest first; page on with `offset` (count_handoffs gives the total)."""
        return [dict(r) for r in self.query("SELECT * FROM handoffs WHERE status=? ORDER BY id LIMIT ? OFFSET ?",
                                            (status, limit, offset))]

    def count_handoffs(self, status: str) -> int:
        return int(self.query("SELECT COUNT(*) FROM handoffs WHERE status=?", (status,))[0][0])

    def update_handoff(self, hid: int, expect: tuple[str, ...], **fields: Any) -> bool:
        """Change a handoff only if it is in one of the `expect` states (two agents cannot both take it)."""
        fields["updated_at"] = time.time()
        with self.tx() as c:
            cur = c.execute(f"UPDATE handoffs SET {', '.join(f'{k}=?' for k in fields)} WHERE id=? AND status IN "
                            f"({','.join('?' * len(expect))})", (*fields.values(), hid, *expect))
            return cur.rowcount == 1

    def add_handoff_message(self, hid: int, role: str, text: str) -> dict[str, Any]:
        with self.tx() as c:
            cur = c.execute("INSERT INTO handoff_messages (handoff_id, at, role, text) VALUES (?,?,?,?)",
                            (hid, time.time(), role, text))
            c.execute("UPDATE handoffs SET updated_at=? WHERE id=?", (time.time(), hid))
            return dict(c.execute("SELECT * FROM handoff_messages WHERE id=?", (cur.lastrowid,)).fetchone())

    def handoff_messages(self, hid: int, after: int = 0) -> list[dict[str, Any]]:
        return [dict(r) for r in self.query("SELECT * FROM handoff_messages WHERE handoff_id=? AND id>? "
                                            "ORDER BY id", (hid, after))]
