"""Request/response helpers every handler uses, so all errors look the same to clients."""

from __future__ import annotations

import ipaddress
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


MAX_JSON_DEPTH = 20
ALLOWED_CONTROL = frozenset("\n\r\t")
MAX_ID_DIGITS = 9


def bad_text(value: str) -> str | None:
    """Why a client string is unacceptable (lone surrogates, control characters), or None if it is fine."""
    for ch in value:
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            return "文本包含无效的 Unicode 字符（孤立代理项）"
        if (code < 0x20 or 0x7F <= code <= 0x9F) and ch not in ALLOWED_CONTROL:
            return "文本不能包含控制字符"
    return None


def check_json_value(data: Any) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH and strings (values or keys) with bad characters."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise BadRequest(f"JSON 嵌套过深：最多 {MAX_JSON_DEPTH} 层")
            items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            for key, item in items:
                if isinstance(key, str) and (why := bad_text(key)):
                    raise BadRequest(why)
                stack.append((item, depth + 1))
        elif isinstance(value, str) and (why := bad_text(value)):
            raise BadRequest(why)


def small_id(value: str) -> int | None:
    """A path or query id as an int when it is a short run of ASCII digits; None otherwise."""
    if value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
        return int(value)
    return None


def header_equals(given: str, expected: str) -> bool:
    """Constant-time comparison of a request header with a secret; non-ASCII input just does not match."""
    import hmac

    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))


def size_label(n: int) -> str:
    """A byte count as users read it: "64 KB", "2 MB"."""
    return f"{n / 1024 / 1024:g} MB" if n >= 1024 * 1024 else f"{n / 1024:g} KB"


