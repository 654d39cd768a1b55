"""Okapi BM25 with a query-relative normalisation.

Raw BM25 is not comparable across queries, so `score` also returns each document's share of the
query's total idf mass (≈1.0 when every query term matches once in an average-length document).
Query terms the corpus has never seen count with the maximal idf: a question about 股市 scores low. Latin
words it has never seen do not count: an English question is scored by the Chinese terms glossed onto it.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np


class BM25:
    def __init__(self, docs: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.n = len(docs)
        self.doc_len = np.array([len(d) for d in docs], dtype=np.float32)
        self.avgdl = float(self.doc_len.mean()) if self.n else 1.0
        lists: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                lists[term].append((i, tf))
        self.idf = {t: self._idf(len(p)) for t, p in lists.items()}
        self.unseen_idf = self._idf(0)
        self._norm = self.k1 * (1 - self.b + self.b * self.doc_len / self.avgdl)
        # per term: the documents holding it and each one's share before idf, tf·(k1+1)/(tf+norm), as arrays:
        # a common bigram is in hundreds of passages, and a loop over them was a tenth of a search
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, p in lists.items():
            ids = np.fromiter((i for i, _ in p), np.int64, len(p))
            tf = np.fromiter((t for _, t in p), np.float64, len(p))
            self.postings[term] = (ids, tf * (self.k1 + 1) / (tf + self._norm[ids]))

    def _idf(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def score(self, query: list[str], expansion: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Return (raw BM25, normalised score in [0, 1]) for every document.

        `expansion` terms (official terms for the user's everyday words) can earn score but do not
        add to the query's idf mass: they are alternatives to words already counted.
        """
        raw = np.zeros(self.n, dtype=np.float32)
        mass = 0.0
        for term, qtf in Counter(query).items():
            if term not in self.idf and term.isascii():
                continue  # an English word the (Chinese) knowledge never writes: its glossed terms count instead
            mass += self.idf.get(term, self.unseen_idf) * qtf
        extra = Counter(expansion or [])
        for term, qtf in (Counter(query) + extra).items():
            idf = self.idf.get(term)
            if idf is None:
                continue
            ids, share = self.postings[term]
            raw[ids] += qtf * idf * share
        if mass <= 0:
            return raw, raw
        return raw, np.minimum(raw / mass, 1.0)
