"""Admin console, users tab and audit log."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

from protocol.clock import iso
from web.consoles.auth import (
    ROLES,
    admin,
    hash_password,
    public_name,
    validate_display_name,
    validate_password,
)
from web.http import BadRequest, error, json_body, ok, text_field
from web.state import STORE


@admin
async def list_users(request: web.Request) -> web.Response:
    return ok({"items": [{**u, "active": bool(u["active"]), "created_at": iso(u["created_at"]),
                          "last_login": iso(u["last_login"]), "public_name": public_name(u)}
                         for u in await request.app[STORE].accounts.users()]})


@admin
async def create_user(request: web.Request) -> web.Response:
    from web.consoles.users import USERNAME_RE

    data = await json_body(request)
    username = text_field(data, "username", 50, label="用户名")
    if not USERNAME_RE.match(username):
        raise BadRequest("用户名为 3-50 位字母、数字或 _ . -")
    role = text_field(data, "role", 10, label="角色")
    if role not in ROLES:
        raise BadRequest("角色必须是 admin 或 agent")
    password = text_field(data, "password", 200, label="密码")
    validate_password(password)
    store = request.app[STORE]
    if await store.accounts.user(username):
        return error(409, f"用户 {username} 已存在")
    display_name = validate_display_name(data.get("display_name"), username,
                                         [u["username"] for u in await store.accounts.users()])
    await store.accounts.create_user(username, await asyncio.to_thread(hash_password, password), role, display_name)
    await store.logs.audit(request["user"]["username"], "create_user", username,
                f"{role} {display_name}" if display_name else role)
    return ok({"username": username, "role": role, "display_name": display_name,
               "public_name": public_name(await store.accounts.user(username))}, status=201)


@admin
async def update_user(request: web.Request) -> web.Response:
    username = request.match_info["username"]
    store = request.app[STORE]
    if await store.accounts.user(username) is None:
        return error(404, f"没有用户 {username}")
    data = await json_body(request)
    fields: dict[str, Any] = {}
    if "role" in data:
        if data["role"] not in ROLES:
            raise BadRequest("角色必须是 admin 或 agent")
        fields["role"] = data["role"]
    if "active" in data:
        if not isinstance(data["active"], bool):
            raise BadRequest("active 必须是 true 或 false")
        fields["active"] = int(data["active"])
    if "password" in data:
        password = text_field(data, "password", 200, label="密码")
        validate_password(password)
        fields["password_hash"] = await asyncio.to_thread(hash_password, password)
    if "display_name" in data:
        fields["display_name"] = validate_display_name(data["display_name"], username,
                                                       [u["username"] for u in await store.accounts.users()])
    if username == request["user"]["username"] and (fields.get("role", "admin") != "admin"
                                                    or fields.get("active", 1) == 0):
        raise BadRequest("不能降低或停用自己的管理员账号")
    await store.accounts.update_user(username, **fields)
    await store.logs.audit(request["user"]["username"], "update_user", username,
                json.dumps({k: v for k, v in fields.items() if k != "password_hash"} |
                           ({"password": "changed"} if "password_hash" in fields else {}), ensure_ascii=False))
    return ok({"username": username, **{k: v for k, v in fields.items() if k != "password_hash"},
               "public_name": public_name(await store.accounts.user(username))})


@admin
async def audit_log(request: web.Request) -> web.Response:
    return ok({"items": [{"at": iso(a["at"]), "user": a["username"], "action": a["action"], "target": a["target"],
                          "detail": a["detail"]} for a in await request.app[STORE].logs.audit_log()]})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/users", list_users)
    app.router.add_post("/api/admin/users", create_user)
    app.router.add_put("/api/admin/users/{username}", update_user)
    app.router.add_get("/api/admin/audit", audit_log)
