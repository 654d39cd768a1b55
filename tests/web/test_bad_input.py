"""Hostile or malformed input gets a 4xx with a Chinese `error`, never a 500; zip-bomb .docx uploads are refused."""

from __future__ import annotations

import http.client
import io
import json
import re
import threading
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from knowledge.formats import UnsupportedFile, extract_text
from tests.util import http_json
from tests.web.consoles.test_consoles import Client, _docx, _upload, cli_create

ADMIN, ADMIN_PW = "badinput-root", "badinput-pass-2026"
CJK = re.compile(r"[\u4e00-\u9fff]")
DEEP = '{"q": ' + "[" * 30000 + "]" * 30000 + "}"
SHALLOW_DEEP = '{"q": "渔船检验", "extra": ' + "[" * 25 + "]" * 25 + "}"


@pytest.fixture(scope="module")
def admin(web_server: str, index_settings: dict) -> Client:
    store = Path(index_settings["index"]["dir"]) / "app.db"
    cli_create(store, "create", ADMIN, "--role", "admin", password=ADMIN_PW)  # may exist from an earlier run
    client = Client(web_server)
    assert client.login(ADMIN, ADMIN_PW) == 200
    return client


def send(base: str, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str | bytes] | None = None) -> tuple[int, dict]:
    """One request over a raw socket, so header bytes and bodies go out exactly as given."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
    try:
        conn.putrequest(method, path)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body or b"")))
        conn.endheaders(body)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            return resp.status, json.loads(raw)
        except ValueError:
            return resp.status, {"raw": raw.decode("utf-8", "replace")}
    finally:
        conn.close()


def assert_refused(status: int, body: dict) -> None:
    assert 400 <= status < 500, (status, body)
    assert isinstance(body.get("error"), str) and CJK.search(body["error"]), body


JSON = "application/json"

# (name, path, raw body, Content-Type)
JSON_CASES = [
    ("text/plain body", "/api/search", '{"q": "渔船检验"}', "text/plain"),
    ("text/plain chat", "/api/chat", '{"sender": "bad-1", "message": "你好"}', "text/plain;charset=utf-8"),
    ("unknown charset", "/api/search", '{"q": "渔船检验"}', "application/json; charset=x-no-such-charset"),
    ("deep nesting", "/api/search", DEEP, JSON),
    ("deep nesting in an unused key", "/api/search", SHALLOW_DEEP, JSON),
    ("deep nesting chat", "/api/chat", '{"sender": "bad-2", "message": "你好", "x": ' + "[" * 30000 + "]" * 30000
     + "}", JSON),
    ("lone surrogate chat", "/api/chat", '{"sender": "bad-3", "message": "你好\\ud800"}', JSON),
    ("lone surrogate sender", "/api/chat", '{"sender": "bad-\\udfff", "message": "你好"}', JSON),
    ("control character chat", "/api/chat", '{"sender": "bad-4", "message": "你好\\u0000"}', JSON),
    ("control character search", "/api/search", '{"q": "渔船\\u001b[31m检验"}', JSON),
    ("lone surrogate in a key", "/api/search", '{"q": "渔船检验", "\\ud83d": 1}', JSON),
    ("huge citation task", "/api/feedback", '{"sender": "bad-5", "rating": "up", "message_id": "m1", "citation_task": '
     + "9" * 30 + "}", JSON),
]


@pytest.mark.parametrize("path,body,ctype", [c[1:] for c in JSON_CASES], ids=[c[0] for c in JSON_CASES])
def test_bad_json_bodies_are_refused(web_server: str, path: str, body: str, ctype: str) -> None:
    status, resp = send(web_server, "POST", path, body.encode(), {"Content-Type": ctype})
    assert_refused(status, resp)


def test_valid_chat_still_degrades_politely_without_rasa(web_server: str) -> None:
    status, body = http_json(web_server + "/api/chat", {"sender": "good-1", "message": "你好"})
    assert status != 500 and status < 600, body
    status, body = http_json(web_server + "/api/search", {"q": "渔船检验怎么预约", "k": 2})
    assert status == 200, body


def _session_headers(client: Client, **extra: str | bytes) -> dict[str, str | bytes]:
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.jar)
    return {"Cookie": cookie, "Content-Type": JSON, **extra}


@pytest.mark.parametrize("token", ["令牌".encode(), b"\xff\xfe", "csrf-é".encode()], ids=["utf8", "invalid", "mixed"])
def test_non_ascii_csrf_token(admin: Client, token: bytes) -> None:
    status, body = send(admin.base, "POST", "/api/handoffs/1/take", b"{}", _session_headers(admin, **{
        "X-CSRF-Token": token}))
    assert_refused(status, body)
    status, body = send(admin.base, "POST", "/api/auth/logout", b"{}", {"X-CSRF-Token": token,
                                                                         **_session_headers(admin)})
    assert status < 500, body
    assert admin.call("/api/auth/me")[0] == 200, "a forged token must not sign the admin out"


@pytest.mark.parametrize("headers", [
    {"X-SSB-Signature": "签名".encode()},
    {"X-SSB-Signature": b"sha256=\xff\xfe"},
    {"X-SSB-Timestamp": "²³".encode()},
    {"X-SSB-Timestamp": "9" * 5000},
], ids=["utf8-signature", "invalid-signature", "superscript-timestamp", "huge-timestamp"])
def test_bad_signature_headers(web_server: str, headers: dict[str, bytes | str]) -> None:
    body = json.dumps({"ticket_no": "X1", "status": "处理中"}).encode()
    base = {"Content-Type": JSON, "X-SSB-Timestamp": str(int(time.time())), "X-SSB-Signature": "sha256=00"}
    status, resp = send(web_server, "POST", "/api/susuban/callback", body, {**base, **headers})
    assert_refused(status, resp)


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/handoffs/" + "9" * 30),
    ("GET", "/api/handoffs/" + "9" * 5000),
    ("POST", "/api/handoffs/" + "9" * 25 + "/take"),
    ("GET", "/api/handoffs/%C2%B2"),
    ("POST", "/api/admin/unanswered/groups/abc/resolve"),
    ("POST", "/api/admin/unanswered/groups/" + "9" * 5000 + "/resolve"),
    ("GET", "/api/admin/faq?task=" + "9" * 5000),
    ("GET", "/api/admin/faq?task=%C2%B2"),
    ("GET", "/api/admin/chunks?task=" + "9" * 5000),
], ids=["handoff-30-digits", "handoff-5000-digits", "take-25-digits", "handoff-superscript", "group-non-numeric",
        "group-5000-digits", "faq-task-5000-digits", "faq-task-superscript", "chunks-task-5000-digits"])
def test_bad_ids(admin: Client, method: str, path: str) -> None:
    status, body = send(admin.base, method, path, b"{}" if method == "POST" else None,
                        _session_headers(admin, **{"X-CSRF-Token": admin.csrf}))
    assert_refused(status, body)


def test_faq_tasks_with_5000_digits(admin: Client) -> None:
    status, body = admin.call("/api/admin/faq", {"id": "bad-tasks", "tasks": "9" * 5000, "questions": "问？",
                                                 "answer": "答。"})
    assert_refused(status, body)


def test_widget_messages_after_is_bounded(web_server: str) -> None:
    status, _ = http_json(web_server + "/api/handoff", {"sender": "bad-after"})
    assert status < 500
    status, body = http_json(web_server + "/api/handoff/bad-after/messages?after=" + "9" * 30)
    assert_refused(status, body)


# -- zip bombs --------------------------------------------------------------------------------------
def _bomb(megabytes: int) -> bytes:
    """A .docx whose document.xml is `megabytes` MB of zeros: a few dozen KB on the wire."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(megabytes):
                f.write(chunk)
    return buf.getvalue()


