"""Drafts: FAQ edits and uploaded documents waiting to be published."""

from __future__ import annotations

import json
import time
from typing import Any

from web.store.db import Database


class Drafts:
    """What admins prepare before publishing: FAQ drafts and uploaded documents."""

    def __init__(self, db: Database):
        self.db = db

    def save_faq_draft(self, entry_id: str, data: dict[str, Any] | None, username: str) -> None:
        with self.db.tx() as c:
            c.execute("INSERT INTO faq_drafts (id, data, updated_by, updated_at) VALUES (?,?,?,?) "
                      "ON CONFLICT(id) DO UPDATE SET data=excluded.data, updated_by=excluded.updated_by, "
                      "updated_at=excluded.updated_at",
                      (entry_id, None if data is None else json.dumps(data, ensure_ascii=False), username,
                       time.time()))

    def faq_drafts(self) -> dict[str, dict[str, Any]]:
        return {r["id"]: {"data": json.loads(r["data"]) if r["data"] else None, "updated_by": r["updated_by"],
                          "updated_at": r["updated_at"]}
                for r in self.db.query("SELECT * FROM faq_drafts ORDER BY updated_at")}

    def clear_faq_drafts(self, ids: list[str], as_read: dict[str, dict[str, Any]] | None = None) -> None:
        """Drop these drafts. With `as_read` (the `faq_drafts()` a publish read), a draft saved again since
        (by another admin, on another replica) stays for the next publish instead of being lost."""
        with self.db.tx() as c:
            if as_read is None:
                c.executemany("DELETE FROM faq_drafts WHERE id=?", [(i,) for i in ids])
            else:
                c.executemany("DELETE FROM faq_drafts WHERE id=? AND updated_at=?",
                              [(i, as_read[i]["updated_at"]) for i in ids])

    def save_document(self, doc_id: str, text: str, state: str, username: str) -> None:
        with self.db.tx() as c:
            c.execute("INSERT INTO documents VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET text=excluded.text, "
                      "state=excluded.state, uploaded_by=excluded.uploaded_by, uploaded_at=excluded.uploaded_at",
                      (doc_id, text, state, username, time.time()))

    def set_document_state(self, doc_id: str, state: str) -> None:
        """draft | published | publish_failed (a publish that never reached the live index)."""
        with self.db.tx() as c:
            c.execute("UPDATE documents SET state=? WHERE id=?", (state, doc_id))

    def documents(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.query("SELECT * FROM documents ORDER BY uploaded_at")]

    def document(self, doc_id: str) -> dict[str, Any] | None:
        rows = self.db.query("SELECT * FROM documents WHERE id=?", (doc_id,))
        return dict(rows[0]) if rows else None

    def delete_document(self, doc_id: str) -> None:
        with self.db.tx() as c:
            c.execute("DELETE FROM documents WHERE id=?", (doc_id,))
