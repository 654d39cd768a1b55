"""Evaluation and benchmark through the chat gateway of a running stack.

    python -m web.tools.evalchat eval QUESTIONS.jsonl --url http://127.0.0.1:8000
    python -m web.tools.evalchat bench QUESTIONS.jsonl [--url …] [--rasa-url …]

`eval` sends every line as a fresh conversation and scores what the user sees with the same scorer as
`make eval`, plus complaint_detect: a partial reply (方案中没有写明…) is no answer for answer_fact and
false_decline, and counts for partial_accuracy; a multi-part question's replies count as its parts.
`bench` measures answered questions through the gateway at 1 and 10 concurrent senders next to a bare
Rasa REST round trip of a canned response (greet); when nothing answers at --url it starts the stack
with scripts/run.sh and stops it afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from config import ROOT, load_settings
from index.evaluate import Shown, load_questions, percentile, summarize
from protocol.messages import ANSWER, PARTIAL, QUESTION_REPLY_TYPES
from web.public.chat import RASA_WEBHOOK, rasa_headers


def shown_from(messages: list[dict[str, Any]], ms: float) -> Shown:
    """What the user saw, scored like the engine's result: the first question reply decides the outcome
    (answer → answered, partial → partial, otherwise declined); each question reply is one part."""
    replies = [m for m in messages if m.get("type") in QUESTION_REPLY_TYPES]
    cited = [m for m in replies if m.get("type") in (ANSWER, PARTIAL) and isinstance(m.get("citation"), dict)]
    first = replies[0] if replies else None
    kind = first.get("type") if first else None
    outcome = "answered" if kind == ANSWER else "partial" if kind == PARTIAL else "declined"
    shown = first if first in cited else None
    return Shown(
        declined=outcome == "declined",
        outcome=outcome,
        answer_text=shown["text"] if shown else "",
        answer_task=shown["citation"].get("task") if shown else None,
        results=[{"task": m["citation"].get("task"), "text": m["text"]} for m in cited],
        complaint=any(m.get("form") == "complaint" for m in messages),
        ms=ms,
        parts=max(1, len(replies)),
    )


async def post_chat(session: aiohttp.ClientSession, url: str, sender: str,
                    message: str) -> tuple[int, dict[str, Any], float]:
    """One `/api/chat` round trip: (HTTP status, decoded body, milliseconds); raises on transport errors."""
    t0 = time.perf_counter()
    async with session.post(f"{url}/api/chat", json={"sender": sender, "message": message}) as resp:
        try:
            body = await resp.json(content_type=None)
        except ValueError:
            body = {}
        status = resp.status
    return status, body if isinstance(body, dict) else {}, (time.perf_counter() - t0) * 1000


async def send(session: aiohttp.ClientSession, url: str, sender: str, message: str) -> tuple[list[dict], float]:
    status, body, ms = await post_chat(session, url, sender, message)
    if status != 200:
        raise RuntimeError(f"/api/chat answered {status}: {body}")
    return body["messages"], ms


async def rasa_round_trip(session: aiohttp.ClientSession, rasa_url: str, sender: str, message: str) -> float:
    """One REST round trip straight to Rasa (no gateway); milliseconds."""
    t0 = time.perf_counter()
    async with session.post(f"{rasa_url}{RASA_WEBHOOK}", json={"sender": sender, "message": message},
                            headers=rasa_headers(load_settings())) as resp:
        await resp.read()
        resp.raise_for_status()
    return (time.perf_counter() - t0) * 1000


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
            return await rasa_round_trip(session, rasa_url, sender, message)

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


def stack_up(url: str, path: str = "/api/health") -> bool:
    """True when something answers `url + path` (any HTTP status)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}{path}", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _some_free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_stack(url: str, rasa_url: str, env: dict[str, str] | None = None,
                  timeout: float = 300) -> Iterator[str]:
    """Yield the Rasa URL of the stack answering at `url`; when nothing answers there, start one with
    scripts/run.sh on 127.0.0.1 (web on the port of `url`; Rasa and the action server on their usual
    ports when free, else on free ones; its own app store, tracker and logs under a temporary folder,
    so a benchmark never writes into var/) and stop it afterwards. `env` overrides settings of a
    started stack only (e.g. XHA_WEB__RATE_LIMIT_PER_MINUTE)."""
    if stack_up(url):
        yield rasa_url
        return
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"nothing answers at {url}, and a stack is only ever started on 127.0.0.1")
    settings = load_settings()
    web_port = parts.port or 80
    rasa_port, actions_port = (p if _port_free(p) else _some_free_port()
                               for p in (int(settings["rasa"]["port"]), int(settings["rasa"]["actions_port"])))
    tmp = Path(tempfile.mkdtemp(prefix="xha-bench-"))
    started_env = {**os.environ, "XHA_WEB__HOST": "127.0.0.1", "XHA_WEB__PORT": str(web_port),
                   "XHA_WEB__RASA_URL": f"http://127.0.0.1:{rasa_port}", "XHA_WEB__STORE": str(tmp / "app.db"),
                   "XHA_RASA__PORT": str(rasa_port), "XHA_RASA__ACTIONS_PORT": str(actions_port),
                   "XHA_RASA__TRACKER_DB": str(tmp / "tracker.db"),
                   "XHA_ACTIONS__API_URL": f"http://127.0.0.1:{web_port}", "XHA_ACTIONS__SPOOL": str(tmp / "spool"),
                   "XHA_LOG_DIR": str(tmp / "log"), **(env or {})}
    started_rasa = f"http://127.0.0.1:{rasa_port}"
    print(f"nothing answers at {url}: starting the stack with scripts/run.sh (Rasa :{rasa_port}, "
          f"actions :{actions_port}, store {tmp}) …", file=sys.stderr)
    proc = subprocess.Popen([str(ROOT / "scripts" / "run.sh")], cwd=ROOT, env=started_env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        checks = [(url, "/api/health"), (started_rasa, "/"), (f"http://127.0.0.1:{actions_port}", "/health")]
        while not all(stack_up(u, p) for u, p in checks):
            if proc.poll() is not None or time.monotonic() > deadline:
                logs = "".join(f"\n--- {f.name}\n{f.read_text(errors='replace')[-1500:]}"
                               for f in sorted((tmp / "log").glob("*.log")))
                raise SystemExit(f"the stack did not come up{logs}")
            time.sleep(1)
        yield started_rasa
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


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
        if not stack_up(url):
            print(f"nothing answers at {url}: start the stack with `make run` first", file=sys.stderr)
            return 2
        print(json.dumps(asyncio.run(run_eval(args.questions, url)), ensure_ascii=False))
        return 0
    # every message opens a fresh conversation here: the rate limit would only measure itself
    with running_stack(url, args.rasa_url.rstrip("/"), {"XHA_WEB__RATE_LIMIT_PER_MINUTE": "100000"}) as rasa_url:
        asyncio.run(run_bench(args.questions, url, rasa_url, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
