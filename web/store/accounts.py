"""Accounts: users, server-side sessions and the sign-in failures the lockout counts."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from web.store.db import Database


@dataclass(frozen=True)
class LoginHistory:
    """Failed sign-ins counted for a lockout: of a client address, and of one user name from it."""

    addr_failures: int
    pair_failures: int
    pair_last: float  # time of the latest failure of the pair, 0.0 if none


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

    def begin_login_attempt(self, addr_key: str, addr_since: float, pair_key: str,
                            pair_since: float) -> tuple[LoginHistory, list[int]]:
        """The failures of a client address and of a user name from it, read and joined by this attempt in
        one transaction under the address's lock: attempts made in parallel see each other, so no more than
        the allowed number reach the password check. The attempt counts as a failure of both keys until
        `forget_login_attempt` takes it back (a success, or a refusal without a check); returns the history
        before it and its rows."""
        now = time.time()
        with self.db.tx() as c:
            c.lock(f"login:{addr_key}")
            addr = c.execute("SELECT COUNT(*) FROM login_failures WHERE key=? AND at>=?",
                             (addr_key, addr_since)).fetchone()
            pair = c.execute("SELECT COUNT(*), MAX(at) FROM login_failures WHERE key=? AND at>=?",
                             (pair_key, pair_since)).fetchone()
            rows = [int(c.execute("INSERT INTO login_failures (key, at) VALUES (?,?) RETURNING id",
                                  (key, now)).fetchone()[0]) for key in (addr_key, pair_key)]
        return LoginHistory(int(addr[0]), int(pair[0]), float(pair[1] or 0.0)), rows

    def forget_login_attempt(self, rows: list[int]) -> None:
        with self.db.tx() as c:
            c.executemany("DELETE FROM login_failures WHERE id=?", [(r,) for r in rows])

    def clear_login_failures(self, key: str) -> None:
        with self.db.tx() as c:
            c.execute("DELETE FROM login_failures WHERE key=?", (key,))
