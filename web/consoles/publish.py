"""Publishing knowledge from the admin console: drafts become files, files become a new index version.

Published knowledge lives in plain files under `knowledge.local_dir` (faq/admin.yaml, docs/*.txt,
validity.yaml), so `make index` rebuilds exactly what the console published. A publish builds the new
version off the request path; searches keep using the live version until the pointer moves.

Crash safety of a document publish: the file is written, the new version is built and the pointer
swapped, and only then is the document's state set to 'published'. A crash in between leaves a file the
live version does not hold; `reconcile` (run when the Publisher starts) repairs that so the console never
shows 已发布 for a document that is not searchable.

Several web replicas share `index.dir` and `knowledge.local_dir` (one machine, or a shared volume): a
publish holds the shared lock `publish` (web.shared: Redis across replicas, else this process), starts
from the newest live version, and afterwards announces the version so every replica swaps to it at once
(the periodic pointer check stays as the safety net). Two publishes thus never build from the same base
or write the overrides file at the same time.

Test-only setting (default off, never set it in production): `testing.publish_pause_seconds`
(env `XHA_TESTING__PUBLISH_PAUSE_SECONDS`) sleeps after the document file is written and before the
index is rebuilt, so a test can kill the process at that point.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from config import resolve_path
from index.build import apply_faq_changes, build
from index.live import LiveIndex
from index.store import STAMP
from knowledge.documents import parse_document_text
from knowledge.faq import FaqEntry, FaqError, dump_overrides, read_overrides, validate_entry
from knowledge.sources import ADMIN_DOCS, ADMIN_FAQ, VALIDITY, knowledge_fingerprint, load_documents_with_local
from web.shared import INDEX, LockBusy, SharedState, Unavailable
from web.store import Store

log = logging.getLogger(__name__)
LOCK_SECONDS = 60.0  # renewed while the build runs; a crashed replica's lock is free after this
LOCK_WAIT_SECONDS = 600.0  # a publish queues behind another one for at most this long


class Publisher:
    def __init__(self, settings: dict[str, Any], live: LiveIndex, store: Store, shared: SharedState):
        self.settings, self.live, self.store, self.shared = settings, live, store, shared
        self.local = resolve_path(settings["knowledge"]["local_dir"])
        self._lock = threading.Lock()
        self.reconcile()

    # -- validation ------------------------------------------------------------------------------
    def validate(self, raw: dict[str, Any]) -> FaqEntry:
        docs = {d.id: d for d in load_documents_with_local(self.settings) if d.valid}
        # an edited entry keeps its document; a new one without a document cites the one most entries cite
        r = self.live.retriever
        cited = Counter(e["doc"] for e in r.faq.values())
        current = r.faq.get(str(raw.get("id") or ""))
        default = current["doc"] if current else (cited.most_common(1)[0][0] if cited else next(iter(r.docs), None))
        entry, problems = validate_entry(raw, docs, raw.get("doc") or default, "条目")
        if problems or entry is None:
            raise FaqError(problems)
        return entry

    # -- FAQ -------------------------------------------------------------------------------------
    def publish_faq(self, username: str) -> dict[str, Any]:
        with self._lock:
            drafts = self.store.drafts.faq_drafts()
            if not drafts:
                return {"version": self.live.store.current(), "changed": 0, "seconds": 0.0}
            t0 = time.perf_counter()
            upserts = [self.validate(d["data"]) for d in drafts.values() if d["data"] is not None]
            deletes = [i for i, d in drafts.items() if d["data"] is None]
            overrides = read_overrides(self.local / ADMIN_FAQ)
            for e in upserts:
                overrides[e.id] = e.to_dict()
            for i in deletes:
                overrides[i] = None
            dump_overrides(self.local / ADMIN_FAQ, overrides)
            meta = apply_faq_changes(self.live.store, self.live.embedder, upserts, deletes)
            self._stamp()
            self.store.drafts.clear_faq_drafts(list(drafts), drafts)  # keeps a draft saved meanwhile
            self.store.logs.audit(username, "publish_faq", meta["version"],
                             json.dumps({"upserts": [e.id for e in upserts], "deletes": deletes}, ensure_ascii=False))
            self.live.refresh()
            return {"version": meta["version"], "changed": len(drafts), "seconds": round(time.perf_counter() - t0, 3)}

    # -- documents -------------------------------------------------------------------------------
    def publish_document(self, doc_id: str, username: str) -> dict[str, Any]:
        with self._lock:
            doc = self.store.drafts.document(doc_id)
            if doc is None:
                raise KeyError(doc_id)
            parse_document_text(doc["text"], doc_id)
            path = self.local / ADMIN_DOCS / f"{doc_id}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            existed = path.exists()
            _atomic_write(path, doc["text"])
            pause = float((self.settings.get("testing") or {}).get("publish_pause_seconds") or 0)
            if pause > 0:  # test-only: lets a test kill the process between the file write and the swap
                time.sleep(pause)
            before = self.live.store.current()
            try:
                meta = self._rebuild(f"document {doc_id}")
            except BaseException:
                if self.live.store.current() != before:
                    raise  # the new version went live: reconcile on the next start records it
                if not existed:
                    path.unlink(missing_ok=True)
                self.store.drafts.set_document_state(doc_id, "publish_failed")
                raise
            # only now, with the new version live, is the document published
            self.store.drafts.save_document(doc_id, doc["text"], "published", username)
            self.store.logs.audit(username, "publish_document", doc_id, meta["version"])
            return {"version": meta["version"]}

    def set_validity(self, doc_id: str, validity: str, username: str) -> dict[str, Any]:
        with self._lock:
            path = self.local / VALIDITY
            data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
            data = data or {}
            data[doc_id] = validity
            path.parent.mkdir(parents=True, exist_ok=True)
            _atomic_write(path, yaml.safe_dump(data, allow_unicode=True))
            meta = self._rebuild(f"validity {doc_id}={validity}")
            self.store.logs.audit(username, "set_validity", doc_id, validity)
            return {"version": meta["version"]}

    def rollback(self, version: str, username: str) -> str:
        with self._lock:
            self.live.store.set_current(version)
            self.store.logs.audit(username, "rollback", version)
            self.live.refresh()
            return version

    def _rebuild(self, note: str) -> dict[str, Any]:
        meta = build(self.settings, self.live.embedder)
        self._stamp()
        self.live.refresh()
        return meta

    def reconcile(self) -> list[tuple[str, str, str]]:
        """Make uploaded documents' states match the live index after a crash; returns the changes.

        - file on disk and held by the live version, state not 'published' (crash after the swap):
          the document is published.
        - file on disk but not held by the live version (crash before the swap): the publish did not
          happen; the file is removed (so a later `make index` does not publish it unseen) and the state
          becomes 'publish_failed' (发布未完成), which the admin can publish again.
        - state 'published' but the live version does not hold it: 'publish_failed'.
        - held by the live version but the file is missing: the file is restored from the stored text.
        An expired (失效) document is never in a version, so for it the file alone counts.
        """
        try:
            live_docs = set(self.live.retriever.docs)
        except RuntimeError:  # no index built yet: nothing is live
            live_docs = set()
        on_disk = {d.id: d for d in load_documents_with_local(self.settings)}
        changes: list[tuple[str, str, str]] = []
        for doc in self.store.drafts.documents():
            doc_id, state = doc["id"], doc["state"]
            path = self.local / ADMIN_DOCS / f"{doc_id}.txt"
            has_file = path.is_file()
            local = on_disk.get(doc_id)
            live = doc_id in live_docs or (has_file and local is not None and not local.valid)
            if live and not has_file:
                path.parent.mkdir(parents=True, exist_ok=True)
                _atomic_write(path, doc["text"])
                has_file = True
            if live and has_file:
                new = "published"
            elif has_file:
                path.unlink(missing_ok=True)
                new = "publish_failed"
            elif state == "published":
                new = "publish_failed"
            else:
                new = state
            if new != state:
                self.store.drafts.set_document_state(doc_id, new)
                self.store.logs.audit("system", "reconcile_document", doc_id, f"{state} -> {new}")
                changes.append((doc_id, state, new))
                log.warning("document %s: state %s does not match the live index; now %s", doc_id, state, new)
        return changes

    def _stamp(self) -> None:
        """Tell `make index --if-changed` that the live version matches the files."""
        (self.live.store.root / STAMP).write_text(knowledge_fingerprint(self.settings))

    async def run(self, fn: Any, *args: Any) -> Any:
        """Publishing is CPU work (embedding): off the event loop, on its own thread, under the shared
        publish lock; then every replica is told which version is live."""
        try:
            async with self.shared.lock("publish", LOCK_SECONDS, LOCK_WAIT_SECONDS):
                result = await asyncio.get_running_loop().run_in_executor(None, self._latest_then, fn, args)
        except LockBusy:
            raise web.HTTPConflict(reason="其他管理员正在发布，请稍后再试") from None
        except Unavailable:
            raise web.HTTPServiceUnavailable(reason="共享状态服务（Redis）暂时不可用，请稍后再发布") from None
        await self.shared.publish(INDEX, {"version": self.live.store.current()})
        return result

    def _latest_then(self, fn: Any, args: tuple[Any, ...]) -> Any:
        """Another replica may have published a moment ago: start from its version, not from ours."""
        self.live.refresh()
        return fn(*args)


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")  # replicas share the folder: a name of its own
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
