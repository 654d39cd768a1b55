"""Retention of Rasa's tracker store: personal data is masked once a conversation has gone quiet, and old
conversations are deleted.

Rasa keeps every event of every conversation, user text and slot values included (a complaint form's
phone number). A ticket keeps the contact data it needs; the tracker does not need it once the
conversation's session has expired (`session_expiration_time` in bot/domain.yml), so events older than
`rasa.tracker_mask_after_minutes` get every string in them masked with the one masker, and events older
than `rasa.tracker_retention_days` are deleted. The web service runs this pass in the background.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from web.privacy import mask_pii

log = logging.getLogger(__name__)


def _mask_strings(value: Any) -> Any:
    if isinstance(value, str):
        return mask_pii(value)
    if isinstance(value, list):
        return [_mask_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _mask_strings(v) for k, v in value.items()}
    return value


def apply_retention(tracker_db: Path, mask_after_minutes: float, retention_days: float,
                    now: float | None = None) -> dict[str, int]:
    """One pass over a SQLite tracker store; returns how many events were scanned, masked and deleted.

    Only events that became old enough since the previous pass are read: the pass remembers how far it
    masked (`xha_retention` in the tracker database), so a pass costs what arrived since, not the whole
    store, and the service can stop promptly."""
    if not tracker_db.exists():
        return {"scanned": 0, "masked": 0, "deleted": 0}
    now = time.time() if now is None else now
    conn = sqlite3.connect(tracker_db, timeout=10)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='events'").fetchone():
            return {"scanned": 0, "masked": 0, "deleted": 0}
        with conn:
            conn.execute("CREATE TABLE IF NOT EXISTS xha_retention (masked_until REAL NOT NULL)")
            deleted = conn.execute("DELETE FROM events WHERE timestamp < ?",
                                   (now - retention_days * 86400,)).rowcount
        row = conn.execute("SELECT masked_until FROM xha_retention").fetchone()
        since, until = (row[0] if row else 0.0), now - mask_after_minutes * 60
        rows = conn.execute("SELECT id, data FROM events WHERE timestamp >= ? AND timestamp < ?",
                            (since, until)).fetchall()
        masked = 0
        with conn:
            for event_id, data in rows:
                try:
                    clean = json.dumps(_mask_strings(json.loads(data)), ensure_ascii=False)
                except (TypeError, ValueError):
                    continue  # not Rasa's JSON: leave it to the deletion
                if clean != json.dumps(json.loads(data), ensure_ascii=False):  # masking is idempotent
                    conn.execute("UPDATE events SET data = ? WHERE id = ?", (clean, event_id))
                    masked += 1
            conn.execute("DELETE FROM xha_retention")
            conn.execute("INSERT INTO xha_retention VALUES (?)", (max(since, until),))
        return {"scanned": len(rows), "masked": masked, "deleted": deleted}
    finally:
        conn.close()


def retention_pass(settings: dict[str, Any]) -> None:
    """The background job's body (web/app.py)."""
    from config import resolve_path

    rasa = settings["rasa"]
    done = apply_retention(resolve_path(rasa["tracker_db"]), float(rasa["tracker_mask_after_minutes"]),
                           float(rasa["tracker_retention_days"]))
    if done["masked"] or done["deleted"]:
        log.info("tracker retention: %(masked)d events masked, %(deleted)d deleted", done)
