"""Start the action server on loopback, for Rasa only: `python -m actions.server --port 5055`.

rasa-sdk's own `rasa run actions` listens on every interface, answers anyone and inflates a deflated
body without a limit. This launcher serves the same app (rasa_sdk.endpoint.create_app) on 127.0.0.1,
requires the token Rasa sends (X-Action-Token, from endpoints.yml), caps the body and its inflated size,
and sends no CORS headers (no browser has any business here).
"""

from __future__ import annotations

import argparse
import hmac
import logging
import zlib

from rasa_sdk.endpoint import create_app
from sanic import response
from sanic.request import Request

from config import load_settings

TOKEN_HEADER = "X-Action-Token"
MAX_BODY = 1024 * 1024          # a tracker with its events is well under this
MAX_INFLATED = 4 * 1024 * 1024


def inflated_size_ok(body: bytes, limit: int = MAX_INFLATED) -> bool:
    """Inflate at most `limit` bytes: a deflate bomb stops here instead of filling the memory."""
    d = zlib.decompressobj()
    try:
        d.decompress(body, limit)
    except zlib.error:
        return False
    return not d.unconsumed_tail


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=5055)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()
    token = str(load_settings()["rasa"]["action_token"] or "").encode()
    if len(token) < 16:
        raise SystemExit("actions.server: set a token of 16+ characters (XHA_RASA__ACTION_TOKEN; make run does)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    app = create_app("actions", cors_origins=[])
    app.config.REQUEST_MAX_SIZE = MAX_BODY

    @app.middleware("request")
    async def guard(request: Request) -> response.HTTPResponse | None:
        if request.path == "/health":
            return None
        if not hmac.compare_digest(request.headers.get(TOKEN_HEADER, "").encode("utf-8", "replace"), token):
            return response.json({"error": "forbidden"}, status=403)
        if request.headers.get("Content-Encoding") == "deflate" and not inflated_size_ok(request.body):
            return response.json({"error": "body too large once inflated"}, status=413)
        return None

    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
