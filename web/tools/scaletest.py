"""Scale test of the scaled deployment (docs/deploy.md): replicas killed under load, a FAQ published meanwhile.

    python -m web.tools.scaletest [--replicas 2] [--sessions 50] [--seconds 60] [--port-base 7300]
                                  [--no-kills] [--no-publish] [--dir var/scaletest]

Starts its own scaled stack with scripts/run_scaled.sh on 127.0.0.1 (PostgreSQL, Redis, a copy of the
index, logs: all under --dir; ports from --port-base) with a local 诉速办 receiver that checks signatures
and counts idempotency keys. Then --sessions simulated users (web.tools.evaldialogue's multi-turn sessions:
questions, follow-ups, complaint forms, ticket status, 转人工), each at the gateway's rate limit, talk
through the balancer for --seconds while

  - one web replica, then one Rasa replica, then one action server is killed with SIGKILL; the script's
    supervisor restarts the web replica and the action server a second later (as systemd would) and the
    balancer's health checks take each out and bring it back; the Rasa replica is held down until the load
    ends (its model load would take one of the two cores for a minute), the other one carries its senders;
  - an admin publishes a FAQ change through the balancer, and every web replica is asked directly
    (/api/health) for its index version until it serves the new one.

Users send one message every --pace seconds (8: a person reading the reply; 3 is the gateway's rate limit,
the saturation runs of docs/deploy.md); no new session starts after --seconds, those under way are played to
their end. A user whose turn fails (HTTP error, connection error, degraded reply) sends the same message
again one pace later, as a person would; every failed attempt is a failed turn, attributed to the kill whose
drain it fell in (DRAIN_SECONDS, or until the replacement is healthy). A conversation is lost when the
gateway reset its tracker after failed turns, or when its contract broke (web.tools.evaldialogue's judge:
e.g. a complaint form did not continue at the step it was at) and the control does not break the same way:
the same session played again, with a new sender, on the quiet stack after the load. One that breaks the
same way again was misread by the NLU or the dialogue policy whatever the replicas did: a dialogue error,
reported apart. Tickets: the numbers the users were told, the rows
in the app store, and what the receiver got.

Last line: one JSON object: sessions, turns, failed_turns, lost_conversations, duplicate_tickets,
lost_tickets, replicas_on_new_version, p50_ms, p95_ms, then throughput and the details.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from config import ROOT, load_settings, resolve_path
from index.evaluate import percentile
from protocol.messages import DECLINED, ERROR, TICKET
from web.privacy import hash_sender
from web.susuban.wire import verify
from web.tools.evalchat import post_chat
from web.tools.evaldialogue import FAILED_DECLINES, Outcome, Session, form_step, generate_sessions, run_session

# A failed turn belongs to a kill's drain when it comes within DRAIN_SECONDS of the kill (the balancer's
# check: 1 s, a dead Rasa replica's lock expiring: TICKET_LOCK_LIFETIME 15 s, the gateway's Rasa timeout:
# 10 s) or, for a replica the supervisor restarts at once, before it is healthy again (+ RESTART_SETTLE):
# until then the tier has one replica less.
DRAIN_SECONDS = 25.0
RESTART_SETTLE = 5.0
# a person reads the reply and types the next message: ~8 s; the gateway's rate limit allows one every 3 s
# (--pace 3 is the saturation run of docs/deploy.md)
DEFAULT_PACE = 8.0
MAX_ATTEMPTS = 8  # a user gives up on a message after this many failed sends
MAX_SESSION_TURNS = 8  # sessions short enough that a complaint begun in the first seconds is filed
REPLAY_PACE = 3.0  # the control replay of broken sessions: the gateway's per-sender rate limit (20 a minute)
TAIL_LIMIT = 120.0  # no retry later than this after the load's end (sessions under way are finished)
VERSION_DEADLINE = 5.0  # every web replica serves a published index version within this many seconds
KILL_ORDER = ("web", "rasa", "actions")
# killed replicas the supervisor does not restart until the load is over; the others come back at once
HELD_DOWN = ("rasa",)
ADMIN = "scaleadmin"
PUBLISH_FAQ_QUESTION = "诉速办平台是做什么的"
Job = Callable[[float], Awaitable[None]]  # started at its offset with the seconds since the load began


@dataclass
class Ports:
    """The stack's ports from one base: balancer frontends at +0/+10/+20, replica i at frontend + i."""

    base: int

    @property
    def web(self) -> int:
        return self.base

    @property
    def rasa(self) -> int:
        return self.base + 10

    @property
    def actions(self) -> int:
        return self.base + 20

    def env(self) -> dict[str, str]:
        b = self.base
        return {"LB_WEB_PORT": str(self.web), "LB_RASA_PORT": str(self.rasa), "LB_ACTIONS_PORT": str(self.actions),
                "XHA_PG_PORT": str(b + 30), "XHA_REDIS_PORT": str(b + 31), "LB_STATS_PORT": str(b + 32)}

    @property
    def receiver(self) -> int:
        return self.base + 33

    def replica(self, tier: str, i: int) -> int:
        return {"web": self.web, "rasa": self.rasa, "actions": self.actions}[tier] + i

    def health(self, tier: str, i: int) -> str:
        path = {"web": "/api/health", "rasa": "/", "actions": "/health"}[tier]
        return f"http://127.0.0.1:{self.replica(tier, i)}{path}"


