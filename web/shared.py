"""State that every web replica must see alike: rate-limit windows, per-sender gateway memory, events, locks.

One small interface, two implementations: `LocalShared` keeps it in this process (the single-process
default, behaving as before) and `RedisShared` keeps it in Redis (`web.redis_url`), so several replicas
behind a load balancer enforce one limit, see each other's per-sender memory, and receive each other's
events. Events (a handoff changed, a new index version is live) are triggers: listeners re-read the store
or the index pointer, so a dropped or duplicated event costs a refresh, never a wrong answer. Inside a
process they fan out through a `Hub`; with Redis one pub/sub connection per replica feeds it.

Sign-in throttling and sessions need nothing here: both live in the app store (web.store.accounts).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

# event topics
AGENTS = "handoffs"  # every handoff change, for the agent consoles
INDEX = "index"  # a new index version is live (or was rolled back to)
RESYNC = {"type": "resync"}  # events may have been missed (Redis reconnected): refresh everything
MAX_KEYS = 50_000  # in-process memory bound (least recently used keys go first)
QUEUE_SIZE = 64  # events waiting per listener; beyond, triggers are dropped (one pending is enough)


def sender_topic(sender: str) -> str:
    """The topic of one citizen's handoff (the widget's stream)."""
    return f"sender:{sender}"


class LockBusy(Exception):
    """Another replica (or request) held the lock for longer than we were willing to wait."""


class Unavailable(Exception):
    """The shared store cannot be reached; callers that need it to be safe refuse the operation."""


class Hub:
    """In-process fan-out of events to the listeners of a topic (each an asyncio.Queue; None = stop)."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[asyncio.Queue[dict[str, Any] | None]]] = {}
        self.closed = False

    def dispatch(self, topic: str, event: dict[str, Any]) -> None:
        for q in list(self._listeners.get(topic, ())):
            if not q.full():
                q.put_nowait(event)

    def dispatch_all(self, event: dict[str, Any]) -> None:
        for topic in list(self._listeners):
            self.dispatch(topic, event)

    def close(self) -> None:
        """End every listener (on shutdown: open event streams must not hold the server up)."""
        self.closed = True
        for queues in self._listeners.values():
            for q in queues:
                with contextlib.suppress(asyncio.QueueFull):
                    q.put_nowait(None)

    @contextlib.asynccontextmanager
    async def listen(self, *topics: str) -> AsyncIterator[asyncio.Queue[dict[str, Any] | None]]:
        q: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(QUEUE_SIZE)
        if self.closed:
            q.put_nowait(None)
        for t in topics:
            self._listeners.setdefault(t, set()).add(q)
        try:
            yield q
        finally:
            for t in topics:
                self._listeners.get(t, set()).discard(q)
                if not self._listeners.get(t):
                    self._listeners.pop(t, None)

    def count(self, topic_prefix: str = "") -> int:
        """How many listeners are subscribed to topics starting with `topic_prefix`."""
        return sum(len(qs) for t, qs in self._listeners.items() if t.startswith(topic_prefix))


class SlidingWindow:
    """Per-key sliding window of allowed hits, in memory (bounded: least recently used keys go first)."""

    def __init__(self, max_keys: int = MAX_KEYS):
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str, limit: int, window: float = 60.0, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        hits = self._hits.pop(key, None) or deque()
        while hits and now - hits[0] > window:
            hits.popleft()
        allowed = len(hits) < limit
        if allowed:
            hits.append(now)
        self._hits[key] = hits
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        return allowed


class SharedState(abc.ABC):
    """The interface: rate windows, small expiring values, event publish/listen, a named lock."""

    def __init__(self) -> None:
        self.hub = Hub()

    async def start(self) -> None:  # noqa: B027 - only Redis has something to connect
        """Connect (inside the running event loop)."""

    async def close(self) -> None:
        self.hub.close()

    @abc.abstractmethod
    async def hit(self, key: str, limit: int, window: float = 60.0) -> bool:
        """Count one hit on `key` if fewer than `limit` were counted in the last `window` seconds."""

    @abc.abstractmethod
    async def get(self, key: str) -> str | None: ...

    @abc.abstractmethod
    async def put(self, key: str, value: str, ttl: float) -> None: ...

    @abc.abstractmethod
    async def incr(self, key: str, ttl: float) -> int:
        """Add one to a counter (created at 0; its time to live restarts) and return it."""

    @abc.abstractmethod
    async def delete(self, *keys: str) -> None: ...

    @abc.abstractmethod
    async def publish(self, topic: str, event: dict[str, Any]) -> None:
        """Deliver `event` to the listeners of `topic` in every replica (this one included)."""

    @abc.abstractmethod
    def lock(self, name: str, timeout: float, wait: float) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold `name` exclusively across replicas; raise LockBusy after waiting `wait` seconds."""

    def listen(self, *topics: str) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[dict[str, Any] | None]]:
        """A queue of this process's events of `topics` (None: the service is stopping)."""
        return self.hub.listen(*topics)


