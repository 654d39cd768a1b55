"""Sign-in in process: unknown user names cost the same scrypt as known ones; the lock grows progressively."""

from __future__ import annotations

import time

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from web.consoles import auth
from web.state import SETTINGS, STORE
from web.store import AsyncStore, Store

PASSWORD = "agent-pass-2026"


async def test_unknown_and_known_user_names_both_run_scrypt(tmp_path, monkeypatch):
    store = Store(tmp_path / "app.db")
    store.accounts.create_user("known", auth.hash_password(PASSWORD), "agent")
    store.accounts.create_user("gone", auth.hash_password(PASSWORD), "agent")
    with store.db.tx() as c:
        c.execute("UPDATE users SET active=0 WHERE username='gone'")
    checked: list[str] = []
    real_check = auth.check_password

    def counting(password: str, stored: str) -> bool:
        checked.append(stored)
        return real_check(password, stored)

    monkeypatch.setattr(auth, "check_password", counting)
    app = web.Application()
    app[STORE], app[SETTINGS] = AsyncStore(store), {"web": {}}
    auth.add_routes(app)
    async with TestServer(app) as server, aiohttp.ClientSession() as session:
        async def login(username: str, password: str) -> int:
            async with session.post(server.make_url("/api/auth/login"),
                                    json={"username": username, "password": password}) as resp:
                return resp.status

        assert await login("known", "wrong-password") == 401
        assert await login("nobody-at-all", "wrong-password") == 401
        assert await login("gone", PASSWORD) == 401
        assert await login("known", PASSWORD) == 200
    assert len(checked) == 4, "every sign-in attempt runs one scrypt check, whether the name exists or not"
    params = {tuple(h.split("$")[:4]) for h in checked}
    assert params == {("scrypt", str(2 ** 14), "8", "1")}, "the dummy hash has the real cost parameters"


def test_lock_is_per_address_and_user_and_doubles(tmp_path):
    store = Store(tmp_path / "app.db")
    now = time.time()

    def fail(addr: str, user: str, at: float) -> None:
        with store.db.tx() as c:
            c.execute("INSERT INTO login_failures (key, at) VALUES (?,?)", (f"pair:{addr}|{user}", at))

    def locked(addr: str, user: str) -> int:
        """The wait an attempt from `addr` for `user` gets (the attempt itself taken back)."""
        t = time.time()
        history, rows = store.accounts.begin_login_attempt(f"addr:{addr}", t - auth.THROTTLE_WINDOW,
                                                           f"pair:{addr}|{user}", t - auth.LOCK_MEMORY)
        store.accounts.forget_login_attempt(rows)
        return auth.locked_seconds(history, t)

    for _ in range(4):
        fail("10.0.0.1", "zhang", now - 5)
    assert locked("10.0.0.1", "zhang") == 0
    fail("10.0.0.1", "zhang", now - 5)  # 5th failure: locked for a minute
    assert 50 <= locked("10.0.0.1", "zhang") <= 55
    assert locked("10.0.0.2", "zhang") == 0 and locked("10.0.0.1", "li") == 0
    for _ in range(5):
        fail("10.0.0.3", "zhang", now - 90)  # a minute's lock that has run out
    assert locked("10.0.0.3", "zhang") == 0
    fail("10.0.0.3", "zhang", now - 10)  # 6th failure: two minutes
    assert 105 <= locked("10.0.0.3", "zhang") <= 110
    fail("10.0.0.3", "zhang", now - 10)  # 7th: four minutes
    assert 225 <= locked("10.0.0.3", "zhang") <= 230
    for _ in range(auth.THROTTLE_MAX_ADDR):  # many user names from one address: the address is refused
        with store.db.tx() as c:
            c.execute("INSERT INTO login_failures (key, at) VALUES (?,?)", ("addr:10.0.0.4", now - 5))
    assert locked("10.0.0.4", "anyone") > 0
