"""Build an index version from loaded knowledge, re-embedding only texts the last version lacks.

Reading the knowledge files is knowledge.sources' job; this module turns what it loaded into a
version: the knowledge.json payload, retrieval units, vectors and the faiss index.
Every build is incremental by construction: vectors are keyed by (embedder, mode, text), so an
edited FAQ entry costs only its changed questions. `apply_faq_changes` does the same for a single
entry without reading the knowledge folder (the path the admin console uses).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable
from typing import Any

import faiss
import numpy as np
from tqdm import tqdm

from config import resolve_path
from index import text as tx
from index.embedders import Embedder
from index.store import IndexStore
from knowledge.documents import Document, Status
from knowledge.faq import SEGMENT_SEP, FaqEntry, normalize_quote
from knowledge.sources import Knowledge, load_knowledge

EMBED_BATCH = 32
SHORT_DOC_SENTENCES = 60  # the plan has ~250 sentences on 32 subjects; a notice of a few dozen has one
SENTENCE_ENDS = ("。", "！", "？", "!", "?", "；", ";")
_CN_NUM = "〇零一二三四五六七八九十"
DATE_LINE = re.compile(rf"\s*(\d{{4}}|[{_CN_NUM}]{{4}})年[\d{_CN_NUM}]{{1,3}}月[\d{_CN_NUM}]{{1,3}}日\s*")
SIGNATURE_MAX = 40
RESTATED_SHARE = 0.7


# the sentence of a short policy's preamble that introduces its items: it restates the title's subject
# ("为推动小微企业节能降耗，现就支持小微企业购置节能设备有关事项通知如下。") and says nothing a question asks for
LEAD_IN = re.compile(r"如下\s*[。：:]?\s*$")


def restates(line: str, title_words: set[str]) -> bool:
    """An unterminated short line (a heading-like name, not a sentence) nearly all of whose words are the
    document title's."""
    if line.rstrip().endswith(SENTENCE_ENDS) or len(line) > SIGNATURE_MAX:
        return False
    words = tx.words(line)
    return bool(words) and sum(w in title_words for w in words) >= RESTATED_SHARE * len(words)


def signature_lines(sentences: list[str]) -> int:
    """How many of a document's last sentences are its 落款 (issuer line, then date line): kept, not searched.

    Only a closing date makes a 落款: an unterminated line elsewhere (a guide's "咨询电话：…", a section's
    department name) is content someone asks about."""
    if not sentences or not DATE_LINE.fullmatch(sentences[-1]):
        return 0
    n = 1
    while n < len(sentences) and n < 3:
        line = sentences[-1 - n].strip()
        if line.endswith(SENTENCE_ENDS) or len(line) > SIGNATURE_MAX or "：" in line:
            break
        n += 1
    return n


def section_label(path: str, titles: list[str]) -> str:
    if not path:
        return "前言"
    parts = path.split(".")
    out = []
    for i, part in enumerate(parts):
        title = titles[i] if i < len(titles) else ""
        if part.startswith("("):
            out.append(f"{part}{title}")
        elif part.isdigit():
            out.append(f"{part}.{title}")
        else:
            out.append(f"{part}、{title}")
    return " > ".join(out)


def quoted_chunk(e: FaqEntry, chunks: dict[str, Any], first_chunk: dict[tuple[str, int], str],
                 quote: str | None = None) -> str:
    """The chunk the answer (or its basis) quotes (a task such as 三、组织保障 spans several sections)."""
    head = normalize_quote((quote if quote is not None else e.answer).split(SEGMENT_SEP)[0])
    for cid, c in chunks.items():
        if c["doc"] == e.doc and c["task"] in e.tasks and head and head in normalize_quote(c["text"]):
            return cid
    return first_chunk[(e.doc, e.tasks[0])]