async def json_body(request: web.Request) -> dict[str, Any]:
    limit = request.client_max_size
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(limit, request.content_length,
                                            reason=f"请求体过大：最大 {size_label(limit)}")
    ctype = request.content_type
    if ctype != "application/json" and not (ctype.startswith("application/") and ctype.endswith("+json")):
        raise web.HTTPUnsupportedMediaType(reason="请求体必须是 JSON（Content-Type: application/json）")
    charset = (request.charset or "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise BadRequest("不支持的字符编码：请使用 UTF-8")
    try:
        data = json.loads((await request.read()).decode("utf-8"))
    except RecursionError:
        raise BadRequest(f"JSON 嵌套过深：最多 {MAX_JSON_DEPTH} 层") from None
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        raise BadRequest("请求体必须是 JSON 对象") from None
    if not isinstance(data, dict):
        raise BadRequest("请求体必须是 JSON 对象")
    check_json_value(data)
    return data


STATUS_TEXT = {400: "请求无效", 404: "未找到", 405: "不支持该请求方法", 413: "请求体过大",
               415: "不支持的内容类型", 500: "服务器内部错误"}
# the admin console's document upload; other routes keep the app-wide web.max_body_bytes
DEFAULT_ROUTE_LIMITS = {"/api/admin/documents": 2 * 1024 * 1024}
UPLOAD_SLACK = 64 * 1024  # multipart framing and a form's text fields on top of the file itself
BODY_LIMIT = "body_limit"  # request key: the byte limit of this route (the file's, for an upload)


def parse_route_limits(value: Any) -> dict[str, int]:
    """web.route_limits as a dict, or as the env override's string "path=bytes,path=bytes"."""
    if isinstance(value, str):
        value = dict(part.split("=", 1) for part in value.split(",") if "=" in part)
    return {str(path).strip(): int(limit) for path, limit in (value or {}).items()}


def too_large(request: web.Request, limit: int) -> web.Response:
    """The one 413: Chinese, with the limit; a multipart body is a file upload."""
    what = "文件过大" if request.content_type.startswith("multipart/") else "请求体过大"
    return error(413, f"{what}：最大 {size_label(limit)}")


def body_limit(request: web.Request) -> int:
    """The byte limit the body-limit middleware set for this request's route."""
    return int(request.get(BODY_LIMIT) or request.client_max_size)


def body_limits_middleware(default: int, route_limits: dict[str, int]) -> Any:
    """Per-route body limits (web.route_limits over web.max_body_bytes), refused before the body is read;
    aiohttp's own 413 (a body longer than announced, or chunked) gets the same Chinese message."""
    limits = {**DEFAULT_ROUTE_LIMITS, **route_limits}

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        resource = request.match_info.route.resource
        limit = limits.get(request.path, limits.get(resource.canonical if resource else "", default))
        allowed = limit + (UPLOAD_SLACK if request.content_type.startswith("multipart/") else 0)
        if request.content_length is not None and request.content_length > allowed:
            return too_large(request, limit)
        if allowed != request.client_max_size:
            request = request.clone(client_max_size=allowed)
        request[BODY_LIMIT] = limit
        try:
            return await handler(request)
        except web.HTTPRequestEntityTooLarge:
            return too_large(request, limit)

    return middleware


def client_address_middleware(trusted_proxies: list[str]) -> Any:
    """Behind the load balancer every request comes from its address: per-address limits and sign-in
    throttling need the client's. X-Forwarded-For is believed only when the peer itself is a configured
    proxy (its rightmost entry: what that proxy saw), so a client cannot forge an address by sending the
    header. aiohttp-remotes' strict mode refuses requests without the header, which the balancer's health
    checks and direct calls to a replica are; its relaxed mode believes any peer."""
    nets = [ipaddress.ip_network(p.strip(), strict=False) for p in trusted_proxies if str(p).strip()]

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if nets and forwarded and request.remote:
            try:
                peer = ipaddress.ip_address(request.remote)
                client = str(ipaddress.ip_address(forwarded.split(",")[-1].strip()))
            except ValueError:
                return error(400, "X-Forwarded-For 格式不正确")
            if any(peer in n for n in nets):
                request = request.clone(remote=client)
        return await handler(request)

    return middleware


@web.middleware
async def errors_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except BadRequest as exc:
        return error(400, str(exc))
    except web.HTTPException as exc:
        if exc.status == 413:
            return too_large(request, body_limit(request))
        if exc.status >= 400 and exc.content_type != "application/json":
            reason = exc.reason if any("\u4e00" <= ch <= "\u9fff" for ch in exc.reason) else ""
            return error(exc.status, reason or STATUS_TEXT.get(exc.status, "请求无法处理"))
        raise


def require_token(request: web.Request, expected: str, header: str = "X-Internal-Token") -> None:
    """Constant-time check of a shared-secret header; a missing server-side secret disables the endpoint."""
    if not expected:
        raise web.HTTPServiceUnavailable(reason="endpoint disabled: no token configured")
    given = request.headers.get(header, "")
    if header == "Authorization":
        given = given.removeprefix("Bearer ").strip()
    if not header_equals(given, expected):
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
    if value is not None and abs(value) >= 10 ** MAX_ID_DIGITS:
        raise BadRequest(f"{name} 超出范围")
    return value


CORS_PATHS = ("/api/chat", "/api/feedback", "/api/handoff/")
CORS_EXACT = ("/api/handoff",)
CORS_HEADERS = "cors_headers"  # request key: what a streamed response must send itself (prepared in the handler)


def cors_headers(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600", "Vary": "Origin"}


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
            if public and origin in allowed:
                request[CORS_HEADERS] = cors_headers(origin)
            resp = await handler(request)
        if public and origin in allowed and not resp.prepared:
            resp.headers.update(cors_headers(origin))
        return resp

    return middleware


# Pages and files that other sites may embed or load: the demo page and the widget script.
EMBEDDABLE = ("/", "/widget.js", "/static/widget.js", "/static/index.html")
# The demo page loads only /widget.js, which injects its own <style> into a shadow root.
DEMO_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")
# Consoles: own scripts only (no inline script), inline <style> blocks in the pages, never framed.
CONSOLE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: nosniff on everything; CSP on pages; no framing except the embeddable demo/widget."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    if request.path == "/widget.js" or request.path == "/static/widget.js":
        return
    if request.path in EMBEDDABLE:
        response.headers.setdefault("Content-Security-Policy", DEMO_CSP)
        return
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Content-Security-Policy", CONSOLE_CSP)
