"""Evaluation and benchmark through the chat gateway of a running stack.

    python -m web.evalchat eval QUESTIONS.jsonl --url http://127.0.0.1:8000
    python -m web.evalchat bench QUESTIONS.jsonl [--url …] [--rasa-url …]

`eval` sends every line as a fresh conversation and scores what the user sees with the same scorer as
`make eval`, plus complaint_detect. `bench` measures answered questions through the gateway at 1 and
10 concurrent senders next to a bare Rasa REST round trip of a canned response (greet); when nothing
answers at --url it starts the stack with scripts/run.sh and stops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from config import ROOT, load_settings
from index.evaluate import Shown, load_questions, percentile, summarize


def shown_from(messages: list[dict[str, Any]], ms: float) -> Shown:
    answer = next((m for m in messages if m.get("type") == "answer"), None)
    return Shown(
        declined=answer is None,
        answer_text=answer["text"] if answer else "",
        answer_task=answer["citation"]["task"] if answer else None,
        results=[{"task": answer["citation"]["task"], "text": answer["text"]}] if answer else [],
        complaint=any(m.get("form") == "complaint" for m in messages),
        ms=ms,
    )


async def send(session: aiohttp.ClientSession, url: str, sender: str, message: str) -> tuple[list[dict], float]:
    t0 = time.perf_counter()
    async with session.post(f"{url}/api/chat", json={"sender": sender, "message": message}) as resp:
        body = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"/api/chat answered {resp.status}: {body}")
    return body["messages"], (time.perf_counter() - t0) * 1000


async def run_eval(path: Path, url: str) -> dict[str, Any]:
    cases = load_questions(path)
    shown = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        for c in cases:
            msgs, ms = await send(session, url, f"eval-{uuid.uuid4().hex[:12]}", c["q"])
            shown.append(shown_from(msgs, ms))
    return summarize(cases, shown)


async def _load(fn, n_senders: int, per_sender: list[str]) -> list[float]:
    """n concurrent clients, each sending its messages one after another; returns latencies (ms).

    Every message opens a fresh conversation (its own sender id), so no answer depends on an earlier
    one and the per-sender rate limit does not throttle the measurement.
    """
    lat: list[float] = []

    async def one(i: int) -> None:
        for m in per_sender:
            lat.append(await fn(f"bench-{uuid.uuid4().hex[:10]}-{i}", m))

    await asyncio.gather(*(one(i) for i in range(n_senders)))
    return lat


async def run_bench(path: Path, url: str, rasa_url: str, rounds: int) -> None:
    questions = [c["q"] for c in load_questions(path) if "tasks" in c][:rounds]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        async def gateway(sender: str, message: str) -> float:
            return (await send(session, url, sender, message))[1]

        async def bare(sender: str, message: str) -> float:
            t0 = time.perf_counter()
            async with session.post(f"{rasa_url}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": message}) as resp:
                await resp.read()
            return (time.perf_counter() - t0) * 1000

        await gateway("bench-warmup", questions[0])
        rows = []
        for n in (1, 10):
            per = max(1, len(questions) // n)
            g = await _load(gateway, n, questions[:per] if n > 1 else questions)
            b = await _load(bare, n, ["你好"] * (per if n > 1 else len(questions)))
            rows.append((n, g, b))
    print(f"questions: {len(questions)} answerable lines of {path}")
    print(f"{'senders':>7} {'gateway p50':>12} {'p95':>8} {'bare Rasa greet p50':>20} {'p95':>8} {'ratio p95':>10}")
    for n, g, b in rows:
        gp95, bp95 = percentile(g, 95), percentile(b, 95)
        print(f"{n:>7} {percentile(g, 50):>10.1f}ms {gp95:>6.1f}ms {percentile(b, 50):>18.1f}ms {bp95:>6.1f}ms "
              f"{gp95 / bp95 if bp95 else 0:>10.2f}")


def _up(url: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/api/health", timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    settings = load_settings()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cmd", choices=["eval", "bench"])
    ap.add_argument("questions", type=Path)
    ap.add_argument("--url", default=f"http://{settings['web']['host']}:{settings['web']['port']}")
    ap.add_argument("--rasa-url", default=f"http://127.0.0.1:{settings['rasa']['port']}")
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args()
    url = args.url.rstrip("/")
    if args.cmd == "eval":
        if not _up(url):
            print(f"nothing answers at {url}: start the stack with `make run` first", file=sys.stderr)
            return 2
        print(json.dumps(asyncio.run(run_eval(args.questions, url)), ensure_ascii=False))
        return 0
    proc = None
    if not _up(url):
        print("starting the stack with scripts/run.sh …", file=sys.stderr)
        env = {**os.environ, "XHA_WEB__RATE_LIMIT_PER_MINUTE": "100000"}
        proc = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 300
        while not _up(url) and time.monotonic() < deadline:
            time.sleep(1)
        time.sleep(20)  # Rasa comes up after the web service; run.sh waits for all three
    try:
        asyncio.run(run_bench(args.questions, url, args.rasa_url.rstrip("/"), args.rounds))
    finally:
        if proc:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
