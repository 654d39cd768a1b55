"""The 诉速办 wire format, both directions: ticket statuses and their labels, the ticket body we send,
and the HMAC-SHA256 signatures.

Signed string: f"{timestamp}.{body}"; headers X-SSB-Timestamp and X-SSB-Signature: sha256=<hex>.
The timestamp must lie at most `max_skew` seconds in the past and `max_future` seconds in the future;
within that window the receiver remembers each signature (web.store.tickets: apply_callback), so a captured
callback cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

# statuses a ticket can have: ours until delivery, then what 诉速办 reports in callbacks
STATUS_LABELS = {
    "queued": "已登记，正在提交诉速办", "delivered": "已提交诉速办，等待受理", "accepted": "已受理",
    "processing": "办理中", "resolved": "已办结", "rejected": "不予受理", "local": "已登记，待工作人员转办",
}
CALLBACK_STATUSES = frozenset({"accepted", "processing", "resolved", "rejected"})
# the order statuses may move in: only forward, never out of a terminal one
STATUS_RANK = {"queued": 0, "local": 0, "delivered": 0, "accepted": 1, "processing": 2, "resolved": 3,
               "rejected": 3}
TERMINAL_STATUSES = frozenset({"resolved", "rejected"})
TICKET_FIELDS = ("ticket_no", "category", "department", "company", "contact", "phone", "description", "location",
                 "channel", "created_at")

TS_HEADER = "X-SSB-Timestamp"
SIG_HEADER = "X-SSB-Signature"


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def ticket_body(t: dict[str, Any]) -> dict[str, Any]:
    """What 诉速办 receives for a ticket (the idempotency key travels as a header)."""
    return {k: t[k] for k in TICKET_FIELDS}


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
