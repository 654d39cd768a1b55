"""Command line for the index: build, ask, eval, bench, versions, rollback.

    python -m index.cli build [--if-changed]
    python -m index.cli ask "出口退税要多久"
    python -m index.cli eval QUESTIONS.jsonl [--failures] [--by topic]
    python -m index.cli bench QUESTIONS.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from config import load_settings, resolve_path
from index.build import build
from index.embedders import make_embedder
from index.evaluate import by_topic, failures, load_questions, percentile, run_retrieval_eval, summarize
from index.live import LiveIndex
from index.store import STAMP, IndexStore
from knowledge.documents import DocumentError
from knowledge.faq import FaqError
from knowledge.sources import knowledge_fingerprint


def _store(settings: dict[str, Any]) -> IndexStore:
    cfg = settings["index"]
    return IndexStore(resolve_path(cfg["dir"]), cfg.get("keep_versions", 5))


def cmd_build(settings: dict[str, Any], args: argparse.Namespace) -> int:
    store = _store(settings)
    fp = knowledge_fingerprint(settings)
    stamp = store.root / STAMP
    if args.if_changed and store.current() and stamp.exists() and stamp.read_text() == fp:
        print(f"index up to date ({store.current()})")
        return 0
    meta = build(settings, make_embedder(settings["index"]), progress=sys.stderr.isatty() or args.progress)
    stamp.write_text(fp)
    print(f"built index {meta['version']}: {meta['faq_entries']} FAQ entries, {meta['chunks']} chunks, "
          f"{meta['units']} units ({meta['embedded_new']} embedded, {meta['reused']} reused) "
          f"in {meta['seconds']} s with {meta['embedder']}")
    return 0


def cmd_ask(settings: dict[str, Any], args: argparse.Namespace) -> int:
    live = LiveIndex(settings)
    r = live.retriever.search(args.question, k=args.k)
    if args.json:
        print(json.dumps(r.to_dict(), ensure_ascii=False, indent=1))
        return 0
    if r.answer:
        print(r.answer["text"])
        print(r.answer["citation"]["text"])
    else:
        print(f"[declined: {r.reason}]")
    print(f"explain: {json.dumps(r.explain, ensure_ascii=False)}")
    for h in r.results:
        print(f"  {h.score:.3f} bm25={h.bm25:.3f} dense={h.dense:.3f} {h.kind:5} task={h.task:<2} "
              f"{h.matched[:40]}")
    return 0


def cmd_eval(settings: dict[str, Any], args: argparse.Namespace) -> int:
    live = LiveIndex(settings)
    cases = [c for c in load_questions(args.questions) if c.get("expect") != "complaint"]
    live.retriever.search("预热", k=1)
    shown = run_retrieval_eval(live.retriever, cases, k=args.k)
    if args.failures:
        for line in failures(cases, shown):
            print(line)
    if args.by == "topic":
        for topic, m in by_topic(cases, shown).items():
            print(f"topic {topic}: {json.dumps(m, ensure_ascii=False)}")
    print(json.dumps(summarize(cases, shown), ensure_ascii=False))
    return 0


def cmd_eval_docs(settings: dict[str, Any], args: argparse.Namespace) -> int:
    """Quality with extra documents in the knowledge: the plan's questions without and with them, then the
    questions about them, each on its own line (the last line: JSON of all)."""
    cases_by_file = {str(f): [c for c in load_questions(f) if c.get("expect") != "complaint"]
                     for f in args.questions}
    summary: dict[str, Any] = {}
    embedder = make_embedder(settings["index"])
    with tempfile.TemporaryDirectory() as tmp:
        for label, docs_dir in (("plan_only", None), ("with_docs", args.docs)):
            local = Path(tmp) / label / "local"
            (local / "docs").mkdir(parents=True)
            if docs_dir:
                for f in sorted(Path(docs_dir).glob("*.txt")):
                    shutil.copy(f, local / "docs" / f.name)
            s = {**settings, "knowledge": {**settings["knowledge"], "local_dir": str(local)},
                 "index": {**settings["index"], "dir": str(Path(tmp) / label / "index")}}
            build(s, embedder)
            live = LiveIndex(s, embedder=embedder)
            live.retriever.search("预热", k=1)
            for name, cases in cases_by_file.items():
                if label == "plan_only" and args.docs in Path(name).parents:
                    continue
                shown = run_retrieval_eval(live.retriever, cases, k=args.k)
                m = summarize(cases, shown)
                summary[f"{label}:{Path(name).name}"] = m
                print(f"{label:9} {Path(name).name:24} {json.dumps(m, ensure_ascii=False)}")
                if args.failures:
                    for line in failures(cases, shown):
                        print("   ", line)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def cmd_bench(settings: dict[str, Any], args: argparse.Namespace) -> int:
    cases = [c for c in load_questions(args.questions) if c.get("expect") != "complaint"]
    with tempfile.TemporaryDirectory() as cold:  # a full build: nothing to reuse
        cold_settings = {**settings, "index": {**settings["index"], "dir": cold}}
        t0 = time.perf_counter()
        meta = build(cold_settings, make_embedder(settings["index"]))
        build_s = time.perf_counter() - t0
    live = LiveIndex(settings)
    r = live.retriever
    r.search("预热", k=1)
    rows = []
    for mode in ("hybrid", "bm25", "dense"):
        shown = run_retrieval_eval(r, cases, mode=mode, k=args.k)
        m = summarize(cases, shown)
        rows.append((mode, m))
    t1 = time.perf_counter()
    qs = [c["q"] for c in cases] * args.repeat
    lat = []
    for q in qs:
        s = time.perf_counter()
        r.search(q, k=args.k)
        lat.append((time.perf_counter() - s) * 1000)
    wall = time.perf_counter() - t1
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"questions: {len(cases)} from {args.questions} · embedder {r.meta['embedder']} · "
          f"index {r.version} ({r.meta['units']} units)")
    print(f"{'engine':8} {'top1':>6} {'top3':>6} {'fact@3':>7} {'ans_fact':>8} {'decline':>8} "
          f"{'f_decl':>7} {'p50ms':>7} {'p95ms':>7}")
    for mode, m in rows:
        print(f"{mode:8} {m['top1']:6.3f} {m['top3']:6.3f} {m['fact_at_3']:7.3f} {m['answer_fact']:8.3f} "
              f"{m['decline_accuracy']:8.3f} {m['false_decline']:7.3f} {m['p50_ms']:7.2f} {m['p95_ms']:7.2f}")
    print(f"hybrid latency over {len(lat)} queries: p50 {percentile(lat, 50):.2f} ms, "
          f"p95 {percentile(lat, 95):.2f} ms, throughput {len(lat) / wall:.1f} q/s (1 thread)")
    print(f"full index build ({meta['units']} units embedded from scratch): {build_s:.2f} s · "
          f"peak RSS {rss_mb:.0f} MB")
    return 0


def cmd_latency(settings: dict[str, Any], args: argparse.Namespace) -> int:
    """Search latency as a new question meets it: the query caches are emptied before each search, so every
    question is embedded afresh (`bench` repeats questions, and a repeat is served from the cache)."""
    r = LiveIndex(settings).retriever
    qs = [c["q"] for c in load_questions(args.questions) if c.get("expect") != "complaint"]
    r.search("预热", k=1)
    for n in range(1, args.rounds + 1):
        lat = []
        for q in qs:
            r.forget_queries()
            t0 = time.perf_counter()
            r.search(q, k=args.k)
            lat.append((time.perf_counter() - t0) * 1000)
        print(json.dumps({"round": n, "questions": len(qs), "p50_ms": round(percentile(lat, 50), 2),
                          "p95_ms": round(percentile(lat, 95), 2), "max_ms": round(max(lat), 2)}))
    return 0


def cmd_versions(settings: dict[str, Any], args: argparse.Namespace) -> int:
    store = _store(settings)
    cur = store.current()
    for v in store.versions():
        m = store.meta(v)
        print(f"{'*' if v == cur else ' '} {v}  {m['embedder']}  {m['units']} units  {m.get('note', '')}")
    return 0


def cmd_rollback(settings: dict[str, Any], args: argparse.Namespace) -> int:
    store = _store(settings)
    print(f"live index is now {store.rollback()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m index.cli", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build a new index version from knowledge/")
    b.add_argument("--if-changed", action="store_true", help="skip when knowledge and settings are unchanged")
    b.add_argument("--progress", action="store_true", help="show a progress bar even without a terminal")
    a = sub.add_parser("ask", help="answer one question with citation and scores")
    a.add_argument("question")
    a.add_argument("-k", type=int, default=5)
    a.add_argument("--json", action="store_true")
    e = sub.add_parser("eval", help="evaluate on a questions .jsonl; last line is a JSON summary")
    e.add_argument("questions", type=Path)
    e.add_argument("-k", type=int, default=5)
    e.add_argument("--failures", action="store_true", help="list the questions that went wrong")
    e.add_argument("--by", choices=["topic"], help="also print the summary per topic (one line each)")
    ed = sub.add_parser("eval-docs", help="quality without and with extra documents (e.g. the invented fixtures)")
    ed.add_argument("docs", type=Path, help="folder of document files (.txt with front matter) to add")
    ed.add_argument("questions", type=Path, nargs="+")
    ed.add_argument("-k", type=int, default=5)
    ed.add_argument("--failures", action="store_true")
    be = sub.add_parser("bench", help="latency/quality vs BM25-only and dense-only, build time, RSS")
    be.add_argument("questions", type=Path)
    be.add_argument("-k", type=int, default=5)
    be.add_argument("--repeat", type=int, default=3)
    la = sub.add_parser("latency", help="p50/p95 of searches of new questions (query caches emptied each time)")
    la.add_argument("questions", type=Path)
    la.add_argument("-k", type=int, default=5)
    la.add_argument("--rounds", type=int, default=3)
    sub.add_parser("versions", help="list index versions (* = live)")
    sub.add_parser("rollback", help="make the previous version live")
    args = ap.parse_args(argv)
    settings = load_settings()
    try:
        return {"build": cmd_build, "ask": cmd_ask, "eval": cmd_eval, "eval-docs": cmd_eval_docs, "bench": cmd_bench,
                "latency": cmd_latency, "versions": cmd_versions, "rollback": cmd_rollback}[args.cmd](settings, args)
    except (FaqError, DocumentError) as exc:
        print(f"knowledge error:\n{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    os.umask(0o077)  # index versions under var/: owner-only
    sys.exit(main())