def _many_entries(n: int, text: str) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            z.writestr(f"customXml/item{i}.xml", "")
        z.writestr("word/document.xml", f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>'
                   f"{text}</w:t></w:r></w:p></w:body></w:document>")
    return buf.getvalue()


def test_zip_bomb_docx_is_refused_and_health_keeps_answering(admin: Client) -> None:
    data = _bomb(40)  # 40 MB of zeros in ~40 KB: the service accepts at most 64 KB per request
    assert len(data) < 60 * 1024
    result: dict[str, tuple[int, dict]] = {}
    uploader = threading.Thread(target=lambda: result.setdefault("r", _upload(
        admin, "bomb.docx", data, title="炸弹", written="2024-01-01")))
    uploader.start()
    worst = 0.0
    while uploader.is_alive():
        t0 = time.monotonic()
        status, _ = http_json(admin.base + "/api/health", timeout=10)
        worst = max(worst, time.monotonic() - t0)
        assert status == 200
        time.sleep(0.05)
    uploader.join()
    status, body = result["r"]
    assert_refused(status, body)
    assert "解压后过大" in body["error"], body
    assert worst < 1.0, f"/api/health stalled for {worst:.2f}s"


def test_docx_with_too_many_entries_is_refused() -> None:
    # Unit level: 2,001 entries need well over the 64 KB a request may carry, so this cannot go over HTTP today;
    # the check still matters the day the request limit is raised to the 2 MB upload limit.
    assert "医保" in extract_text("ok.docx", _many_entries(10, "医保报销。"))
    with pytest.raises(UnsupportedFile, match="过多"):
        extract_text("many.docx", _many_entries(2500, "医保报销。"))


def test_docx_lying_about_its_sizes_is_cut_off() -> None:
    """A member whose central-directory size understates its data never inflates past the declared size."""
    data = bytearray(_bomb(30))
    start = data.rfind(b"PK\x01\x02")  # central directory record of word/document.xml
    data[start + 24:start + 28] = (1000).to_bytes(4, "little")  # declared uncompressed size: 1000 bytes
    with pytest.raises(UnsupportedFile):
        extract_text("liar.docx", bytes(data))


def test_normal_docx_still_uploads(admin: Client) -> None:
    paragraphs = ["一、支持措施", "1.设立海洋牧场专项基金。对新区海洋牧场企业给予每家最高80万元的设备补助。"]
    status, body = _upload(admin, "正常.docx", _docx(paragraphs), title="正常文件", written="2024-03-01")
    assert status == 201, body