def port_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def free_base(first: int = 7300, step: int = 40, tries: int = 20) -> int:
    """The first base from `first` whose 34 ports nobody listens on (another stack, make run …)."""
    for base in range(first, first + step * tries, step):
        if all(port_free(base + i) for i in range(34)):
            return base
    raise SystemExit(f"no free block of 34 ports from {first}")


# the 诉速办 stand-in ------------------------------------------------------------------------------------


class Receiver:
    """A 诉速办 endpoint on loopback: checks the signature, creates one ticket per idempotency key and counts
    every delivery (a second POST of a key is a redelivery: answered with the same id, not a new ticket)."""

    def __init__(self, secret: str, port: int):
        self.secret, self.port = secret, port
        self.by_key: dict[str, dict[str, Any]] = {}
        self.posts: Counter[str] = Counter()
        self.bad_signatures = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tickets"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not verify(self.secret, body, request.headers):
            self.bad_signatures += 1
            return web.json_response({"error": "bad signature"}, status=401)
        key = request.headers.get("Idempotency-Key", "")
        self.posts[key] += 1
        if key not in self.by_key:
            self.by_key[key] = {"id": f"EXT{len(self.by_key) + 1:05d}", "body": json.loads(body)}
            return web.json_response({"id": self.by_key[key]["id"]}, status=201)
        return web.json_response({"id": self.by_key[key]["id"], "duplicate": True})

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/tickets", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def ticket_numbers(self) -> Counter[str]:
        """Ticket number → how many distinct keys brought it (more than 1: the same ticket filed twice)."""
        return Counter(t["body"].get("ticket_no", "") for t in self.by_key.values())


