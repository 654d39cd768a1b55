"""The live index of a long-running process: loaded once, hot-swapped when the pointer moves.

Loading happens off the request path; requests keep using the old Retriever until the new one is
complete, then a single reference assignment swaps them (atomic under the GIL).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from config import resolve_path
from index.embedders import Embedder, make_embedder, make_reranker
from index.engine import Retriever
from index.store import IndexStore

log = logging.getLogger(__name__)


class LiveIndex:
    def __init__(self, settings: dict[str, Any], embedder: Embedder | None = None):
        cfg = settings["index"]
        self.cfg = cfg
        self.store = IndexStore(resolve_path(cfg["dir"]), cfg.get("keep_versions", 5))
        self.embedder = embedder or make_embedder(cfg)
        self.reranker = make_reranker(cfg)
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self.refresh()
        if self._retriever is None:
            raise RuntimeError("no index has been built yet (run: make index)")
        return self._retriever

    @property
    def version(self) -> str | None:
        return self._retriever.version if self._retriever else None

    def refresh(self) -> bool:
        """Load the version the pointer names if it is not the one in use; True if swapped."""
        with self._lock:
            cur = self.store.current()
            if cur is None or (self._retriever and self._retriever.version == cur):
                return False
            t0 = time.perf_counter()
            retriever = Retriever(self.store.path(cur), self.embedder, self.cfg, self.reranker)
            self._retriever = retriever
            log.info("index version %s is live (loaded in %.2f s)", cur, time.perf_counter() - t0)
            return True