def whole_sentences(answer: str, sentences: list[str]) -> str:
    """Widen a quoted answer to the full sentences it was cut from, so users never see half a sentence."""
    picked: list[int] = []
    for seg in answer.split(SEGMENT_SEP):
        target = normalize_quote(seg)
        if not target:
            continue
        joined, spans = "", []
        for s in sentences:
            n = normalize_quote(s)
            spans.append((len(joined), len(joined) + len(n)))
            joined += n
        at = joined.find(target)
        if at < 0:
            return answer
        end = at + len(target)
        picked.extend(i for i, (a, b) in enumerate(spans) if a < end and b > at and i not in picked)
    return "".join(sentences[i] for i in sorted(picked)) or answer


def _key(embedder: Embedder, mode: str, text: str) -> str:
    return hashlib.sha1(f"{embedder.name}\x00{mode}\x00{text}".encode()).hexdigest()


KEY_STRIDE = 10000  # unit key = document ordinal * stride + the unit's number in the document


def unit_label(c: Any) -> str:
    """The unit in the document's own terms: an outline's heading path with its titles ("三、组织保障 >
    (二)加强改革攻坚"), a regulation's "第二章 第五条", an attachment's "附件1"."""
    if c.unit == "article" or c.section.startswith("附件"):
        return c.label or c.section
    return section_label(c.section, c.section_titles)


def _doc_entry(d: Document, status: Status, titles: dict[str, str]) -> dict[str, Any]:
    meta = {k: v for k, v in d.meta.items() if v is not None}
    return {**meta, "title": d.title, "written": d.written, "level": d.level, "state": status.state,
            "status_label": status.label,
            "replaces_titles": [titles[x] for x in d.relations("replaces") if x in titles]}


def knowledge_payload(k: Knowledge) -> dict[str, Any]:
    """The JSON-serialisable knowledge a version carries: answerable documents only (有效, neither expired,
    not yet in force, repealed nor replaced), and the status of every document for the consoles."""
    titles = {d.id: d.title for d in k.docs}
    live = k.live
    chunks: dict[str, Any] = {}
    first_chunk: dict[tuple[str, int], str] = {}
    for n, d in enumerate(live, 1):
        for c in d.chunks:
            chunks[c.id] = {
                "id": c.id, "doc": d.id, "section": c.section, "section_titles": c.section_titles,
                "section_label": unit_label(c), "task": c.task, "key": n * KEY_STRIDE + c.task,
                "task_title": c.task_title, "text": c.text, "start": c.start, "end": c.end,
                "sentences": [s.text for s in c.sentences],
                "numbered": c.unit == "task",  # the plan's 第N项任务
            }
            first_chunk.setdefault((d.id, c.task), c.id)
    faq_out = {}
    by_doc = {d.id: d for d in live}
    for e in k.faq:
        if (e.doc, e.tasks[0]) not in first_chunk:
            continue  # its document is expired, replaced or gone: never cite it
        sentences = [s.text for c in by_doc[e.doc].chunks if c.task in e.tasks for s in c.sentences]
        faq_out[e.id] = _faq_entry(e, chunks, first_chunk, sentences)
    return {
        "docs": {d.id: _doc_entry(d, k.statuses[d.id], titles) for d in live},
        "levels": k.levels,
        "chunks": chunks,
        "faq": faq_out,
        "home_places": list(k.home_places),
        "slots": [s.to_dict() for s in k.slots],
        "synonyms": k.synonyms,
        "wording": k.wording,
        "glossary": k.glossary or {},
        "user_dicts": [str(k.user_dict)],
    }


def _faq_entry(e: FaqEntry, chunks: dict[str, Any], first_chunk: dict[tuple[str, int], str],
               sentences: list[str]) -> dict[str, Any]:
    """An FAQ entry as the index serves it: the quote widened to whole sentences; a plain-language answer
    keeps its own words and carries the widened quote as its basis (依据)."""
    out = {**e.to_dict(), "chunk": quoted_chunk(e, chunks, first_chunk, e.basis or e.answer)}
    if e.basis:
        out["answer_text"] = e.answer
        out["basis_text"] = whole_sentences(e.basis, sentences)
    else:
        out["answer_text"] = whole_sentences(e.answer, sentences)
    return out