# the stack ----------------------------------------------------------------------------------------------------


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines (values as bash's printf %q writes URLs and paths: no quoting needed)."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key and not key.startswith("#"):
            out[key.strip()] = value.strip().strip("'\"")
    return out


def secrets() -> dict[str, str]:
    """var/secrets.env, created with fresh random values on first use (scripts/secrets.sh)."""
    subprocess.run(["bash", "-c", ". scripts/secrets.sh"], cwd=ROOT, check=True)
    return read_env_file(ROOT / "var" / "secrets.env")


class ScaledStack:
    """scripts/run_scaled.sh as a child process, with everything it writes under `root`."""

    def __init__(self, root: Path, ports: Ports, replicas: int, env: dict[str, str]):
        self.root, self.ports, self.replicas = root, ports, replicas
        self.run_dir, self.log_dir = root / "scaled", root / "log"
        self.env = {**os.environ, **ports.env(), "SCALED_REPLICAS": str(replicas), "SCALED_DIR": str(root),
                    "XHA_LOG_DIR": str(self.log_dir), **env}
        self.proc: subprocess.Popen[bytes] | None = None

    def prepare(self, settings: dict[str, Any]) -> None:
        """A fresh folder with a copy of the live index: the publish during the test must not touch var/."""
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        src = resolve_path(settings["index"]["dir"])
        if not (src / "CURRENT").exists():
            raise SystemExit(f"no index at {src}: run `make index` first")
        shutil.copytree(src, self.root / "index")
        self.env.update({"XHA_INDEX__DIR": str(self.root / "index"),
                         "XHA_KNOWLEDGE__LOCAL_DIR": str(self.root / "knowledge"),
                         "XHA_ACTIONS__SPOOL": str(self.root / "spool")})

    def start(self, timeout: float = 480) -> None:
        out = open(self.root / "run_scaled.out", "wb")
        self.proc = subprocess.Popen([str(ROOT / "scripts" / "run_scaled.sh")], cwd=ROOT, env=self.env,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while "Ready (" not in (self.root / "run_scaled.out").read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the scaled stack did not come up:\n{self.tail()}")
            time.sleep(1)

    def tail(self) -> str:
        parts = [(self.root / "run_scaled.out").read_text(errors="replace")[-3000:]]
        parts += [f"--- {f.name}\n{f.read_text(errors='replace')[-1500:]}" for f in sorted(self.log_dir.glob("*.log"))]
        return "\n".join(parts)

    def settings_env(self) -> dict[str, str]:
        return read_env_file(self.run_dir / "settings.env")

    def pid(self, name: str) -> int | None:
        try:
            return int((self.run_dir / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def hold(self, name: str) -> None:
        """Keep the supervisor from restarting `name` (scripts/run_scaled.sh) until `release`."""
        (self.run_dir / f"{name}.hold").touch()

    def release(self) -> None:
        for f in self.run_dir.glob("*.hold"):
            f.unlink()

    def kill9(self, name: str) -> int:
        pid = self.pid(name)
        if pid is None:
            raise RuntimeError(f"no pid file for {name}")
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        """Ctrl-C's path: the script stops every replica, the balancer, PostgreSQL and Redis."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


# measuring ------------------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of one process (MB); 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pss_tree_mb(root_pid: int) -> float:
    """Proportional memory of a process and its children (PostgreSQL's backends share their buffers)."""
    total = 0.0
    for pid in tree(root_pid):
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


@dataclass
class Failure:
    at: float  # seconds since the load started
    kind: str
    sender: str


@dataclass
class Run:
    """What one run saw: outcomes, failed attempts, kills, the publish."""

    replicas: int
    sessions: int
    seconds: float
    pace: float
    outcomes: list[Outcome] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    kills: list[dict[str, Any]] = field(default_factory=list)
    publish: dict[str, Any] = field(default_factory=dict)
    in_form: dict[str, str] = field(default_factory=dict)  # sender → complaint step of its last reply
    forms_at_kills: set[str] = field(default_factory=set)  # senders with a form open when a replica died
    told: set[str] = field(default_factory=set)  # ticket numbers shown to users
    answered_in_time: int = 0  # turns answered within `seconds` (the throughput)
    tail_seconds: float = 0.0  # how long turns under way at the end took to finish
    rss: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds per process type during the load
    machine_busy: float = 0.0  # share of both cores busy meanwhile (this stack and anything else)


def failure_kind(status: int, body: dict[str, Any]) -> str:
    """Why an attempt failed ("" when it did not): what a user sees as the assistant not answering."""
    if status != 200:
        return f"http_{status}" if status else "connection"
    msgs = body.get("messages") if isinstance(body.get("messages"), list) else []
    if body.get("degraded") or any(m.get("type") == ERROR for m in msgs):
        return "degraded"
    if any(m.get("type") == DECLINED and m.get("reason") in FAILED_DECLINES for m in msgs):
        return "api_error"
    return ""


async def drive(url: str, run: Run, pool: list[Session], pace: float, schedule: list[tuple[float, Job]]) -> None:
    """`run.sessions` users for `run.seconds`, each playing sessions back to back with `pace` seconds between
    its messages; the scheduled coroutines (kills, the publish) start at their offsets. Sessions under way at
    the end are played to their end (no new one starts), so a complaint begun is confirmed."""
    tag = uuid.uuid4().hex[:6]
    source = iter(range(10**9))
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30), connector=connector) as http:
        t0 = time.monotonic()
        deadline = t0 + run.seconds

        async def send(sender: str, text: str) -> tuple[int, dict[str, Any], float]:
            for attempt in range(MAX_ATTEMPTS):
                if attempt and time.monotonic() > deadline + TAIL_LIMIT:
                    break
                try:
                    status, body, ms = await post_chat(http, url, sender, text)
                except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                    status, body, ms = 0, {"error": f"{type(exc).__name__}: {exc}"}, 0.0
                kind = failure_kind(status, body)
                if not kind:
                    run.latencies.append(ms)
                    run.answered_in_time += time.monotonic() <= deadline
                    msgs = body.get("messages") or []
                    step = form_step(msgs)
                    if step:
                        run.in_form[sender] = step
                    else:
                        run.in_form.pop(sender, None)
                    run.told.update(str(m["ticket"].get("ticket_no")) for m in msgs
                                    if m.get("type") == TICKET and isinstance(m.get("ticket"), dict))
                    return status, body, ms
                run.failures.append(Failure(time.monotonic() - t0, kind, sender))
                await asyncio.sleep(pace)
            return status, body, ms

        async def user(i: int) -> None:
            await asyncio.sleep(pace * i / run.sessions)  # spread the first messages over one interval
            while time.monotonic() < deadline:  # no new session after the end; the one under way is finished
                k = next(source)
                s = pool[k % len(pool)]
                run.outcomes.append(await run_session(s, send, f"scale-{tag}-{i}-{k}-{s.sid}", pace))

        async def at(offset: float, job: Job) -> None:
            await asyncio.sleep(max(0.0, t0 + offset - time.monotonic()))
            await job(time.monotonic() - t0)

        await asyncio.gather(*(user(i) for i in range(run.sessions)), *(at(o, j) for o, j in schedule))
        run.tail_seconds = time.monotonic() - deadline


async def wait_healthy(http: aiohttp.ClientSession, url: str, timeout: float) -> float | None:
    """Seconds until `url` answers 200 (None if it does not within `timeout`)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError, OSError):
            async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as resp:
                if resp.status == 200:
                    return time.monotonic() - t0
        await asyncio.sleep(0.2)
    return None


def kill_job(stack: ScaledStack, run: Run, tier: str, settle: float) -> Job:
    """SIGKILL replica 1 of `tier`; record when the supervisor's restart is healthy again. A Rasa replica is
    held down until the load ends (HELD_DOWN): its model load would take one of the two cores for a minute."""
    async def job(at: float) -> None:
        run.forms_at_kills |= set(run.in_form)
        name = f"{tier}1"
        held = tier in HELD_DOWN
        if held:
            stack.hold(name)
        pid = stack.kill9(name)
        entry: dict[str, Any] = {"replica": name, "pid": pid, "at_s": round(at, 1), "restarted": not held}
        run.kills.append(entry)
        print(f"  {at:5.1f}s  kill -9 {name} (pid {pid}){' - held down until the load ends' if held else ''}",
              file=sys.stderr, flush=True)
        if held:
            return
        await asyncio.sleep(1.5)  # the dead process's port is closed before its successor opens it
        async with aiohttp.ClientSession() as http:
            back = await wait_healthy(http, stack.ports.health(tier, 1), settle)
        entry["healthy_again_s"] = None if back is None else round(back + 1.5, 1)
        print(f"          {tier}1 restarted and healthy after {entry['healthy_again_s']}s", file=sys.stderr, flush=True)
    return job


async def publish_faq(url: str, password: str, tag: str) -> dict[str, Any]:
    """As an admin, through the balancer: one more 问法 on a FAQ entry, then 发布; returns the publish reply."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies of a bare IP address
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=120)) as http:
        async with http.post(f"{url}/api/auth/login", json={"username": ADMIN, "password": password}) as r:
            login = await r.json()
            if r.status != 200:
                raise RuntimeError(f"admin login: HTTP {r.status} {login}")
        headers = {"X-CSRF-Token": login["csrf_token"]}
        async with http.post(f"{url}/api/search", json={"q": PUBLISH_FAQ_QUESTION, "k": 1}) as r:
            faq_id = (await r.json())["answer"]["faq_id"]
        async with http.get(f"{url}/api/admin/faq/{faq_id}") as r:
            entry = await r.json()
        entry["questions"] = [*entry["questions"], f"诉速办平台能帮企业做什么（{tag}）"]
        async with http.put(f"{url}/api/admin/faq/{faq_id}", json=entry, headers=headers) as r:
            if r.status != 201:
                raise RuntimeError(f"FAQ draft: HTTP {r.status} {await r.text()}")
        async with http.post(f"{url}/api/admin/publish", json={}, headers=headers) as r:
            body = await r.json()
            if r.status != 200:
                raise RuntimeError(f"publish: HTTP {r.status} {body}")
            return body


def publish_job(stack: ScaledStack, run: Run, password: str) -> Job:
    """Publish once every web replica is up, then ask each replica directly until it serves the version."""
    async def job(at: float) -> None:
        ports, started = stack.ports, time.monotonic()
        async with aiohttp.ClientSession() as http:
            for i in range(1, stack.replicas + 1):  # a replica still restarting would only load it at start
                await wait_healthy(http, ports.health("web", i), 60)
            t_asked = time.monotonic()
            body = await publish_faq(f"http://127.0.0.1:{ports.web}", password, uuid.uuid4().hex[:6])
            t_done = time.monotonic()
            version = body["version"]
            run.publish = {"version": version, "asked_at_s": round(at + t_asked - started, 1),
                           "publish_s": round(t_done - t_asked, 2), "replicas": {}}
            print(f"  {at:5.1f}s  published {version} in {t_done - t_asked:.1f}s", file=sys.stderr, flush=True)

            async def follow(i: int) -> None:
                while time.monotonic() - t_done < 30:
                    with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
                        async with http.get(ports.health("web", i), timeout=aiohttp.ClientTimeout(total=2)) as r:
                            if (await r.json()).get("index_version") == version:
                                run.publish["replicas"][f"web{i}"] = round(time.monotonic() - t_done, 2)
                                return
                    await asyncio.sleep(0.1)
                run.publish["replicas"][f"web{i}"] = None

            await asyncio.gather(*(follow(i) for i in range(1, stack.replicas + 1)))
    return job


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, whoever used them."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def tree(root_pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            children.setdefault(int(stat.read_text().rsplit(")", 1)[1].split()[1]), []).append(int(stat.parent.name))
    out, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def resources_job(stack: ScaledStack, run: Run, seconds: float) -> Job:
    """While the load runs, every 5 s: the largest resident memory per process type, and the CPU time each
    type used (per process between its first and last sample), next to how busy the machine's cores were."""
    async def job(_at: float) -> None:
        end = time.monotonic() + seconds
        cpu: dict[tuple[str, int], list[float]] = {}
        busy0 = machine_busy()
        while True:
            procs: list[tuple[str, int]] = []
            for name in [f"{t}{i}" for t in KILL_ORDER for i in range(1, stack.replicas + 1)] + ["haproxy"]:
                pid = stack.pid(name)
                if pid:
                    procs.append((name.rstrip("0123456789"), pid))
                    run.rss[procs[-1][0]] = max(run.rss.get(procs[-1][0], 0.0), rss_mb(pid))
            with contextlib.suppress(OSError, ValueError):
                pg = int((stack.root / "pg" / "postmaster.pid").read_text().split()[0])
                run.rss["postgresql"] = max(run.rss.get("postgresql", 0.0), pss_tree_mb(pg))
                procs += [("postgresql", p) for p in tree(pg)]
            with contextlib.suppress(OSError, ValueError):
                rd = int((stack.root / "redis" / "redis.pid").read_text().strip())
                run.rss["redis"] = max(run.rss.get("redis", 0.0), rss_mb(rd))
                procs.append(("redis", rd))
            for key in procs:
                used = cpu_seconds(key[1])
                if used is not None:
                    cpu.setdefault(key, [used, used])[1] = used
            if time.monotonic() >= end:
                break
            await asyncio.sleep(min(5.0, max(0.0, end - time.monotonic())))
        busy1 = machine_busy()
        for (kind, _pid), (first, last) in cpu.items():
            run.cpu[kind] = run.cpu.get(kind, 0.0) + last - first
        run.machine_busy = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
    return job


