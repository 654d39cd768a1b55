"""Request/response helpers every handler uses, so all errors look the same to clients."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def error(status: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status,
                             dumps=lambda o: json.dumps(o, ensure_ascii=False))


def ok(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


class BadRequest(Exception):
    """Raised by input parsing; the middleware turns it into a 400 with the message."""


async def json_body(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > 64 * 1024:
        raise BadRequest("请求体过大")
    try:
        data = await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise BadRequest("请求体必须是 JSON 对象") from None
    if not isinstance(data, dict):
        raise BadRequest("请求体必须是 JSON 对象")
    return data


@web.middleware
async def errors_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except BadRequest as exc:
        return error(400, str(exc))
    except web.HTTPException as exc:
        if exc.status >= 400 and exc.content_type != "application/json":
            return error(exc.status, exc.reason)
        raise


def require_token(request: web.Request, expected: str, header: str = "X-Internal-Token") -> None:
    """Constant-time check of a shared-secret header; a missing server-side secret disables the endpoint."""
    import hmac

    if not expected:
        raise web.HTTPServiceUnavailable(reason="endpoint disabled: no token configured")
    given = request.headers.get(header, "")
    if header == "Authorization":
        given = given.removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise web.HTTPUnauthorized(reason="missing or wrong token")


def text_field(data: dict[str, Any], name: str, max_len: int, required: bool = True, label: str = "") -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadRequest(f"{label or name} 必须是字符串")
    value = value.strip()
    if required and not value:
        raise BadRequest(f"{label or name} 不能为空")
    if len(value) > max_len:
        raise BadRequest(f"{label or name} 过长：最多 {max_len} 个字符")
    return value


def choice_field(data: dict[str, Any], name: str, choices: tuple[str, ...]) -> str:
    value = data.get(name)
    if value not in choices:
        raise BadRequest(f"{name} 必须是 {' 或 '.join(choices)}")
    return str(value)


def optional_int(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise BadRequest(f"{name} 必须是整数")
    return value


CORS_PATHS = ("/api/chat", "/api/feedback", "/api/handoff/")
CORS_EXACT = ("/api/handoff",)


def cors_middleware(allowed_origins: list[str]) -> Any:
    """Let the widget, embedded on the listed origins, call the public chat endpoints."""
    allowed = {o.rstrip("/") for o in allowed_origins}

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        origin = request.headers.get("Origin", "")
        public = request.path.startswith(CORS_PATHS) or request.path in CORS_EXACT
        if request.method == "OPTIONS" and public and request.headers.get("Access-Control-Request-Method"):
            if origin not in allowed:
                return error(403, "该来源未被允许调用此接口")
            resp: web.StreamResponse = web.Response(status=204)
        else:
            resp = await handler(request)
        if public and origin in allowed:
            resp.headers["Access-Control-Allow-Origin"] = origin
            resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
            resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
            resp.headers["Access-Control-Max-Age"] = "600"
            resp.headers["Vary"] = "Origin"
        return resp

    return middleware