def make_units(kb: dict[str, Any]) -> list[dict[str, Any]]:
    """Retrieval units: each FAQ question (question-to-question matching) and each sentence."""
    units = []
    for e in kb["faq"].values():
        for q in e["questions"]:
            units.append({"kind": "faq", "ref": e["id"], "text": q, "mode": "query", "embed": q,
                          "tokens": tx.tokens(q)})
    sizes: dict[str, int] = {}
    for c in kb["chunks"].values():
        sizes[c["doc"]] = sizes.get(c["doc"], 0) + len(c["sentences"])
    in_order: dict[str, list[tuple[str, int]]] = {}  # each document's sentences, in order
    for cid, c in kb["chunks"].items():
        in_order.setdefault(c["doc"], []).extend((cid, sid) for sid in range(len(c["sentences"])))
    closing: set[tuple[str, int]] = set()  # the 落款 lines (issuer and date may be chunks of their own)
    for pairs in in_order.values():
        n = signature_lines([kb["chunks"][cid]["sentences"][sid] for cid, sid in pairs[-3:]])
        closing.update(pairs[len(pairs) - n:] if n else [])
    title_words = {doc: set(tx.words(d["title"])) for doc, d in kb["docs"].items()}
    for cid, c in kb["chunks"].items():
        # a short policy is about one thing: its title's words belong to every passage, so what tells
        # its passages apart is what the question asks ("担保费补贴怎么申请" → the 申请 passage)
        context = tx.words(kb["docs"][c["doc"]]["title"]) if sizes[c["doc"]] <= SHORT_DOC_SENTENCES else []
        for sid, sent in enumerate(c["sentences"]):
            if c["task"] == 0 and not sent.rstrip().endswith(SENTENCE_ENDS):
                continue  # a title, signature, date or addressee line of the preamble: kept, not searched
            if (cid, sid) in closing:
                continue  # the document's 落款
            if restates(sent, title_words[c["doc"]]):
                continue  # a guide's 事项名称: the title again, it matches every question on the topic
            if c["task"] == 0 and sizes[c["doc"]] <= SHORT_DOC_SENTENCES and LEAD_IN.search(sent):
                continue  # "为…，现就…有关事项通知如下。": the title's words again, with nothing a question asks
            headings = [t for t in c["section_titles"] if t != c["task_title"]]  # "申请程序" of "怎么申请"
            units.append({"kind": "chunk", "ref": c["id"], "sid": sid, "text": sent, "mode": "passage",
                          "embed": f"{c['task_title']}：{sent}",
                          "tokens": tx.tokens(sent) + tx.words(c["task_title"])
                          + [w for t in headings for w in tx.words(t)] + context})
    return units