# after the run --------------------------------------------------------------------------------------------


def store_tickets(store_setting: str) -> list[dict[str, Any]]:
    """Every ticket row in the stack's app store (the test's store is fresh: all of them are this run's)."""
    from web.store import Store

    store = Store(store_setting)
    try:
        return store.tickets.recent(None, limit=100000)
    finally:
        store.close()


def restarted_senders(tracker_url: str, prefix: str) -> set[str]:
    """Senders whose tracker holds a restart: the gateway reset the conversation (its state was dropped)."""
    import psycopg

    with psycopg.connect(tracker_url.replace("postgresql+psycopg2://", "postgresql://")) as conn:
        rows = conn.execute("SELECT DISTINCT sender_id FROM events WHERE type_name = 'restart' AND sender_id LIKE %s",
                            (prefix + "%",)).fetchall()
    return {r[0] for r in rows}


async def wait_delivered(receiver: Receiver, told: set[str], timeout: float) -> None:
    """The outbox drains after the load: wait until the receiver holds every ticket the users were told."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and not told <= set(receiver.ticket_numbers()):
        await asyncio.sleep(0.5)


def judged(o: Outcome) -> set[tuple[int, str]]:
    """Where and how the judge found a session's contract broken (a follow-up's same passage is no break)."""
    return {(turn, kind) for turn, kind, _ in o.problems if kind != "same_as_previous"}


async def replay_on_quiet_stack(url: str, outcomes: list[Outcome], pace: float) -> set[str]:
    """The control: each broken session played again, with a new sender, on the stack after the load, kills
    and publish. One that breaks the same way at the same turns broke because of what was said (the NLU or
    the dialogue policy misread a message: a dialogue error, reported apart), not because a replica died;
    returns those sessions' senders. One that now passes, or breaks otherwise, stays a lost conversation."""
    reproduced: set[str] = set()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        async def send(sender: str, text: str) -> tuple[int, dict[str, Any], float]:
            try:
                return await post_chat(http, url, sender, text)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                return 0, {"error": f"{type(exc).__name__}: {exc}"}, 0.0

        async def control(o: Outcome) -> None:
            again = await run_session(o.session, send, f"control-{uuid.uuid4().hex[:8]}-{o.session.sid}", pace)
            if judged(again) == judged(o):
                reproduced.add(o.sender)

        await asyncio.gather(*(control(o) for o in outcomes))
    return reproduced


