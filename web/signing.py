"""HMAC-SHA256 signatures for traffic with 诉速办, both directions.

Signed string: f"{timestamp}.{body}"; headers X-SSB-Timestamp and X-SSB-Signature: sha256=<hex>.
The timestamp must lie at most `max_skew` seconds in the past and `max_future` seconds in the future;
within that window the receiver remembers each signature (web.store) so a captured callback cannot be replayed.
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


MAX_SKEW = 300    # seconds a signed request may be old
MAX_FUTURE = 60   # seconds a signed request's timestamp may run ahead of our clock


def verify(secret: str, body: bytes, headers: dict[str, str] | object, max_skew: int = MAX_SKEW,
           max_future: int = MAX_FUTURE) -> bool:
    get = headers.get
    ts, sig = get(TS_HEADER), get(SIG_HEADER)
    if not secret or not ts or not sig or not (str(ts).isascii() and str(ts).isdigit() and len(str(ts)) <= 12):
        return False
    age = time.time() - int(ts)
    if age > max_skew or -age > max_future:
        return False
    expected = sign(secret, body, int(ts))[SIG_HEADER]
    return hmac.compare_digest(expected.encode(), str(sig).encode("utf-8", "surrogateescape"))
