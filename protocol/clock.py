"""The one timestamp format every API response uses: ISO 8601 with the server's UTC offset."""

from __future__ import annotations

from datetime import datetime


def iso(value: float | str | None) -> str:
    """Epoch seconds, or an ISO 8601 string from elsewhere (e.g. an index version's `built_at` in UTC),
    as `2026-11-30T21:30:05+08:00` in the server's local time; "" for no value."""
    if value is None or value == "" or value == 0:
        return ""
    if isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.astimezone()
    else:
        moment = datetime.fromtimestamp(float(value))
    return moment.astimezone().isoformat(timespec="seconds")


def shown(stamp: str) -> str:
    """An `iso()` stamp as a citizen reads it in a chat reply: `2026-11-30 21:30`."""
    if not stamp:
        return ""
    return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M")
