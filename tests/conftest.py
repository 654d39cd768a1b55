"""Shared fixtures: a real index built into a temporary folder, a real web server on a free port."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import ROOT, load_settings, resolve_path
from index.build import build
from index.embedders import Embedder, make_embedder
from index.live import LiveIndex
from tests.util import free_port, wait_http

PLAN_DOC = ROOT / "knowledge" / "docs" / "xha-yshj-2023.txt"


@pytest.fixture(scope="session")
def settings() -> dict[str, Any]:
    return load_settings()


@pytest.fixture(scope="session")
def embedder(settings: dict[str, Any]) -> Embedder:
    """The configured engine, as the web service and `make index` load it."""
    return make_embedder(settings["index"])


def seed_index_dir(dest: Path, settings: dict[str, Any]) -> None:
    """Copy the developer's built index (if any) so test builds reuse its vectors instead of re-embedding."""
    src = resolve_path(settings["index"]["dir"])
    if (src / "CURRENT").exists():
        shutil.copytree(src, dest, dirs_exist_ok=True)


def settings_with_index(settings: dict[str, Any], index_dir: Path, **index_overrides: Any) -> dict[str, Any]:
    s = copy.deepcopy(settings)
    s["index"]["dir"] = str(index_dir)
    s["index"].update(index_overrides)
    s["knowledge"]["local_dir"] = str(Path(index_dir) / "knowledge")  # never the developer's var/knowledge
    return s


@pytest.fixture(scope="session")
def index_settings(settings: dict[str, Any], embedder: Embedder,
                   tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Settings pointing at a freshly built, test-private index of the real knowledge base."""
    index_dir = tmp_path_factory.mktemp("index")
    seed_index_dir(index_dir, settings)
    s = settings_with_index(settings, index_dir)
    build(s, embedder)
    return s


@pytest.fixture(scope="session")
def live(index_settings: dict[str, Any], embedder: Embedder) -> LiveIndex:
    return LiveIndex(index_settings, embedder)


@pytest.fixture(scope="session")
def web_server(index_settings: dict[str, Any]) -> Iterator[str]:
    """`python -m web` as a real process on a free port, serving the test index."""
    port = free_port()
    env = {**os.environ, "XHA_INDEX__DIR": index_settings["index"]["dir"], "XHA_WEB__PORT": str(port),
           # no Rasa behind this one: the gateway must degrade politely
           "XHA_WEB__RASA_URL": f"http://127.0.0.1:{free_port()}",
           "XHA_WEB__STORE": str(Path(index_settings["index"]["dir"]) / "app.db"),
           "XHA_WEB__INTERNAL_TOKEN": "t-internal", "XHA_WEB__METRICS_TOKEN": "t-metrics",
           "XHA_WEB__SENDER_SALT": "t-salt", "XHA_SUSUBAN__URL": "", "XHA_SUSUBAN__SECRET": "t-ssb",
           "XHA_KNOWLEDGE__LOCAL_DIR": str(Path(index_settings["index"]["dir"]) / "knowledge"),
           "XHA_RASA__TRACKER_DB": str(Path(index_settings["index"]["dir"]) / "tracker.db")}
    log = open(Path(index_settings["index"]["dir"]) / "web.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/api/health")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def stack(index_settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory):
    """Web service + action server + Rasa server + test 诉速办 receiver, as real processes."""
    from tests.stack import Stack

    s = Stack(tmp_path_factory.mktemp("stack"), index_settings["index"]["dir"]).start()
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real PostgreSQL 15 (Debian's) on a free loopback port for this test run; yields the app's URL."""
    from web.tools import services

    datadir = tmp_path_factory.mktemp("pg") / "data"
    url = services.start_postgres(datadir, free_port(), os.urandom(12).hex())
    yield url
    services.stop_postgres(datadir)


@pytest.fixture
def pg_url(pg_server: str) -> str:
    """A fresh, empty database on the test run's PostgreSQL (the xha role may create databases)."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server (Debian's) on a free loopback port for this test run; yields its URL (db 0)."""
    from web.tools import services

    datadir = tmp_path_factory.mktemp("redis")
    url = services.start_redis(datadir, free_port(), os.urandom(12).hex())
    yield url
    services.stop_redis(datadir)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """The test run's Redis, emptied before each test."""
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushall()
    client.close()
    yield redis_server