def _previous_vectors(store: IndexStore, embedder: Embedder) -> dict[str, np.ndarray]:
    cur = store.current()
    if not cur or store.meta(cur).get("embedder") != embedder.name:
        return {}
    path = store.path(cur)
    vecs = np.load(path / "vectors.npy")
    keys = [json.loads(line)["key"] for line in (path / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    return dict(zip(keys, vecs))


def write_version(store: IndexStore, embedder: Embedder, kb: dict[str, Any],
                  units: list[dict[str, Any]], progress: bool = False, note: str = "") -> dict[str, Any]:
    """Embed what is new, write a complete version directory, then swap the pointer."""
    t0 = time.perf_counter()
    cache = _previous_vectors(store, embedder)
    for u in units:
        u["key"] = _key(embedder, u["mode"], u["embed"])
    todo = [u for u in units if u["key"] not in cache]
    bar = tqdm(total=len(todo), desc="embedding", unit="text", disable=not progress or not todo)
    for mode in ("query", "passage"):
        batch = [u for u in todo if u["mode"] == mode]
        fn = embedder.embed_queries if mode == "query" else embedder.embed_passages
        for i in range(0, len(batch), EMBED_BATCH):
            part = batch[i:i + EMBED_BATCH]
            for u, v in zip(part, fn([u["embed"] for u in part])):
                cache[u["key"]] = v
            bar.update(len(part))
    bar.close()
    vectors = np.stack([cache[u["key"]] for u in units]).astype(np.float32) if units \
        else np.zeros((0, embedder.dim), dtype=np.float32)
    index = faiss.IndexFlatIP(embedder.dim)
    index.add(vectors)

    version, path = store.new_version_dir()
    (path / "knowledge.json").write_text(json.dumps(kb, ensure_ascii=False), encoding="utf-8")
    with open(path / "units.jsonl", "w", encoding="utf-8") as fh:
        for u in units:
            fh.write(json.dumps({k: v for k, v in u.items() if k != "embed"}, ensure_ascii=False) + "\n")
    np.save(path / "vectors.npy", vectors)
    faiss.write_index(index, str(path / "dense.faiss"))
    meta = {
        "version": version, "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "embedder": embedder.name, "dim": embedder.dim, "units": len(units),
        "faq_entries": len(kb["faq"]), "chunks": len(kb["chunks"]), "docs": sorted(kb["docs"]),
        "embedded_new": len(todo), "reused": len(units) - len(todo),
        "seconds": round(time.perf_counter() - t0, 3), "note": note,
    }
    store.commit(version, meta)
    return meta


def build(settings: dict[str, Any], embedder: Embedder, progress: bool = False) -> dict[str, Any]:
    """A new version of all knowledge as it is on disk now (repository and admin-published)."""
    store = IndexStore(resolve_path(settings["index"]["dir"]), settings["index"].get("keep_versions", 5))
    knowledge = load_knowledge(settings)
    tx.load_user_dict(knowledge.user_dict)  # the domain terms must be words before units are tokenised
    kb = knowledge_payload(knowledge)
    return write_version(store, embedder, kb, make_units(kb), progress=progress, note="build")


def apply_faq_changes(store: IndexStore, embedder: Embedder, upserts: Iterable[FaqEntry] = (),
                      deletes: Iterable[str] = ()) -> dict[str, Any]:
    """New version = current version with some FAQ entries replaced, added or removed."""
    cur = store.current()
    if cur is None:
        raise ValueError("no index version yet: build one first")
    path = store.path(cur)
    kb = json.loads((path / "knowledge.json").read_text(encoding="utf-8"))
    for d in kb.get("user_dicts", []):
        tx.load_user_dict(d)
    units = [json.loads(line) for line in (path / "units.jsonl").read_text(encoding="utf-8").splitlines()]
    changed = set(deletes)
    first_chunk = {}
    for cid, c in kb["chunks"].items():
        first_chunk.setdefault((c["doc"], c["task"]), cid)
    new_units = []
    for e in upserts:
        if (e.doc, e.tasks[0]) not in first_chunk:
            raise ValueError(f"FAQ {e.id}: task {e.tasks[0]} of {e.doc} is not in the live index")
        changed.add(e.id)
        sentences = [s for c in kb["chunks"].values() if c["doc"] == e.doc and c["task"] in e.tasks
                     for s in c["sentences"]]
        kb["faq"][e.id] = _faq_entry(e, kb["chunks"], first_chunk, sentences)
        for q in e.questions:
            new_units.append({"kind": "faq", "ref": e.id, "text": q, "mode": "query", "tokens": tx.tokens(q)})
    for eid in deletes:
        kb["faq"].pop(eid, None)
    kept = [u for u in units if not (u["kind"] == "faq" and u["ref"] in changed)]
    for u in kept:  # embed text of kept units is recoverable from the unit
        u["embed"] = u["text"] if u["kind"] == "faq" else \
            f"{kb['chunks'][u['ref']]['task_title']}：{u['text']}"
    for u in new_units:
        u["embed"] = u["text"]
    return write_version(store, embedder, kb, new_units + kept, note=f"faq change: {sorted(changed)}")
