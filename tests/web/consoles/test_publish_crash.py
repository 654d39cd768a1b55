"""A crash in the middle of a document publish: after a restart the console tells the truth.

The web process is killed (SIGKILL) after the document file is written and before the new index
version is live, using the test-only `testing.publish_pause_seconds` setting. After a restart the
console must not show 已发布 for the document (the live index does not hold it), and publishing it
again must work.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config import ROOT
from tests.util import free_port, http_json, wait_http, wait_until
from tests.web.consoles.test_consoles import ADMIN_PW, Client, _docx, _upload, cli_create

QUESTION = "海洋牧场企业设备补助最高多少"


class Server:
    """`python -m web` on its own copy of the test index, store and published-knowledge folder."""

    def __init__(self, root: Path):
        self.root, self.port = root, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, **extra_env: str) -> Server:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("XHA_TESTING__")},
               "XHA_INDEX__DIR": str(self.root), "XHA_WEB__PORT": str(self.port),
               "XHA_WEB__RASA_URL": f"http://127.0.0.1:{free_port()}",
               "XHA_WEB__STORE": str(self.root / "app.db"),
               "XHA_WEB__INTERNAL_TOKEN": "t-internal", "XHA_WEB__METRICS_TOKEN": "t-metrics",
               "XHA_WEB__SENDER_SALT": "t-salt", "XHA_SUSUBAN__URL": "", "XHA_SUSUBAN__SECRET": "t-ssb",
               "XHA_KNOWLEDGE__LOCAL_DIR": str(self.root / "knowledge"),
               "XHA_RASA__TRACKER_DB": str(self.root / "tracker.db"), **extra_env}
        log = open(self.root / "web.log", "a")
        self.proc = subprocess.Popen([sys.executable, "-m", "web"], cwd=ROOT, env=env, stdout=log,
                                     stderr=subprocess.STDOUT)
        log.close()
        wait_http(self.base + "/api/health")
        return self

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture()
def server(index_settings: dict[str, Any], tmp_path: Path) -> Iterator[Server]:
    src = Path(index_settings["index"]["dir"])
    root = tmp_path / "index"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns("app.db*", "knowledge", "web.log"))
    assert cli_create(root / "app.db", "create-admin", "root", password=ADMIN_PW).returncode == 0
    s = Server(root)
    try:
        yield s
    finally:
        s.stop()


def _documents(admin: Client) -> dict[str, dict]:
    status, body = admin.call("/api/admin/documents")
    assert status == 200, body
    return {d["id"]: d for d in body["items"]}


def _answer(base: str) -> str:
    r = http_json(base + "/api/search", {"q": QUESTION, "k": 3})[1]
    return (r.get("answer") or {}).get("text") or ""


def test_a_publish_killed_before_the_index_swap_is_not_shown_as_published(server: Server):
    server.start(XHA_TESTING__PUBLISH_PAUSE_SECONDS="60")
    admin = Client(server.base)
    assert admin.login("root", ADMIN_PW) == 200
    paragraphs = ["一、支持措施", "1.设立海洋牧场专项基金。对新区海洋牧场企业给予每家最高80万元的设备补助。",
                  "2.推行渔船检验网上预约。渔船检验实现全程网上预约办理。"]
    status, body = _upload(admin, "海洋.docx", _docx(paragraphs), title="西海岸新区海洋牧场扶持办法",
                           written="2024-03-01", number="青西新海字〔2024〕2号")
    assert status == 201, body
    doc_id = body["id"]
    doc_file = server.root / "knowledge" / "docs" / f"{doc_id}.txt"

    # the publish hangs (test pause) after writing the file, before the new version goes live
    threading.Thread(target=lambda: _swallow(admin, f"/api/admin/documents/{doc_id}/publish"), daemon=True).start()
    wait_until(doc_file.exists, timeout=20, every=0.05)
    version_before = (server.root / "CURRENT").read_text().strip()
    server.kill()
    assert (server.root / "CURRENT").read_text().strip() == version_before  # the swap never happened

    server.start()
    admin = Client(server.base)
    assert admin.login("root", ADMIN_PW) == 200
    assert "80万元" not in _answer(server.base), "the live index does not hold the document"
    doc = _documents(admin)[doc_id]
    assert doc["state"] != "published", doc
    assert doc["state"] == "publish_failed"
    assert not doc_file.exists(), "an unpublished file would be picked up by the next `make index`"
    audit = admin.call("/api/admin/audit")[1]
    assert any(a["action"] == "reconcile_document" and a["target"] == doc_id for a in audit["items"])

    # publishing again works and the document becomes live and published
    status, pub = admin.call(f"/api/admin/documents/{doc_id}/publish", {})
    assert status == 200, pub
    wait_until(lambda: "80万元" in _answer(server.base), timeout=10)
    assert _documents(admin)[doc_id]["state"] == "published"
    assert doc_file.exists()

    # and a restart keeps it published (reconcile leaves consistent documents alone)
    server.stop()
    server.start()
    admin = Client(server.base)
    assert admin.login("root", ADMIN_PW) == 200
    assert _documents(admin)[doc_id]["state"] == "published"
    assert "80万元" in _answer(server.base)


def start_with_an_upload(server: Server) -> tuple[Client, str]:
    """A started service, a signed-in admin and one uploaded (unpublished) document."""
    server.start()
    admin = Client(server.base)
    assert admin.login("root", ADMIN_PW) == 200
    paragraphs = ["一、支持措施", "1.设立海洋牧场专项基金。对新区海洋牧场企业给予每家最高80万元的设备补助。"]
    status, body = _upload(admin, "海洋.docx", _docx(paragraphs), title="西海岸新区海洋牧场扶持办法",
                           written="2024-03-01")
    assert status == 201, body
    return admin, body["id"]


def test_a_crash_state_injected_on_disk_is_repaired_on_start(server: Server):
    """The state a crash before the swap leaves, written directly: file on disk, index without it."""
    import sqlite3

    admin, doc_id = start_with_an_upload(server)
    server.kill()
    with sqlite3.connect(server.root / "app.db") as db:
        (text,) = db.execute("SELECT text FROM documents WHERE id=?", (doc_id,)).fetchone()
    doc_file = server.root / "knowledge" / "docs" / f"{doc_id}.txt"
    doc_file.parent.mkdir(parents=True, exist_ok=True)
    doc_file.write_text(text, encoding="utf-8")

    server.start()
    admin = Client(server.base)
    assert admin.login("root", ADMIN_PW) == 200
    assert "80万元" not in _answer(server.base)
    assert _documents(admin)[doc_id]["state"] == "publish_failed"
    status, pub = admin.call(f"/api/admin/documents/{doc_id}/publish", {})
    assert status == 200, pub
    wait_until(lambda: "80万元" in _answer(server.base), timeout=10)
    assert _documents(admin)[doc_id]["state"] == "published"


def test_a_crash_after_the_swap_is_recorded_as_published(server: Server):
    """Live index holds the document but the state write was lost (and the file too): published, file back."""
    import sqlite3

    admin, doc_id = start_with_an_upload(server)
    assert admin.call(f"/api/admin/documents/{doc_id}/publish", {})[0] == 200
    server.kill()
    with sqlite3.connect(server.root / "app.db") as db:
        db.execute("UPDATE documents SET state='draft' WHERE id=?", (doc_id,))
    doc_file = server.root / "knowledge" / "docs" / f"{doc_id}.txt"
    text = doc_file.read_text(encoding="utf-8")
    doc_file.unlink()

    server.start()
    admin = Client(server.base)
    assert admin.login("root", ADMIN_PW) == 200
    assert "80万元" in _answer(server.base)
    assert _documents(admin)[doc_id]["state"] == "published"
    assert doc_file.read_text(encoding="utf-8") == text  # `make index` rebuilds what is live


def _swallow(client: Client, path: str) -> None:
    try:
        client.call(path, {})
    except Exception:  # noqa: BLE001 - the server is killed under this request
        pass
