"""The unanswered-question log: written by the action server and the chat gateway, read by admins.

Text is PII-masked and sender ids hashed before anything is stored. When the web service is down the
action server leaves records as files in the spool folder; `import_spool` takes them in at start and
periodically, so no question is lost.

Besides declined questions the log holds answers that may be wrong and partial answers (knowledge gaps):
the user's 👎 (`thumbs_down`), the same question asked again right away (`rephrased`), an agent's 不合适
(`agent_unsuitable`), a narrow lead of the best task (`low_margin`) and `partial:<engine reason>`. One
message is queued once, whichever of these signals arrives first.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

from aiohttp import web

from web.http import BadRequest, json_body, ok, require_token, text_field
from web.privacy import hash_sender, mask_pii
from web.state import SETTINGS, STORE
from web.store import Store

log = logging.getLogger(__name__)
MAX_CANDIDATES = 5
STALE_CLAIM_SECONDS = 600  # a spooled record claimed this long ago by a replica that died is taken over
# an answer that reached the user but may be wrong: queued once per sender and message
DOUBT_REASONS = frozenset({"thumbs_down", "rephrased", "agent_unsuitable", "low_margin"})
PARTIAL_PREFIX = "partial:"
DEDUPE_SECONDS = 6 * 3600
DEDUPE_SCAN = 200


def doubtful(reason: str) -> bool:
    return reason in DOUBT_REASONS or reason.startswith(PARTIAL_PREFIX)


async def queue_once(store: Any, fields: dict[str, Any]) -> tuple[int, bool]:
    """Log `fields` (see `unanswered_fields`); a doubtful answer already open for the same sender and text
    is not queued again (👎 on an answer already queued for its low margin). Returns (id, created)."""
    if doubtful(fields["reason"]) and fields["sender_hash"]:
        since = time.time() - DEDUPE_SECONDS
        for row in await store.logs.unanswered("open", DEDUPE_SCAN):
            if row["at"] < since:
                break
            if row["sender_hash"] == fields["sender_hash"] and row["text"] == fields["text"]:
                return int(row["id"]), False
    return int(await store.logs.log_unanswered(**fields)), True


def clean_candidates(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadRequest("candidates 必须是列表")
    out = []
    for c in raw[:MAX_CANDIDATES]:
        if not isinstance(c, dict):
            raise BadRequest("candidates 的每一项必须是对象")
        out.append({"id": str(c.get("id", ""))[:120], "task": c.get("task"),
                    "score": float(c.get("score") or 0.0), "text": mask_pii(str(c.get("text", ""))[:300])})
    return out


def unanswered_fields(settings: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """One unanswered question, validated and masked: the arguments of `store.logs.log_unanswered`."""
    text = text_field(data, "text", 2000, label="text")
    sender = text_field(data, "sender", 200, required=False)
    return {
        "channel": text_field(data, "channel", 20, required=False) or "chat",
        "sender_hash": hash_sender(sender, settings["web"]["sender_salt"]) if sender else "",
        "text": mask_pii(text),
        "reason": text_field(data, "reason", 40, required=False) or "declined",
        "candidates": clean_candidates(data.get("candidates")),
        "previous_turn": mask_pii(text_field(data, "previous_turn", 2000, required=False)),
    }


def _claim(path: Path) -> Path | None:
    """Rename a spooled record to a name only this process knows, stamped with the time: of the web replicas
    that import one spool folder, one gets each record (a rename is atomic); None if another got it first.
    A claim left by a replica that died before logging the record is taken over after STALE_CLAIM_SECONDS."""
    record = path.name.split(".json")[0] + ".json"
    claimed = path.with_name(f"{record}.{time.time():.0f}.{uuid.uuid4().hex[:8]}.claimed")
    try:
        path.rename(claimed)
    except FileNotFoundError:
        return None
    return claimed


def _stale(path: Path, now: float) -> bool:
    try:
        return now - float(path.name.split(".json.")[1].split(".")[0]) > STALE_CLAIM_SECONDS
    except (IndexError, ValueError):
        return True


def import_spool(store: Store, settings: dict[str, Any], spool: Path) -> int:
    """Take in records the action server spooled while this service was unreachable, each once."""
    n = 0
    if not spool.is_dir():
        return 0
    now = time.time()
    waiting = [*spool.glob("unanswered-*.json"), *(p for p in spool.glob("unanswered-*.claimed") if _stale(p, now))]
    for path in sorted(waiting):
        claimed = _claim(path)
        if claimed is None:
            continue
        try:
            store.logs.log_unanswered(**unanswered_fields(settings, json.loads(claimed.read_text(encoding="utf-8"))))
            n += 1
        except (ValueError, BadRequest) as exc:
            log.error("bad spooled record %s: %s", path.name, exc)
            claimed.rename(spool / (path.name.split(".json")[0] + ".bad"))
            continue
        claimed.unlink()
    return n


async def log_question(request: web.Request) -> web.Response:
    require_token(request, request.app[SETTINGS]["web"]["internal_token"])
    fields = unanswered_fields(request.app[SETTINGS], await json_body(request))
    rid, created = await queue_once(request.app[STORE], fields)
    return ok({"id": rid, "duplicate": not created}, status=201 if created else 200)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/unanswered", log_question)