def summarize(run: Run, rows: list[dict[str, Any]], receiver: Receiver, restarted: set[str],
              salt: str, reproduced: set[str] | None = None) -> dict[str, Any]:
    """The issue's keys first, then the details that explain them. `reproduced`: senders of broken sessions
    that broke the same way when replayed on the quiet stack (dialogue errors, not lost conversations)."""
    reproduced = reproduced or set()
    turns = [t for o in run.outcomes for t in o.turns]
    kills = sorted(run.kills, key=lambda k: k["at_s"])

    def drain_of(f: Failure) -> str | None:
        owner = None
        for k in kills:
            back = k.get("healthy_again_s") if k.get("restarted", True) else 0.0
            end = k["at_s"] + max(DRAIN_SECONDS, float("inf") if back is None else back + RESTART_SETTLE)
            if k["at_s"] <= f.at <= end:
                owner = k["replica"]
        return owner

    by_kill = Counter(drain_of(f) or "outside_drain" for f in run.failures)
    # the gateway resets a conversation after failed turns (web/public/chat.py): its state is gone. A reset
    # without any failed turn is its net for a reply that repeated a message, a dialogue matter reported apart
    failed_senders = {f.sender for f in run.failures}
    reset = {o.sender for o in run.outcomes if o.sender in restarted and o.sender in failed_senders}
    lost = [o for o in run.outcomes if (o.failed and o.sender not in reproduced) or o.sender in reset]
    dialogue_errors = [o for o in run.outcomes if o.failed and o not in lost]
    stored = Counter(r["ticket_no"] for r in rows)
    # one complaint filed twice: two rows of the same sender with the same description
    complaints = Counter((r["sender_hash"], r["description"]) for r in rows)
    duplicates = sum(n - 1 for n in complaints.values() if n > 1)
    duplicates += sum(n - 1 for n in receiver.ticket_numbers().values() if n > 1)
    received = set(receiver.ticket_numbers())
    pending = [r["ticket_no"] for r in rows if r["ticket_no"] not in received]
    lost_tickets = len(run.told - set(stored)) + len(pending)
    ours = {hash_sender(o.sender, salt) for o in run.outcomes}
    versions = run.publish.get("replicas", {})
    forms = run.forms_at_kills
    intact = [o for o in run.outcomes if o.sender in forms and o not in lost]
    ms = run.latencies
    return {
        "sessions": len(run.outcomes),
        "turns": len(turns),
        "failed_turns": len(run.failures),
        "lost_conversations": len(lost),
        "duplicate_tickets": duplicates,
        "lost_tickets": lost_tickets,
        "replicas_on_new_version": sum(1 for s in versions.values() if s is not None and s <= VERSION_DEADLINE),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "replicas": run.replicas,
        "concurrent_users": run.sessions,
        "seconds": round(run.seconds, 1),
        "turns_per_s": round(run.answered_in_time / run.seconds, 2) if run.seconds else 0.0,
        "pace_s": run.pace,
        "tail_s": round(run.tail_seconds, 1),
        "failed_turns_by_kill": dict(by_kill),
        "failed_outside_drain": by_kill.get("outside_drain", 0),
        "failed_kinds": dict(Counter(f.kind for f in run.failures)),
        "failed_at_s": [round(f.at) for f in sorted(run.failures, key=lambda f: f.at)],
        "kills": kills,
        "web_replicas": run.replicas,
        "publish": run.publish,
        "forms_open_at_kills": len(forms),
        "forms_continued": len(intact),
        "complaint_sessions": sum(1 for o in run.outcomes if o.session.complaints),
        "tickets_told": len(run.told),
        "tickets_stored": len(stored),
        "tickets_of_other_senders": sum(1 for r in rows if r["sender_hash"] not in ours),
        "tickets_received": len(received),
        "redeliveries": sum(n - 1 for n in receiver.posts.values() if n > 1),
        "bad_signatures": receiver.bad_signatures,
        "lost_by_kind": dict(Counter(kind for o in lost for _, kind, _ in o.problems if kind != "same_as_previous")),
        # which conversation broke, at which turn and how: enough to find it in the tracker store
        "lost_details": [{"sender": o.sender, "restarted": o.sender in restarted,
                          "problems": [f"turn {t}: {kind}: {detail[:160]}" for t, kind, detail in o.problems
                                       if kind != "same_as_previous"]} for o in lost[:10]],
        "dialogue_errors": len(dialogue_errors),
        "dialogue_error_details": [{"sender": o.sender, "problems": [
            f"turn {t}: {kind}: {detail[:160]}" for t, kind, detail in o.problems if kind != "same_as_previous"]}
            for o in dialogue_errors[:10]],
        "restarted_after_failures": len(restarted & failed_senders),
        "restarted_without_failure": len(restarted - failed_senders),
        "rss_mb": {k: round(v) for k, v in sorted(run.rss.items())},
        "cpu_ms_per_turn": {k: round(v * 1000 / max(1, run.answered_in_time)) for k, v in sorted(run.cpu.items())},
        "machine_busy_pct": round(run.machine_busy * 100),
    }


