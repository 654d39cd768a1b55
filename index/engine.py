"""The retriever: one loaded index version answering questions with cited, explainable results.

Read top-down: tokenise → BM25 over all units → dense top-N from faiss → fuse per candidate
(FAQ entry = its best-matching question; chunk = one sentence) → optional rerank → decide
answer/decline → compose the answer (the FAQ's quoted answer, or the best 1–3 sentences of the chunk).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index import text as tx
from index.bm25 import BM25
from index.embedders import CrossEncoderReranker, Embedder

DENSE_CANDIDATES = 64
# a short message opening like this continues the previous question ("那要多久？", "需要什么材料？")
FOLLOW_UP_OPENERS = ("那", "那么", "还有", "另外", "这个", "那个", "它", "他们", "如果", "需要", "要", "怎么", "在哪",
                     "多久", "多长", "什么时候", "哪些", "能不能", "可以", "是不是")
FOLLOW_UP_MAX_CHARS = 12


@dataclass
class Hit:
    id: str
    kind: str  # "faq" | "chunk"
    text: str
    score: float
    task: int
    section: str
    title: str
    doc: str
    doc_id: str
    date: str
    matched: str  # the FAQ question or the sentence that matched
    bm25: float
    dense: float
    rerank: float | None = None
    sentence_ids: list[int] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        d = asdict(self)
        d["score"] = round(self.score, 4)
        d["scores"] = {"bm25": round(self.bm25, 4), "dense": round(self.dense, 4),
                       "rerank": None if self.rerank is None else round(self.rerank, 4)}
        for k in ("bm25", "dense", "rerank", "sentence_ids"):
            d.pop(k)
        return d


@dataclass
class SearchResponse:
    query: str
    declined: bool
    reason: str  # "answered" | "weak_evidence" | "other_place" | "detail_not_covered" | "empty_index"
    answer: dict[str, Any] | None
    results: list[Hit]
    explain: dict[str, Any]
    related: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "declined": self.declined, "reason": self.reason,
                "answer": self.answer, "results": [h.public() for h in self.results],
                "related": self.related, "explain": self.explain}


def _bare(text: str) -> str:
    return re.sub(r"[\s\W_]+", "", tx.normalize(text))


class Retriever:
    """Immutable view of one index version plus the shared embedder."""

    def __init__(self, path: Path, embedder: Embedder, cfg: dict[str, Any],
                 reranker: CrossEncoderReranker | None = None):
        self.path = Path(path)
        self.version = self.path.name
        self.cfg = cfg
        self.embedder = embedder
        self.reranker = reranker
        self.meta = json.loads((self.path / "meta.json").read_text(encoding="utf-8"))
        if self.meta.get("embedder") != embedder.name:
            raise ValueError(f"index {self.version} was built with {self.meta.get('embedder')}, "
                             f"not {embedder.name}: rebuild it (make index)")
        kb = json.loads((self.path / "knowledge.json").read_text(encoding="utf-8"))
        self.docs: dict[str, dict[str, Any]] = kb["docs"]
        self.chunks: dict[str, dict[str, Any]] = kb["chunks"]
        self.faq: dict[str, dict[str, Any]] = kb["faq"]
        self.places: list[str] = kb.get("other_places", [])
        self.home_places: list[str] = kb.get("home_places", [])
        self.details: dict[str, dict[str, list[str]]] = kb.get("details", {})
        self.synonyms: dict[str, list[str]] = kb.get("synonyms", {})
        self._synonym_keys = sorted(self.synonyms, key=len, reverse=True)
        self.units: list[dict[str, Any]] = [
            json.loads(line) for line in (self.path / "units.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        self.vectors = np.load(self.path / "vectors.npy")
        self.faiss = faiss.read_index(str(self.path / "dense.faiss"))
        self.bm25 = BM25([u["tokens"] for u in self.units])
        self.is_faq = np.array([u["kind"] == "faq" for u in self.units])
        self.chunk_units: dict[str, list[tuple[int, int]]] = {}
        self.faq_units_by_task: dict[int, list[int]] = {}
        for i, u in enumerate(self.units):
            if u["kind"] == "chunk":
                self.chunk_units.setdefault(u["ref"], []).append((u["sid"], i))
            elif u["ref"] in self.faq:
                task = self.chunks[self.faq[u["ref"]]["chunk"]]["task"]
                self.faq_units_by_task.setdefault(task, []).append(i)
        for user_dict in kb.get("user_dicts", []):
            tx.load_user_dict(user_dict)

    # -- scoring -----------------------------------------------------------------------------
    def _dense_norm(self, cos: np.ndarray) -> np.ndarray:
        c = self.cfg
        floor = np.where(self.is_faq, c["faq_dense_floor"], c["chunk_dense_floor"])
        ceil = np.where(self.is_faq, c["faq_dense_ceil"], c["chunk_dense_ceil"])
        return np.clip((cos - floor) / (ceil - floor), 0.0, 1.0)

    def unit_scores(self, query: str) -> dict[str, np.ndarray]:
        """Per-unit BM25, dense and fused scores (exposed for the hit test and baselines)."""
        _, bm = self.bm25.score(tx.tokens(query), self.expand(query))
        qv = self.embedder.embed_queries([query])
        cos = np.full(len(self.units), -1.0, dtype=np.float32)
        k = min(DENSE_CANDIDATES, len(self.units))
        sims, ids = self.faiss.search(qv, k)
        cos[ids[0]] = sims[0]
        # exact cosine for BM25 candidates the dense top-N missed, so fusion sees both signals
        bm_top = np.argsort(-bm)[:DENSE_CANDIDATES]
        missing = bm_top[cos[bm_top] < -0.5]
        if len(missing):
            cos[missing] = self.vectors[missing] @ qv[0]
        cos = np.where(cos < -0.5, 0.0, cos)
        dn = self._dense_norm(cos)
        fused = self.cfg["weight_bm25"] * bm + self.cfg["weight_dense"] * dn
        return {"bm25": bm, "cos": cos, "dense": dn, "fused": fused}

    @staticmethod
    def is_follow_up(q: str) -> bool:
        """Short and opening like a continuation: read it together with the previous question."""
        body = q.strip(" ?？。!！,，")
        return len(body) <= FOLLOW_UP_MAX_CHARS and body.startswith(FOLLOW_UP_OPENERS)

    def expand(self, query: str) -> list[str]:
        """BM25 terms of the official wording for everyday words in the query (门店 → 经营场所)."""
        terms: list[str] = []
        rest = query
        for word in self._synonym_keys:
            if word in rest:
                rest = rest.replace(word, " ")
                for official in self.synonyms[word]:
                    terms.extend(tx.tokens(official))
        return terms

    def search(self, query: str, k: int = 5, mode: str = "hybrid", context: str | None = None) -> SearchResponse:
        q = tx.normalize(query)
        if not q:
            raise ValueError("empty query")
        follow_up = bool(context and context.strip() and self.is_follow_up(q))
        if follow_up:
            q = f"{tx.normalize(context or '')} {q}"
        if not self.units:
            return SearchResponse(query, True, "empty_index", None, [], {"reason": "index is empty"})
        s = self.unit_scores(q)
        score = {"hybrid": s["fused"], "bm25": s["bm25"], "dense": s["dense"]}[mode]
        hits = self._collect(score, s, limit=max(k, self.cfg.get("rerank_top", 8)))
        if self.reranker is not None and mode == "hybrid" and hits:
            rr = self.reranker.score(q, [h.matched for h in hits])
            for h, r in zip(hits, rr):
                h.rerank = float(r)
                h.score = 0.5 * h.score + 0.5 * float(r)
            hits.sort(key=lambda h: -h.score)
        hits = self._dedupe(hits)[:k]
        place = self._other_place(q)
        best = hits[0].score if hits else 0.0
        threshold = self.cfg["min_score"] if mode == "hybrid" else self.cfg.get(f"min_score_{mode}", 0.3)
        explain = {"best_score": round(best, 4), "threshold": threshold, "other_place": place,
                   "follow_up": follow_up, "follow_up_shape": self.is_follow_up(tx.normalize(query)),
                   "effective_query": q,
                   "version": self.version, "mode": mode,
                   "best_bm25": round(hits[0].bm25, 4) if hits else 0.0,
                   "best_dense": round(hits[0].dense, 4) if hits else 0.0}
        answer = self._answer(hits[0], s["fused"]) if hits else None
        # a question an admin filed under an FAQ entry word for word is answered by that entry
        curated = bool(hits) and hits[0].kind == "faq" and _bare(hits[0].matched) == _bare(q)
        explain["curated"] = curated
        missing = self._missing_detail(q, answer["text"]) if answer and not curated else None
        explain["missing_detail"] = missing
        if place and not curated:
            reason = "other_place"
        elif best < threshold and not curated:
            reason = "weak_evidence"
        elif missing:
            reason = "detail_not_covered"
        else:
            reason = "answered"
        explain["decision"] = reason
        if reason != "answered":
            answer = None
        return SearchResponse(query, reason != "answered", reason, answer, hits, explain,
                              related=self._related(answer, s["fused"]) if answer else [])

    def _related(self, answer: dict[str, Any], fused: np.ndarray, n: int = 3) -> list[str]:
        """Other FAQ entries on the answer's task, best-matching first, as follow-up buttons."""
        task = answer["citation"]["task"]
        best: dict[str, float] = {}
        for i in self.faq_units_by_task.get(task, []):
            ref = self.units[i]["ref"]
            if ref != answer.get("faq_id"):
                best[ref] = max(best.get(ref, 0.0), float(fused[i]))
        return [self.faq[ref]["questions"][0] for ref in sorted(best, key=lambda r: -best[r])[:n]]

    # -- candidates ----------------------------------------------------------------------------
    def _collect(self, score: np.ndarray, s: dict[str, np.ndarray], limit: int) -> list[Hit]:
        order = np.argsort(-score)
        hits: list[Hit] = []
        seen: set[str] = set()
        for i in order:
            u = self.units[int(i)]
            key = u["ref"] if u["kind"] == "faq" else f"{u['ref']}/{u['sid']}"
            if key in seen:
                continue
            seen.add(key)
            hits.append(self._hit(u, float(score[i]), float(s["bm25"][i]), float(s["dense"][i])))
            if len(hits) >= limit * 2:
                break
        return hits

    def _hit(self, u: dict[str, Any], score: float, bm: float, dn: float) -> Hit:
        if u["kind"] == "faq":
            e = self.faq[u["ref"]]
            chunk = self.chunks[e["chunk"]]
            return Hit(e["id"], "faq", e.get("answer_text", e["answer"]), score, chunk["task"], chunk["section"],
                       chunk["task_title"], self.docs[e["doc"]]["title"], e["doc"],
                       self.docs[e["doc"]]["written"], u["text"], bm, dn)
        chunk = self.chunks[u["ref"]]
        sid = u["sid"]
        return Hit(f"{u['ref']}/s{sid}", "chunk", chunk["sentences"][sid], score, chunk["task"],
                   chunk["section"], chunk["task_title"], self.docs[chunk["doc"]]["title"],
                   chunk["doc"], self.docs[chunk["doc"]]["written"], u["text"], bm, dn,
                   sentence_ids=[sid])

    @staticmethod
    def _dedupe(hits: list[Hit]) -> list[Hit]:
        """Drop a sentence already quoted by a better-ranked hit."""
        out: list[Hit] = []
        shown: list[str] = []
        for h in hits:
            body = re.sub(r"\s+", "", h.text)
            if any(body in s for s in shown):
                continue
            out.append(h)
            shown.append(body)
        return out

    def _missing_detail(self, q: str, answer: str) -> str | None:
        """A detail the question asks for (利率, 地址, 多久 …) that the answer does not give."""
        for name, d in self.details.items():
            if any(w in q for w in d["ask"]) and not any(
                    re.search(w[3:], answer) if w.startswith("re:") else w in answer for w in d["evidence"]):
                return name
        return None

    def _other_place(self, q: str) -> str | None:
        """The first other place the question names, unless it also names the New Area itself."""
        found = [p for p in self.places if p in q]
        if not found:
            return None
        rest = q
        for place in found:  # "成都高新区", "浦东新区": the other place's own 新区 is no anchor
            rest = re.sub(re.escape(place) + r"[\u4e00-\u9fff]{0,3}?(?:高新区|新区|开发区|区|市|省)?", " ", rest)
        rest = rest.replace("高新区", " ")
        if any(home in rest for home in self.home_places):
            return None
        return found[0]

    # -- answer --------------------------------------------------------------------------------
    def _answer(self, top: Hit, fused: np.ndarray) -> dict[str, Any]:
        if top.kind == "faq":
            e = self.faq[top.id]
            chunk = self.chunks[e["chunk"]]
            text = e.get("answer_text", e["answer"])
            extra = {"faq_id": e["id"], "question": top.matched, "department": e["department"],
                     "topic": e["topic"]}
        else:
            chunk_id = top.id.rsplit("/s", 1)[0]
            chunk = self.chunks[chunk_id]
            sids = self._best_sentences(chunk_id, top.sentence_ids[0], fused)
            text = "".join(chunk["sentences"][i] for i in sids)
            extra = {"sentences": sids, "topic": chunk.get("topic", "")}
        return {"text": text, "citation": self.citation(chunk), **extra}

    def _best_sentences(self, chunk_id: str, best: int, fused: np.ndarray) -> list[int]:
        """The best sentence plus up to two others of the same chunk that score almost as well."""
        scores = {sid: float(fused[i]) for sid, i in self.chunk_units.get(chunk_id, [])}
        top = scores.get(best, 0.0)
        others = sorted((s for s in scores if s != best and scores[s] >= 0.85 * top),
                        key=lambda s: -scores[s])[:2]
        return sorted([best, *others])

    def citation_for(self, hit: Hit) -> dict[str, Any]:
        chunk_id = self.faq[hit.id]["chunk"] if hit.kind == "faq" else hit.id.rsplit("/s", 1)[0]
        return self.citation(self.chunks[chunk_id])

    def citation(self, chunk: dict[str, Any]) -> dict[str, Any]:
        doc = self.docs[chunk["doc"]]
        task_part = f"第{chunk['task']}项任务" if chunk.get("numbered") else ""
        parts = [f"《{doc['title']}》" + (f"（{doc['number']}）" if doc.get("number") else ""),
                 chunk["section_label"], task_part, f"成文日期 {doc['written']}"]
        return {
            "doc_id": chunk["doc"], "doc_title": doc["title"], "number": doc.get("number"),
            "issuer": doc.get("issuer"), "section": chunk["section"], "section_label": chunk["section_label"],
            "task": chunk["task"], "task_title": chunk["task_title"], "date": doc["written"],
            "effective": doc.get("effective"), "validity": doc.get("validity"),
            "text": "来源：" + " · ".join(p for p in parts if p),
        }
