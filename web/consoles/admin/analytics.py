"""Admin console, analytics tab: questions per day, answer rate, topics, feedback, the safety net's
incidents; the same counts for a monitoring system at /api/metrics (Prometheus)."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from aiohttp import web

from protocol.clock import iso
from web.consoles.auth import admin, current_user
from web.http import BadRequest, error, header_equals, ok
from web.privacy import mask_pii
from web.state import SETTINGS, STORE


@admin
async def analytics(request: web.Request) -> web.Response:
    try:
        days = max(1, min(365, int(request.query.get("days", "30"))))
    except ValueError:
        raise BadRequest("days 必须是整数") from None
    store = request.app[STORE]
    since = time.time() - days * 86400
    day = lambda ts: time.strftime("%Y-%m-%d", time.localtime(ts))  # noqa: E731
    per_day: dict[str, dict[str, Any]] = {}
    for i in range(days - 1, -1, -1):
        d = day(time.time() - i * 86400)
        per_day[d] = {"day": d, "questions": 0, "answered": 0, "declined": 0}
    topics: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    for t in await store.logs.turns_since(since):
        if t["reply_type"] not in ("answer", "declined"):
            continue
        row = per_day.setdefault(day(t["at"]), {"day": day(t["at"]), "questions": 0, "answered": 0, "declined": 0})
        row["questions"] += 1
        row["answered" if t["reply_type"] == "answer" else "declined"] += 1
        if t["topic"]:
            topics[t["topic"]] += 1
        questions[mask_pii(t["question"].strip())[:80]] += 1
    total = sum(r["questions"] for r in per_day.values())
    answered = sum(r["answered"] for r in per_day.values())
    unanswered: Counter[str] = Counter(day(at) for at in await store.logs.unanswered_times(since))
    fb = await store.logs.ratings_since(since)
    now = time.time()
    incidents = {"last_24h": await store.logs.incident_counts(now - 86400),
                 "last_7d": await store.logs.incident_counts(now - 7 * 86400),
                 "recent": [{**i, "at": iso(i["at"]), "recovered": bool(i["recovered"])}
                            for i in await store.logs.incidents(20)]}
    return ok({"per_day": list(per_day.values()), "answer_rate": round(answered / total, 4) if total else None,
               "top_topics": [{"topic": k, "n": n} for k, n in topics.most_common(10)],
               "top_questions": [{"text": k, "n": n} for k, n in questions.most_common(10)],
               "feedback": {k: fb.get(k, 0) for k in ("up", "down", "used", "unsuitable")},
               "unanswered_per_day": [{"day": d, "n": unanswered.get(d, 0)} for d in per_day],
               "incidents": incidents})


@admin
async def list_feedback(request: web.Request) -> web.Response:
    return ok({"items": await request.app[STORE].logs.feedback(request.query.get("rating") or None)})


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition: the safety net's incidents and the chat turns, counted in the app store.
    For a monitoring system: `Authorization: Bearer <web.metrics_token>` (read-only, this route only);
    otherwise an admin's console session."""
    expected = request.app[SETTINGS]["web"].get("metrics_token") or ""
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not (expected and given and header_equals(given, expected)):
        user = await current_user(request)
        if user is None:
            return error(401, "请先登录")
        if user["role"] != "admin":
            return error(403, "没有权限")
    store = request.app[STORE]
    families = [
        ("xha_chat_incidents_total", "Conversations the chat gateway had to recover, by kind.", "kind",
         await store.logs.incident_counts()),
        ("xha_chat_incidents_recovered_total", "Incidents whose conversation was restarted in Rasa, by kind.",
         "kind", await store.logs.incident_counts(recovered=True)),
        ("xha_chat_turns_total", "Chat turns through the gateway, by reply type.", "reply_type",
         await store.logs.turn_counts()),
    ]
    lines: list[str] = []
    for name, help_text, label, counts in families:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} counter"]
        lines += [f'{name}{{{label}="{_label(k)}"}} {n}' for k, n in sorted(counts.items())]
    return web.Response(body=("\n".join(lines) + "\n").encode(),
                        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})


def add_routes(app: web.Application) -> None:
    app.router.add_get("/api/admin/analytics", analytics)
    app.router.add_get("/api/feedback", list_feedback)
    app.router.add_get("/api/metrics", metrics)
