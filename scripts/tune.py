"""Grid-search fusion weights, dense calibration and the decline threshold on question sets.

Dev tool (not part of the product): python scripts/tune.py FILE.jsonl [FILE.jsonl ...]
Query embeddings are cached, so each grid point costs only BM25 + fusion.
"""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from config import load_settings  # noqa: E402
from index.evaluate import load_questions  # noqa: E402
from index.live import LiveIndex  # noqa: E402


class CachedEmbedder:
    def __init__(self, inner):
        self.inner, self.name, self.dim, self.cache = inner, inner.name, inner.dim, {}

    def embed_queries(self, texts):
        out = []
        for t in texts:
            if t not in self.cache:
                self.cache[t] = self.inner.embed_queries([t])[0]
            out.append(self.cache[t])
        return np.stack(out)

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)


def main() -> None:
    settings = load_settings()
    live = LiveIndex(settings)
    live.embedder = CachedEmbedder(live.embedder)
    live._retriever = None
    r = live.retriever
    cases = [c for f in sys.argv[1:] for c in load_questions(Path(f)) if c.get("expect") != "complaint"]
    base = dict(r.cfg)
    grid = {
        "weight_bm25": [0.35, 0.45, 0.55],
        "faq_dense_floor": [0.78, 0.82],
        "chunk_dense_floor": [0.76, 0.80],
        "faq_dense_ceil": [0.95, 0.98],
        "chunk_dense_ceil": [0.90, 0.93],
    }
    rows = []
    for values in itertools.product(*grid.values()):
        cfg = {**base, **dict(zip(grid, values))}
        cfg["weight_dense"] = 1 - cfg["weight_bm25"]
        r.cfg = {**cfg, "min_score": 0.0}
        outs = [r.search(c["q"], k=5) for c in cases]
        best = None
        for thr in np.arange(0.30, 0.60, 0.01):
            ok = {"top1": 0, "fact": 0, "fd": 0, "dec": 0}
            n = sum(1 for c in cases if "tasks" in c)
            nd = sum(1 for c in cases if c.get("expect") == "decline")
            for c, o in zip(cases, outs):
                declined = o.declined or o.explain["best_score"] < thr
                if "tasks" in c:
                    ok["top1"] += o.results[0].task in c["tasks"]
                    ok["fact"] += (not declined) and o.answer is not None and all(
                        f in o.answer["text"] for f in c["facts"])
                    ok["fd"] += declined
                else:
                    ok["dec"] += declined
            m = {"top1": ok["top1"] / n, "answer_fact": ok["fact"] / n, "false_decline": ok["fd"] / n,
                 "decline_accuracy": ok["dec"] / nd}
            if m["false_decline"] <= 0.012 and (best is None or m["decline_accuracy"] > best[1]["decline_accuracy"]):
                best = (round(float(thr), 2), m)
        if best:
            thr, m = best
            rows.append((m["top1"] + m["answer_fact"] + 0.5 * m["decline_accuracy"], dict(zip(grid, values)), thr,
                         {k: round(v, 4) for k, v in m.items()}))
    rows.sort(key=lambda x: -x[0])
    for score, params, thr, m in rows[:10]:
        print(round(score, 4), json.dumps(params), "min_score", thr, json.dumps(m))


if __name__ == "__main__":
    main()
