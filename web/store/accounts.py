"""Accounts: users, server-side sessions and the sign-in failures the lockout counts."""

from __future__ import annotations

import time
from typing import Any

from web.store.db import Database


class Accounts:
    """Console users, their sessions, and failed sign-ins (for the progressive lockout)."""

    def __init__(self, db: Database):
        self.db = db
        # a staff member's number: SQLite's rowid, a column of its own on PostgreSQL (which has no rowid)
        self._staff_no = "rowid AS staff_no" if db.engine == "sqlite" else "staff_no"

    def create_user(self, username: str, password_hash: str, role: str, display_name: str = "") -> None:
        with self.db.tx() as c:
            c.execute("INSERT INTO users (username, password_hash, role, display_name, created_at) "
                      "VALUES (?,?,?,?,?)", (username, password_hash, role, display_name, time.time()))

    def user(self, username: str) -> dict[str, Any] | None:
        rows = self.db.query(f"SELECT {self._staff_no}, * FROM users WHERE username = ?", (username,))
        return dict(rows[0]) if rows else None

    def users(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("SELECT username, role, active, created_at, last_login, display_name, "
                                            f"{self._staff_no} FROM users ORDER BY username")]

    def update_user(self, username: str, **fields: Any) -> None:
        allowed = {k: v for k, v in fields.items()
                   if k in ("password_hash", "role", "active", "last_login", "display_name")}
        if not allowed:
            return
        with self.db.tx() as c:
            c.execute(f"UPDATE users SET {', '.join(f'{k}=?' for k in allowed)} WHERE username=?",
                      (*allowed.values(), username))
            if "active" in allowed and not allowed["active"] or "password_hash" in allowed:
                c.execute("DELETE FROM sessions WHERE username=?", (username,))

    def create_session(self, token_hash: str, username: str, csrf: str, ttl: float) -> None:
        now = time.time()
        with self.db.tx() as c:
            c.execute("DELETE FROM sessions WHERE expires_at < ?", (now,))
            c.execute("INSERT INTO sessions VALUES (?,?,?,?,?)", (token_hash, username, csrf, now, now + ttl))
            c.execute("UPDATE users SET last_login=? WHERE username=?", (now, username))

    def session(self, token_hash: str) -> dict[str, Any] | None:
        rows = self.db.query("SELECT s.csrf_token, u.username, u.role FROM sessions s JOIN users u "
                          "ON u.username = s.username WHERE s.token_hash=? AND s.expires_at > ? AND u.active=1",
                          (token_hash, time.time()))
        return dict(rows[0]) if rows else None

    def delete_session(self, token_hash: str) -> None:
        with self.db.tx() as c:
            c.execute("DELETE FROM sessions WHERE token_hash=?", (token_hash,))

    def login_failures(self, key: str, since: float) -> int:
        return int(self.db.query("SELECT COUNT(*) FROM login_failures WHERE key=? AND at>=?", (key, since))[0][0])

    def last_login_failures(self, key: str, since: float) -> tuple[int, float]:
        """(failures of `key` since `since`, time of the latest one or 0.0)."""
        row = self.db.query("SELECT COUNT(*), MAX(at) FROM login_failures WHERE key=? AND at>=?", (key, since))[0]
        return int(row[0]), float(row[1] or 0.0)

    def record_login_failure(self, key: str) -> None:
        with self.db.tx() as c:
            c.execute("INSERT INTO login_failures (key, at) VALUES (?,?)", (key, time.time()))

    def clear_login_failures(self, key: str) -> None:
        with self.db.tx() as c:
            c.execute("DELETE FROM login_failures WHERE key=?", (key,))
