"""Human handoff: the 转人工 queue, who took a conversation, and its messages."""

from __future__ import annotations

import time
from typing import Any

from web.store.db import Database


class Handoffs:
    """Conversations handed to a person, and the messages exchanged there."""

    def __init__(self, db: Database):
        self.db = db

    def open(self, sender: str) -> tuple[dict[str, Any], bool]:
        """The sender's open handoff, or a new one waiting in the queue; returns (handoff, created)."""
        now = time.time()
        with self.db.tx() as c:
            c.lock(f"handoff:{sender}")  # one open handoff per sender, whichever replica asks first
            row = c.execute("SELECT * FROM handoffs WHERE sender=? AND status IN ('waiting','active')",
                            (sender,)).fetchone()
            if row:
                return dict(row), False
            row = c.execute("INSERT INTO handoffs (sender, status, created_at, updated_at) VALUES (?,?,?,?) "
                            "RETURNING *", (sender, "waiting", now, now)).fetchone()
            return dict(row), True

    def get(self, hid: int) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM handoffs WHERE id=?", (hid,))
        return dict(rows[0]) if rows else None

    def open_for(self, sender: str) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM handoffs WHERE sender=? AND status IN ('waiting','active') "
                          "ORDER BY id DESC LIMIT 1", (sender,))
        return dict(rows[0]) if rows else None

    def latest_for(self, sender: str) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM handoffs WHERE sender=? ORDER BY id DESC LIMIT 1", (sender,))
        return dict(rows[0]) if rows else None

    def in_status(self, status: str, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Handoffs in `status`, oldest first; page on with `offset` (count_handoffs gives the total)."""
        return [dict(r) for r in self.db.query("SELECT * FROM handoffs WHERE status=? ORDER BY id LIMIT ? OFFSET ?",
                                            (status, limit, offset))]

    def count(self, status: str) -> int:
        return int(self.db.query("SELECT COUNT(*) FROM handoffs WHERE status=?", (status,))[0][0])

    def update(self, hid: int, expect: tuple[str, ...], **fields: Any) -> bool:
        """Change a handoff only if it is in one of the `expect` states (two agents cannot both take it:
        the second UPDATE waits for the first's row lock, then finds the status changed)."""
        fields["updated_at"] = time.time()
        with self.db.tx() as c:
            cur = c.execute(f"UPDATE handoffs SET {', '.join(f'{k}=?' for k in fields)} WHERE id=? AND status IN "
                            f"({','.join('?' * len(expect))})", (*fields.values(), hid, *expect))
            return cur.rowcount == 1

    def add_message(self, hid: int, role: str, text: str) -> dict[str, Any]:
        with self.db.tx() as c:
            row = c.execute("INSERT INTO handoff_messages (handoff_id, at, role, text) VALUES (?,?,?,?) RETURNING *",
                            (hid, time.time(), role, text)).fetchone()
            c.execute("UPDATE handoffs SET updated_at=? WHERE id=?", (time.time(), hid))
            return dict(row)

    def messages(self, hid: int, after: int = 0) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("SELECT * FROM handoff_messages WHERE handoff_id=? AND id>? "
                                            "ORDER BY id", (hid, after))]