class LocalShared(SharedState):
    """Everything in this process: right for one web process, which is the default deployment."""

    def __init__(self) -> None:
        super().__init__()
        self._windows = SlidingWindow()
        self._values: OrderedDict[str, tuple[str, float]] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    async def hit(self, key: str, limit: int, window: float = 60.0) -> bool:
        return self._windows.allow(key, limit, window)

    async def get(self, key: str) -> str | None:
        item = self._values.get(key)
        if item is None or item[1] < time.monotonic():
            self._values.pop(key, None)
            return None
        return item[0]

    async def put(self, key: str, value: str, ttl: float) -> None:
        self._values.pop(key, None)
        self._values[key] = (value, time.monotonic() + ttl)
        while len(self._values) > MAX_KEYS:
            self._values.popitem(last=False)

    async def incr(self, key: str, ttl: float) -> int:
        n = int(await self.get(key) or 0) + 1
        await self.put(key, str(n), ttl)
        return n

    async def delete(self, *keys: str) -> None:
        for k in keys:
            self._values.pop(k, None)

    async def publish(self, topic: str, event: dict[str, Any]) -> None:
        self.hub.dispatch(topic, event)

    @contextlib.asynccontextmanager
    async def lock(self, name: str, timeout: float, wait: float) -> AsyncIterator[None]:
        lk = self._locks.setdefault(name, asyncio.Lock())
        try:
            await asyncio.wait_for(lk.acquire(), wait)
        except TimeoutError:
            raise LockBusy(name) from None
        try:
            yield
        finally:
            lk.release()


