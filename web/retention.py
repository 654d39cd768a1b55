"""Retention of Rasa's tracker store: personal data is masked once a conversation has gone quiet, and old
conversations are deleted.

The tracker store is the SQLite file of a single deployment or, scaled out, Rasa's SQLTrackerStore on
PostgreSQL (`rasa.tracker_db` is then a postgresql:// URL, the one Rasa's config/endpoints-scaled.yml uses).

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


def is_url(target: Path | str) -> bool:
    """A postgresql:// URL (Rasa's SQLTrackerStore on PostgreSQL, the scaled deployment), not a file."""
    return "://" in str(target)


def _connect(target: Path | str) -> tuple[Any, str]:
    """A DB-API connection to the tracker store and its placeholder."""
    if is_url(target):
        import psycopg

        scheme, rest = str(target).split("://", 1)
        return psycopg.connect(scheme.split("+")[0] + "://" + rest, connect_timeout=10), "%s"  # no SQLAlchemy +driver
    return sqlite3.connect(target, timeout=10), "?"


def _has_events(conn: Any, postgres: bool) -> bool:
    sql = ("SELECT to_regclass('events') IS NOT NULL" if postgres
           else "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='events'")
    return bool(conn.execute(sql).fetchone()[0])


def apply_retention(tracker_db: Path | str, mask_after_minutes: float, retention_days: float,
                    now: float | None = None) -> dict[str, int]:
    """One pass over the tracker store (a SQLite file or a postgresql:// URL); returns how many events were
    scanned, masked and deleted.

    Only events that became old enough since the previous pass are read: the pass remembers how far it
    masked (`xha_retention` in the tracker database), so a pass costs what arrived since, not the whole
    store, and the service can stop promptly. On PostgreSQL every web replica runs the job; a transaction
    lock lets one pass run at a time (the others find it taken and skip)."""
    postgres = is_url(tracker_db)
    nothing = {"scanned": 0, "masked": 0, "deleted": 0}
    if not postgres and not Path(tracker_db).exists():
        return nothing
    now = time.time() if now is None else now
    conn, ph = _connect(tracker_db)
    try:
        if not _has_events(conn, postgres):
            return nothing
        if postgres and not conn.execute("SELECT pg_try_advisory_xact_lock(hashtext('xha_retention'))").fetchone()[0]:
            return nothing
        conn.execute("CREATE TABLE IF NOT EXISTS xha_retention (masked_until DOUBLE PRECISION NOT NULL)")
        # Rasa indexes events by sender only; the pass reads them by time
        conn.execute("CREATE INDEX IF NOT EXISTS xha_events_timestamp ON events (timestamp)")
        deleted = conn.execute(f"DELETE FROM events WHERE timestamp < {ph}", (now - retention_days * 86400,)).rowcount
        row = conn.execute("SELECT masked_until FROM xha_retention").fetchone()
        since, until = (row[0] if row else 0.0), now - mask_after_minutes * 60
        rows = conn.execute(f"SELECT id, data FROM events WHERE timestamp >= {ph} AND timestamp < {ph}",
                            (since, until)).fetchall()
        masked = 0
        for event_id, data in rows:
            try:
                clean = json.dumps(_mask_strings(json.loads(data)), ensure_ascii=False)
            except (TypeError, ValueError):
                continue  # not Rasa's JSON: leave it to the deletion
            if clean != json.dumps(json.loads(data), ensure_ascii=False):  # masking is idempotent
                conn.execute(f"UPDATE events SET data = {ph} WHERE id = {ph}", (clean, event_id))
                masked += 1
        conn.execute("DELETE FROM xha_retention")
        conn.execute(f"INSERT INTO xha_retention VALUES ({ph})", (max(since, until),))
        conn.commit()
        return {"scanned": len(rows), "masked": masked, "deleted": deleted}
    finally:
        conn.close()  # uncommitted work (an early return, an error) is rolled back


def retention_pass(settings: dict[str, Any]) -> None:
    """The background job's body (web/app.py)."""
    from config import resolve_path

    rasa = settings["rasa"]
    target = rasa["tracker_db"]
    done = apply_retention(target if is_url(target) else resolve_path(target),
                           float(rasa["tracker_mask_after_minutes"]), float(rasa["tracker_retention_days"]))
    if done["masked"] or done["deleted"]:
        log.info("tracker retention: %(masked)d events masked, %(deleted)d deleted", done)
