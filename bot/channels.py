"""The web service's one way into Rasa: Rasa's REST channel behind a shared token and input limits.

Rasa listens on loopback only (scripts/run.sh); this channel also refuses any caller without the token
the web service holds, messages longer than the gateway allows and malformed sender ids, so a process
on the same machine cannot talk to the bot around the gateway's limits.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from protocol.patterns import SENDER_RE

TOKEN_HEADER = "X-Channel-Token"


class GatewayInput(RestInput):
    """POST /webhooks/gateway/webhook {"sender", "message", "metadata"} with the X-Channel-Token header."""

    @classmethod
    def name(cls) -> str:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GatewayInput:
        credentials = credentials or {}
        return cls(str(credentials.get("token") or ""), int(credentials.get("max_message_chars") or 500))

    def __init__(self, token: str, max_message_chars: int = 500) -> None:
        if len(token) < 16:
            raise ValueError("gateway channel: a token of 16+ characters is required (XHA_RASA__CHANNEL_TOKEN)")
        self.token = token.encode()
        self.max_message_chars = max_message_chars

    def refusal(self, request: Request) -> response.HTTPResponse | None:
        given = request.headers.get(TOKEN_HEADER, "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, self.token):
            return response.json({"error": "forbidden"}, status=403)
        if request.method != "POST":
            return None
        body = request.json if request.body else None
        if not isinstance(body, dict):
            return response.json({"error": "a JSON object is required"}, status=400)
        message, sender = body.get("message"), body.get("sender")
        if not isinstance(message, str) or not 0 < len(message) <= self.max_message_chars:
            return response.json({"error": f"message: 1 to {self.max_message_chars} characters"}, status=400)
        if not isinstance(sender, str) or not SENDER_RE.match(sender):
            return response.json({"error": "sender: 1 to 100 of [A-Za-z0-9_.:-]"}, status=400)
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)

        @bp.middleware("request")
        async def guard(request: Request) -> response.HTTPResponse | None:
            return self.refusal(request)

        return bp