# Sliding window as a sorted set scored by Redis's own clock (replicas' clocks never matter): drop hits older
# than the window, count, add this one only if under the limit. One script = atomic across replicas.
HIT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 1
end
return 0
"""
PREFIX = "xha:"
CHANNEL = PREFIX + "events"
LOCK_RENEW_EVERY = 1 / 3  # of the lock's timeout: a long build keeps its lock, a dead replica's expires
WARN_EVERY = 30.0


class RedisShared(SharedState):
    """Redis (redis-py asyncio): one limit, one memory and one event bus for all replicas.

    If Redis cannot be reached, limits let requests through and the gateway forgets per-sender memory
    (a chat must not fail because of its safety rails), each logged; a lock refuses (Unavailable):
    publishing without it could let two replicas build at once.
    """

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.redis: Any = None
        self._bus: Any = None
        self._pump_task: asyncio.Task[None] | None = None
        self._hit: Any = None
        self._warned = 0.0
        self.subscribed = asyncio.Event()

    async def start(self) -> None:
        import redis.asyncio as aioredis

        self.redis = aioredis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5, decode_responses=True)
        # pub/sub waits for messages indefinitely: a client without the read timeout, pinged when idle
        self._bus = aioredis.from_url(self.url, socket_connect_timeout=5, health_check_interval=15,
                                      decode_responses=True)
        self._hit = self.redis.register_script(HIT_SCRIPT)
        self._pump_task = asyncio.create_task(self._pump())

    async def close(self) -> None:
        await super().close()
        if self._pump_task is not None:
            self._pump_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump_task
        for client in (self.redis, self._bus):
            if client is not None:
                await client.aclose()

    def _degraded(self, what: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned > WARN_EVERY:
            self._warned = now
            log.warning("Redis unavailable (%s: %s); %s", type(exc).__name__, exc, what)

    async def _pump(self) -> None:
        """Feed the hub from Redis; after a reconnect every listener is told to resync."""
        from redis.exceptions import RedisError

        first = True
        while True:
            pubsub = self._bus.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(CHANNEL)
                if not first:
                    self.hub.dispatch_all(RESYNC)
                first = False
                self.subscribed.set()
                while True:
                    msg = await pubsub.get_message(timeout=5.0)
                    if msg is None or msg.get("type") != "message":
                        continue
                    try:
                        data = json.loads(msg["data"])
                        self.hub.dispatch(str(data["topic"]), dict(data["event"]))
                    except (ValueError, KeyError, TypeError):
                        log.warning("ignored a malformed event on %s", CHANNEL)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                self.subscribed.clear()
                self._degraded("events from other replicas are missed until it is back", exc)
                await asyncio.sleep(1.0)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    async def hit(self, key: str, limit: int, window: float = 60.0) -> bool:
        from redis.exceptions import RedisError

        try:
            return bool(await self._hit(keys=[PREFIX + "rate:" + key],
                                        args=[int(window * 1000), limit, uuid.uuid4().hex]))
        except RedisError as exc:
            self._degraded("rate limits are not enforced", exc)
            return True

    async def get(self, key: str) -> str | None:
        from redis.exceptions import RedisError

        try:
            return await self.redis.get(PREFIX + key)
        except RedisError as exc:
            self._degraded("per-sender memory is not read", exc)
            return None

    async def put(self, key: str, value: str, ttl: float) -> None:
        from redis.exceptions import RedisError

        try:
            await self.redis.set(PREFIX + key, value, px=int(ttl * 1000))
        except RedisError as exc:
            self._degraded("per-sender memory is not kept", exc)

    async def incr(self, key: str, ttl: float) -> int:
        from redis.exceptions import RedisError

        try:
            async with self.redis.pipeline(transaction=True) as p:
                p.incr(PREFIX + key)
                p.pexpire(PREFIX + key, int(ttl * 1000))
                n, _ = await p.execute()
            return int(n)
        except RedisError as exc:
            self._degraded("per-sender memory is not kept", exc)
            return 1

    async def delete(self, *keys: str) -> None:
        from redis.exceptions import RedisError

        if not keys:
            return
        try:
            await self.redis.delete(*(PREFIX + k for k in keys))
        except RedisError as exc:
            self._degraded("per-sender memory is not cleared", exc)

    async def publish(self, topic: str, event: dict[str, Any]) -> None:
        from redis.exceptions import RedisError

        try:
            await self.redis.publish(CHANNEL, json.dumps({"topic": topic, "event": event}, ensure_ascii=False))
        except RedisError as exc:
            self._degraded("an event reaches this replica only", exc)
            self.hub.dispatch(topic, event)

    @contextlib.asynccontextmanager
    async def lock(self, name: str, timeout: float, wait: float) -> AsyncIterator[None]:
        from redis.exceptions import LockError, RedisError

        lk = self.redis.lock(PREFIX + "lock:" + name, timeout=timeout, blocking_timeout=wait)
        try:
            acquired = await lk.acquire()
        except RedisError as exc:
            raise Unavailable(str(exc)) from exc
        if not acquired:
            raise LockBusy(name)

        async def renew() -> None:
            while True:
                await asyncio.sleep(timeout * LOCK_RENEW_EVERY)
                try:
                    await lk.reacquire()
                except (LockError, RedisError) as exc:
                    log.error("lock %s could not be renewed: %s", name, exc)

        renewer = asyncio.create_task(renew())
        try:
            yield
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
            with contextlib.suppress(LockError, RedisError):
                await lk.release()


def make_shared(settings: dict[str, Any]) -> SharedState:
    """Redis when `web.redis_url` is set, else this process."""
    url = str(settings["web"].get("redis_url") or "").strip()
    return RedisShared(url) if url else LocalShared()


# -- handoff events -----------------------------------------------------------------------------------

HANDOFF_EVENTS = ("requested", "taken", "replied", "returned", "closed", "user_message")


async def handoff_event(shared: SharedState, kind: str, handoff: dict[str, Any]) -> None:
    """Tell the agent consoles (every replica) and the citizen's widget that a handoff changed.

    The event carries ids and statuses only: consoles and widgets fetch the text through their own,
    access-checked endpoints."""
    assert kind in HANDOFF_EVENTS, kind
    await shared.publish(AGENTS, {"type": kind, "id": int(handoff["id"]), "status": str(handoff["status"])})
    if kind != "user_message":  # the citizen wrote it: their widget has it already
        await shared.publish(sender_topic(str(handoff["sender"])), {"type": kind, "id": int(handoff["id"])})


# -- Server-Sent Events -------------------------------------------------------------------------------

HEARTBEAT_SECONDS = 15.0  # a comment line: proxies keep the connection, a gone client is noticed
STREAM_SECONDS = 600.0  # then the stream ends and EventSource reconnects (auth is checked again)
RETRY_MS = 3000


class EventStream:
    """One `text/event-stream` response; `send` writes an event, `ping` a heartbeat comment."""

    def __init__(self, request: web.Request):
        self.request = request
        self.response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-store",
            "X-Accel-Buffering": "no"})  # nginx: do not buffer the stream
        self.started = time.monotonic()

    async def open(self) -> EventStream:
        # a stream is prepared inside the handler, before the CORS middleware sees the response
        from web.http import CORS_HEADERS

        self.response.headers.update(self.request.get(CORS_HEADERS) or {})
        await self.response.prepare(self.request)
        await self.response.write(f"retry: {RETRY_MS}\n\n".encode())
        return self

    @property
    def expired(self) -> bool:
        return time.monotonic() - self.started > STREAM_SECONDS

    async def send(self, event: str, data: Any, event_id: str | int | None = None) -> None:
        head = f"id: {event_id}\n" if event_id is not None else ""
        body = json.dumps(data, ensure_ascii=False)  # one line: json.dumps escapes newlines
        await self.response.write(f"{head}event: {event}\ndata: {body}\n\n".encode())

    async def ping(self) -> None:
        await self.response.write(b": ping\n\n")


async def next_event(queue: asyncio.Queue[dict[str, Any] | None],
                     timeout: float = HEARTBEAT_SECONDS) -> dict[str, Any] | None | bool:
    """The next event; False when `timeout` passed without one (time for a heartbeat); None = stop."""
    try:
        return await asyncio.wait_for(queue.get(), timeout)
    except TimeoutError:
        return False
