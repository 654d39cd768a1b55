"""HMAC-SHA256 signatures for traffic with 诉速办, both directions.

Signed string: f"{timestamp}.{body}"; headers X-SSB-Timestamp and X-SSB-Signature: sha256=<hex>.
The timestamp bounds replay of a captured callback to `max_skew` seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TS_HEADER = "X-SSB-Timestamp"
SIG_HEADER = "X-SSB-Signature"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    mac = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {TS_HEADER: ts, SIG_HEADER: f"sha256={mac}"}


def verify(secret: str, body: bytes, headers: dict[str, str] | object, max_skew: int = 300) -> bool:
    get = headers.get
    ts, sig = get(TS_HEADER), get(SIG_HEADER)
    if not secret or not ts or not sig or not str(ts).isdigit():
        return False
    if abs(time.time() - int(ts)) > max_skew:
        return False
    expected = sign(secret, body, int(ts))[SIG_HEADER]
    return hmac.compare_digest(expected, str(sig))
