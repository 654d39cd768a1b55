"""Tickets: numbering per day, the 诉速办 outbox (lease, attempts, retry) and status moves from callbacks."""

from __future__ import annotations

import time
from typing import Any

from web.store.db import Database
from web.susuban.wire import STATUS_RANK, TERMINAL_STATUSES


class Tickets:
    """Tickets, their delivery outbox state and event history."""

    def __init__(self, db: Database):
        self.db = db

    def create(self, fields: dict[str, Any], idempotency_key: str, delivery: str) -> tuple[dict[str, Any], bool]:
        """Store a ticket once per idempotency key; returns (ticket, created)."""
        now = time.time()
        with self.db.tx() as c:
            c.lock(f"ticket:{idempotency_key}")  # the same submission via two replicas: the second waits here
            row = c.execute("SELECT * FROM tickets WHERE idempotency_key = ?", (idempotency_key,)).fetchone()
            if row:
                return dict(row), False
            day = time.strftime("%Y%m%d", time.localtime(now))
            # the day's counter row is locked until commit: numbers stay unique and without gaps
            seq = c.execute("INSERT INTO ticket_numbers(day, last) VALUES (?, 1) "
                            "ON CONFLICT(day) DO UPDATE SET last = ticket_numbers.last + 1 RETURNING last",
                            (day,)).fetchone()[0]
            ticket_no = f"SSB-{day}-{seq:04d}"
            status = "queued" if delivery == "pending" else "local"
            row = c.execute(
                "INSERT INTO tickets (ticket_no, idempotency_key, channel, sender_hash, company, contact, phone,"
                " category, department, description, location, status, delivery, created_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING *",
                (ticket_no, idempotency_key, fields.get("channel", ""), fields.get("sender_hash", ""),
                 fields["company"], fields["contact"], fields["phone"], fields["category"], fields["department"],
                 fields["description"], fields.get("location", ""), status, delivery, now, now)).fetchone()
            c.execute("INSERT INTO ticket_events (ticket_id, at, kind, detail) VALUES (?,?,?,?)",
                      (row["id"], now, "created", status))
            return dict(row), True

    def get(self, ticket_no: str) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM tickets WHERE ticket_no = ?", (ticket_no,))
        return dict(rows[0]) if rows else None

    def events(self, ticket_id: int) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("SELECT at, kind, detail FROM ticket_events WHERE ticket_id = ? "
                                            "ORDER BY id", (ticket_id,))]

    def recent(self, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        if status:
            rows = self.db.query("SELECT * FROM tickets WHERE status = ? ORDER BY id DESC LIMIT ?", (status, limit))
        else:
            rows = self.db.query("SELECT * FROM tickets ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(r) for r in rows]

    def claim_due(self, now: float, lease_seconds: float, limit: int = 10) -> list[dict[str, Any]]:
        """Pending tickets whose turn has come, leased so no other dispatcher sends them meanwhile.

        On PostgreSQL a ticket another replica is leasing right now is skipped (SKIP LOCKED), and one it
        leased a moment ago no longer matches (its next_attempt_at moved): never both send one ticket.
        """
        with self.db.tx() as c:
            rows = [dict(r) for r in c.execute(
                "SELECT * FROM tickets WHERE delivery = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ? "
                "FOR UPDATE SKIP LOCKED", (now, limit))]
            if rows:
                c.executemany("UPDATE tickets SET next_attempt_at = ? WHERE id = ?",
                              [(now + lease_seconds, r["id"]) for r in rows])
        return rows

    def record_attempt(self, ticket_id: int, ok: bool, detail: str, next_attempt_at: float = 0.0,
                       give_up: bool = False, external_id: str = "") -> None:
        now = time.time()
        with self.db.tx() as c:
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

    def retry(self, ticket_no: str) -> bool:
        """Put a failed delivery back in the outbox (admin action)."""
        now = time.time()
        with self.db.tx() as c:
            row = c.execute("UPDATE tickets SET delivery='pending', next_attempt_at=0, attempts=0, updated_at=? "
                            "WHERE ticket_no=? AND delivery='failed' RETURNING id", (now, ticket_no)).fetchone()
            if not row:
                return False
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
        with self.db.tx() as c:
            c.execute("DELETE FROM susuban_callbacks WHERE signed_at < ?", (forget_before,))
            seen = c.execute("INSERT INTO susuban_callbacks (signature, signed_at, received_at) VALUES (?,?,?) "
                             "ON CONFLICT(signature) DO NOTHING", (signature, signed_at, now)).rowcount == 0
            # locked: two callbacks for one ticket decide one after the other, so status only moves forward
            row = c.execute("SELECT * FROM tickets WHERE ticket_no=? FOR UPDATE", (ticket_no,)).fetchone()
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
            row = c.execute("UPDATE tickets SET status=?, updated_at=? WHERE id=? RETURNING *",
                            (status, now, ticket["id"])).fetchone()
            c.execute("INSERT INTO ticket_events (ticket_id, at, kind, detail) VALUES (?,?,?,?)",
                      (ticket["id"], now, f"status:{status}", note[:500]))
            return "updated", dict(row)

    def update_status(self, ticket_no: str, status: str, note: str) -> dict[str, Any] | None:
        now = time.time()
        with self.db.tx() as c:
            row = c.execute("UPDATE tickets SET status=?, updated_at=? WHERE ticket_no=? RETURNING *",
                            (status, now, ticket_no)).fetchone()
            if not row:
                return None
            c.execute("INSERT INTO ticket_events (ticket_id, at, kind, detail) VALUES (?,?,?,?)",
                      (row["id"], now, f"status:{status}", note[:500]))
            return dict(row)
