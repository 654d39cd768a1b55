"""Sign-in for the consoles: scrypt password hashes, server-side sessions, CSRF, roles, throttling.

The session id lives only in an HttpOnly, SameSite=Strict cookie and only its SHA-256 is stored. Every
state-changing request of a signed-in user must echo the session's CSRF token in X-CSRF-Token.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from web.http import BadRequest, error, header_equals, json_body, ok, text_field
from web.state import SETTINGS, STORE
from web.store.accounts import LoginHistory

COOKIE = "xha_session"
SESSION_TTL = 8 * 3600
THROTTLE_WINDOW = 15 * 60
THROTTLE_MAX_ADDR = 30    # failures per client address in the window: a whole office may sit behind one address
# one user name from one address: after LOCK_AFTER failures a lock of LOCK_BASE seconds, doubling with every
# further failure up to LOCK_MAX; failures count for LOCK_MEMORY and a successful sign-in clears them.
# Keyed by address too, so wrong passwords from elsewhere never lock the real user out.
LOCK_AFTER = 5
LOCK_BASE = 60
LOCK_MAX = 3600
LOCK_MEMORY = 24 * 3600
ROLES = ("admin", "agent")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), dklen=32, n=int(n), r=int(r),
                             p=int(p))
        return hmac.compare_digest(got, base64.b64decode(digest))
    except (ValueError, TypeError):
        return False


def validate_password(password: str) -> None:
    if len(password) < 10:
        raise BadRequest("密码至少 10 个字符")


DISPLAY_NAME_MAX = 20


def public_name(user: dict[str, Any] | None) -> str:
    """The name citizens see for a staff member: the display name, else a staff number; never the login."""
    if user is None:
        return ""
    return (user.get("display_name") or "").strip() or f"工号 {int(user['staff_no']):04d}"


def validate_display_name(value: Any, username: str, usernames: list[str]) -> str:
    """A display name ('' = none, citizens then see the staff number); it must not reveal a login name."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadRequest("显示名必须是字符串")
    name = value.strip()
    if len(name) > DISPLAY_NAME_MAX:
        raise BadRequest(f"显示名过长：最多 {DISPLAY_NAME_MAX} 个字符")
    if any(not ch.isprintable() for ch in name):
        raise BadRequest("显示名不能包含控制字符")
    if name and name.casefold() in {u.casefold() for u in [username, *usernames]}:
        raise BadRequest("显示名不能与登录名相同")
    return name


def staff_fields(user: dict[str, Any]) -> dict[str, Any]:
    """What a signed-in staff member learns about their own account."""
    return {"username": user["username"], "role": user["role"], "display_name": user.get("display_name") or "",
            "public_name": public_name(user)}


def cookie_secure(request: web.Request) -> bool:
    """Secure in production mode (behind TLS) and whenever the request itself came over HTTPS."""
    web_settings = request.app[SETTINGS]["web"]
    return bool(web_settings.get("production")) or request.secure


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


async def current_user(request: web.Request) -> dict[str, Any] | None:
    token = request.cookies.get(COOKIE)
    return await request.app[STORE].accounts.session(_token_hash(token)) if token else None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def require_role(*roles: str) -> Callable[[Handler], Handler]:
    """Signed in, with one of `roles`, and (for writes) the session's CSRF token."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(request: web.Request) -> web.StreamResponse:
            user = await current_user(request)
            if user is None:
                return error(401, "请先登录")
            if user["role"] not in roles:
                return error(403, "没有权限")
            if request.method not in SAFE_METHODS and not header_equals(
                    request.headers.get("X-CSRF-Token", ""), user["csrf_token"]):
                return error(403, "CSRF 校验失败，请刷新页面后重试")
            request["user"] = user
            return await handler(request)

        return wrapper

    return decorate


admin = require_role("admin")  # the admin console's routes


@functools.cache
def _dummy_hash() -> str:
    """A hash no password matches: unknown user names cost the same scrypt as known ones."""
    return hash_password(secrets.token_urlsafe(32))


def _pair_key(request: web.Request, username: str) -> str:
    return f"pair:{request.remote}|{username}"


def locked_seconds(history: LoginHistory, now: float) -> int:
    """How long sign-in stays refused for this client address and user name (0 = not locked)."""
    if history.addr_failures >= THROTTLE_MAX_ADDR:
        return THROTTLE_WINDOW
    if history.pair_failures < LOCK_AFTER:
        return 0
    lock = min(LOCK_BASE * 2 ** (history.pair_failures - LOCK_AFTER), LOCK_MAX)
    return max(0, math.ceil(history.pair_last + lock - now))


async def login(request: web.Request) -> web.Response:
    data = await json_body(request)
    username = text_field(data, "username", 50, label="用户名")
    password = text_field(data, "password", 200, label="密码")
    store, now = request.app[STORE], time.time()
    pair = _pair_key(request, username)
    # the attempt is counted before the password is checked: twenty sent at once cannot all be checked
    history, attempt = await store.accounts.begin_login_attempt(
        f"addr:{request.remote}", now - THROTTLE_WINDOW, pair, now - LOCK_MEMORY)
    wait = locked_seconds(history, now)
    if wait:
        await store.accounts.forget_login_attempt(attempt)  # refused unchecked: no failure, the lock stays as is
        return error(429, f"登录失败次数过多，请 {math.ceil(wait / 60)} 分钟后再试")
    user = await store.accounts.user(username)
    # scrypt runs for unknown and inactive users too: the answer time does not tell which names exist
    stored = user["password_hash"] if user else None
    valid = await asyncio.to_thread(lambda: check_password(password, stored or _dummy_hash()))
    if not user or not user["active"] or not valid:
        return error(401, "用户名或密码错误")  # the attempt stays counted as a failure
    await store.accounts.forget_login_attempt(attempt)
    await store.accounts.clear_login_failures(pair)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    await store.accounts.create_session(_token_hash(token), username, csrf, SESSION_TTL)
    await store.logs.audit(username, "login", username)
    resp = ok({"user": staff_fields(user), "csrf_token": csrf})
    resp.set_cookie(COOKIE, token, max_age=SESSION_TTL, httponly=True, samesite="Strict", path="/",
                    secure=cookie_secure(request))
    return resp


async def logout(request: web.Request) -> web.Response:
    user = await current_user(request)
    if user is not None:  # ending a session is a write: a forged cross-site request must not do it
        if not header_equals(request.headers.get("X-CSRF-Token", ""), user["csrf_token"]):
            return error(403, "CSRF 校验失败，请刷新页面后重试")
        await request.app[STORE].accounts.delete_session(_token_hash(request.cookies[COOKIE]))
    resp = ok({})
    resp.del_cookie(COOKIE, path="/")
    return resp


async def me(request: web.Request) -> web.Response:
    user = await current_user(request)
    if user is None:
        return error(401, "请先登录")
    account = await request.app[STORE].accounts.user(user["username"])
    if account is None:
        return error(401, "请先登录")
    return ok({"user": staff_fields(account), "csrf_token": user["csrf_token"]})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/auth/login", login)
    app.router.add_post("/api/auth/logout", logout)
    app.router.add_get("/api/auth/me", me)
