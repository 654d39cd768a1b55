"""Logs: what happened in conversations and consoles — feedback, unanswered questions, chat turns, the
gateway's incidents, the audit trail — and the analytics read from them."""

from __future__ import annotations

import json
import time
from typing import Any

from web.privacy import mask_pii
from web.store.db import Database

INCIDENT_KINDS = ("empty_reply", "repeated_reply", "rasa_error")  # chat_incidents.kind
SENDER_COLUMNS = ("sender", "sender_hash")  # random ids, never a person's words
PII_TABLES = ("chat_turns", "feedback", "unanswered")  # citizens' own words, PII-masked before they are stored


class Logs:
    """Append-mostly records: feedback, unanswered questions, chat turns, incidents, audit."""

    def __init__(self, db: Database):
        self.db = db

    def record_feedback(self, channel: str, sender_hash: str, message_id: str, question: str, answer: str,
                        task: int | None, rating: str) -> int:
        with self.db.tx() as c:
            row = c.execute(
                "INSERT INTO feedback (at, channel, sender_hash, message_id, question, answer, task, rating) "
                "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(sender_hash, message_id) DO UPDATE SET "
                "rating=excluded.rating, at=excluded.at RETURNING id",
                (time.time(), channel, sender_hash, message_id, question, answer, task, rating)).fetchone()
            return int(row[0])

    def feedback(self, rating: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        if rating:
            rows = self.db.query("SELECT * FROM feedback WHERE rating=? ORDER BY id DESC LIMIT ?", (rating, limit))
        else:
            rows = self.db.query("SELECT * FROM feedback ORDER BY id DESC LIMIT ?", (limit,))
        return [dict(r) for r in rows]

    def log_unanswered(self, channel: str, sender_hash: str, text: str, reason: str,
                       candidates: list[dict[str, Any]], previous_turn: str = "") -> int:
        with self.db.tx() as c:
            row = c.execute(
                "INSERT INTO unanswered (at, channel, sender_hash, text, reason, candidates, previous_turn) "
                "VALUES (?,?,?,?,?,?,?) RETURNING id",
                (time.time(), channel, sender_hash, text, reason, json.dumps(candidates, ensure_ascii=False),
                 previous_turn)).fetchone()
            return int(row[0])

    def unanswered(self, status: str = "open", limit: int = 200) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT * FROM unanswered WHERE status = ? ORDER BY id DESC LIMIT ?", (status, limit))
        out = []
        for r in rows:
            d = dict(r)
            d["candidates"] = json.loads(d["candidates"])
            out.append(d)
        return out

    def mark_unanswered_resolved(self, ids: list[int], entry_id: str) -> int:
        with self.db.tx() as c:
            c.executemany("UPDATE unanswered SET status='resolved', resolved_entry=? WHERE id=?",
                          [(entry_id, i) for i in ids])
        return len(ids)

    def log_turn(self, sender: str, channel: str, question: str, reply: str, reply_type: str,
                 task: int | None = None, topic: str = "") -> None:
        with self.db.tx() as c:
            c.execute("INSERT INTO chat_turns (at, sender, channel, question, reply, reply_type, task, topic) "
                      "VALUES (?,?,?,?,?,?,?,?)",
                      (time.time(), sender, channel, question, reply[:4000], reply_type, task, topic))

    def turns(self, sender: str, limit: int = 50) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT * FROM chat_turns WHERE sender=? ORDER BY id DESC LIMIT ?", (sender, limit))
        return [dict(r) for r in reversed(rows)]

    def turns_since(self, since: float) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("SELECT at, question, reply_type, task, topic FROM chat_turns "
                                            "WHERE at >= ? ORDER BY id", (since,))]

    def turn_counts(self) -> dict[str, int]:
        """All chat turns ever logged, by reply type (the metrics' counter)."""
        return {r[0]: int(r[1])
                for r in self.db.query("SELECT reply_type, COUNT(*) FROM chat_turns GROUP BY reply_type")}

    def record_incident(self, sender_hash: str, channel: str, kind: str, message: str, detail: str = "",
                        recovered: bool = False) -> int:
        """Log one incident; the message is PII-masked here, the sender is only ever its keyed hash."""
        with self.db.tx() as c:
            row = c.execute("INSERT INTO chat_incidents (at, sender_hash, channel, kind, message, detail, recovered) "
                            "VALUES (?,?,?,?,?,?,?) RETURNING id",
                            (time.time(), sender_hash, channel, kind, mask_pii(message)[:500], detail[:500],
                             int(recovered))).fetchone()
            return int(row[0])

    def mark_incident_recovered(self, incident_id: int) -> None:
        with self.db.tx() as c:
            c.execute("UPDATE chat_incidents SET recovered=1 WHERE id=?", (incident_id,))

    def incident_counts(self, since: float = 0.0, recovered: bool | None = None) -> dict[str, int]:
        """Incidents at or after `since` by kind (every known kind present); `recovered` filters."""
        sql, args = "SELECT kind, COUNT(*) FROM chat_incidents WHERE at >= ?", [since]
        if recovered is not None:
            sql, args = sql + " AND recovered = ?", [*args, int(recovered)]
        counts = dict.fromkeys(INCIDENT_KINDS, 0)
        counts.update({r[0]: int(r[1]) for r in self.db.query(sql + " GROUP BY kind", tuple(args))})
        return counts

    def incidents(self, limit: int = 20) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("SELECT * FROM chat_incidents ORDER BY id DESC LIMIT ?", (limit,))]

    def audit(self, username: str, action: str, target: str, detail: str = "") -> None:
        with self.db.tx() as c:
            c.execute("INSERT INTO audit (at, username, action, target, detail) VALUES (?,?,?,?,?)",
                      (time.time(), username, action, target, detail[:4000]))

    def audit_log(self, limit: int = 300) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))]

    def texts_at_rest(self) -> dict[str, list[list[str]]]:
        """The text fields of every row in PII_TABLES, per table: what the PII-at-rest check
        (web.tools.security_probe) scans for a mobile number or ID that escaped the masking. A sender id or
        its keyed hash is random hex, no one's words, and about one in a hundred has eleven decimal digits in a
        row ("w-82e19336338709d3" failed the battery in CI)."""
        return {table: [[v for k, v in dict(row).items() if isinstance(v, str) and k not in SENDER_COLUMNS]
                        for row in self.db.query(f"SELECT * FROM {table}")]
                for table in PII_TABLES}

    # -- analytics --------------------------------------------------------------------------------
    def unanswered_times(self, since: float) -> list[float]:
        """When each question logged as unanswered since `since` arrived (the per-day chart)."""
        return [float(r[0]) for r in self.db.query("SELECT at FROM unanswered WHERE at >= ?", (since,))]

    def ratings_since(self, since: float) -> dict[str, int]:
        """Feedback given since `since`, counted by rating."""
        return {r[0]: int(r[1]) for r in self.db.query(
            "SELECT rating, COUNT(*) FROM feedback WHERE at >= ? GROUP BY rating", (since,))}