def create_admin(stack: ScaledStack, password: str) -> None:
    env = {**os.environ, **stack.settings_env()}
    subprocess.run([sys.executable, "-m", "web.consoles.users", "create-admin", ADMIN, "--password-stdin"],
                   cwd=ROOT, env=env, input=password + "\n", text=True, check=True, capture_output=True, timeout=120)


async def warm_up(url: str) -> None:
    """A few untimed turns: a fresh Rasa replica answers its first messages much slower than the rest."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        for i in range(4):
            for text in ("你好", "企业注销要跑几个部门", "我要投诉", "取消"):
                await post_chat(http, url, f"warmup-{uuid.uuid4().hex[:8]}-{i}", text)


def session_pool() -> list[Session]:
    """evaldialogue's randomised sessions of at most MAX_SESSION_TURNS turns, complaints and others taking
    turns, so every other user opens a complaint form in the first seconds (and has it open at a kill)."""
    short = [s for s in generate_sessions(1000, 7) if s.kind == "random" and s.turns <= MAX_SESSION_TURNS]
    complaints = [s for s in short if s.complaints]
    others = [s for s in short if not s.complaints]
    return [s for pair in zip(complaints, others) for s in pair]


async def scale_test(stack: ScaledStack, receiver: Receiver, sessions: int, seconds: float, pace: float,
                     kills: bool, publish: bool, salt: str) -> dict[str, Any]:
    url = f"http://127.0.0.1:{stack.ports.web}"
    await warm_up(url)
    password = uuid.uuid4().hex
    create_admin(stack, password)
    pool = session_pool()
    run = Run(stack.replicas, sessions, seconds, pace)
    schedule: list[tuple[float, Job]] = [(0.0, resources_job(stack, run, seconds))]
    if kills:
        schedule += [(seconds * (0.12 + 0.2 * n), kill_job(stack, run, tier, 120)) for n, tier in enumerate(KILL_ORDER)]
    if publish:
        schedule.append((seconds * 0.7, publish_job(stack, run, password)))
    print(f"load: {sessions} users for {seconds:.0f}s, one message every {pace:.1f}s each, through {url} "
          f"({stack.replicas} replicas per tier)",
          file=sys.stderr, flush=True)
    await drive(url, run, pool, pace, schedule)
    stack.release()
    await wait_delivered(receiver, run.told, 60)
    env = stack.settings_env()
    rows = store_tickets(env["XHA_WEB__STORE"])
    restarted = restarted_senders(env["XHA_RASA__TRACKER_DB"], "scale-")
    reset = {f.sender for f in run.failures} & restarted
    broken = [o for o in run.outcomes if o.failed and o.sender not in reset]
    reproduced = await replay_on_quiet_stack(url, broken, REPLAY_PACE) if broken else set()
    return summarize(run, rows, receiver, restarted, salt, reproduced)


def print_summary(r: dict[str, Any]) -> None:
    print(f"{r['sessions']} sessions ({r['complaint_sessions']} with complaints), {r['turns']} turns in "
          f"{r['seconds']}s (+{r['tail_s']}s to finish the last): {r['turns_per_s']} turns/s, p50 {r['p50_ms']} ms, "
          f"p95 {r['p95_ms']} ms")
    for k in r["kills"]:
        back = f"healthy again after {k.get('healthy_again_s')}s" if k.get("restarted") else "held down until the end"
        print(f"  kill -9 {k['replica']} at {k['at_s']}s: {back}, "
              f"{r['failed_turns_by_kill'].get(k['replica'], 0)} failed turns while it drained")
    print(f"  failed turns outside a drain: {r['failed_outside_drain']} (kinds: {r['failed_kinds']})")
    print(f"  lost conversations: {r['lost_conversations']} {r['lost_by_kind'] or ''}; complaint forms open at a "
          f"kill: {r['forms_open_at_kills']}, continued: {r['forms_continued']}")
    print(f"  dialogue errors (a broken session that broke the same way again on the quiet stack, not lost to a "
          f"kill): {r['dialogue_errors']}")
    for err in r["dialogue_error_details"]:
        print(f"    {err['sender']}: " + "; ".join(err["problems"]))
    for lost in r["lost_details"]:
        print(f"    {lost['sender']}{' (reset by the gateway)' if lost['restarted'] else ''}: "
              + "; ".join(lost["problems"]))
    print(f"  tickets: told {r['tickets_told']}, stored {r['tickets_stored']}, received by 诉速办 "
          f"{r['tickets_received']} (redeliveries {r['redeliveries']}); duplicate {r['duplicate_tickets']}, "
          f"lost {r['lost_tickets']}")
    if r["publish"]:
        print(f"  publish {r['publish']['version']} ({r['publish']['publish_s']}s): seconds until each web replica "
              f"served it: {r['publish']['replicas']}")
    print(f"  peak RSS (MB) per process type: {r['rss_mb']}")
    print(f"  CPU per answered turn (ms) per process type: {r['cpu_ms_per_turn']}; both cores "
          f"{r['machine_busy_pct']}% busy (this stack and anything else on the machine)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--replicas", type=int, default=2, choices=[1, 2])
    ap.add_argument("--sessions", type=int, default=50, help="concurrent simulated users")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--pace", type=float, default=DEFAULT_PACE,
                    help="seconds between one user's messages (at least the gateway's rate limit allows)")
    ap.add_argument("--port-base", type=int, default=0,
                    help="balancer at +0/+10/+20, PostgreSQL +30, Redis +31 … (default: a free block from 7300)")
    ap.add_argument("--dir", type=Path, default=ROOT / "var" / "scaletest")
    ap.add_argument("--no-kills", action="store_true", help="only load (throughput of 1 vs 2 replica sets)")
    ap.add_argument("--no-publish", action="store_true")
    args = ap.parse_args(argv)
    kills = not args.no_kills
    if kills and args.replicas < 2:
        ap.error("killing a replica needs --replicas 2 (or --no-kills)")
    settings = load_settings()
    keys = secrets()
    ports = Ports(args.port_base or free_base())
    pace = max(args.pace, 60.0 / int(settings["web"]["rate_limit_per_minute"]) * 1.01)

    async def body() -> dict[str, Any]:
        receiver = Receiver(keys["XHA_SUSUBAN__SECRET"], ports.receiver)
        await receiver.start()
        stack = ScaledStack(args.dir.resolve(), ports, args.replicas, {
            "XHA_SUSUBAN__URL": receiver.url, "XHA_SUSUBAN__BACKOFF_BASE": "0.5", "XHA_SUSUBAN__BACKOFF_MAX": "2",
            "XHA_SUSUBAN__TIMEOUT": "3"})
        stack.prepare(settings)
        print(f"starting the scaled stack ({args.replicas} replicas per tier) under {args.dir} …", file=sys.stderr,
              flush=True)
        try:
            await asyncio.get_running_loop().run_in_executor(None, stack.start)
            return await scale_test(stack, receiver, args.sessions, args.seconds, pace, kills, not args.no_publish,
                                    keys["XHA_WEB__SENDER_SALT"])
        except BaseException:
            print(stack.tail(), file=sys.stderr)
            raise
        finally:
            await asyncio.get_running_loop().run_in_executor(None, stack.stop)
            await receiver.stop()

    result = asyncio.run(body())
    print_summary(result)
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
