"""Security battery against a running stack (`make security`): bad input, forged and replayed requests, PII.

    python -m web.tools.security_probe --url http://127.0.0.1:8000 [--reduced]

Only ever targets 127.0.0.1/localhost; bounded in requests (a few hundred at most) and time (--deadline).
Reads the tokens and secrets from the environment (`. scripts/secrets.sh`, as `make security` does) through
config.load_settings, and the app store (web.store, SQLite or PostgreSQL) for the PII count.

The last printed line is one JSON object: probes, http_4xx, http_5xx, crashes, unmasked_pii_rows,
forged_actions_accepted, replays_accepted (then extra keys). Targets: everything but probes/http_4xx at 0.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config import load_settings, resolve_path
from protocol.patterns import MOBILE_RE
from web.store import Store
from web.store.db import is_url
from web.susuban.wire import sign

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
ID_RAW = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
JSON = "application/json"
PHONE, ID_NO = "13812345678", "370211199001011234"
DEEP = '{"q": ' + "[" * 30000 + "]" * 30000 + "}"
OVERSIZED = '{"q": "' + "长" * 24000 + '"}'  # ~72 KB, above web.max_body_bytes (64 KB)

Headers = dict[str, "str | bytes"]


@dataclass
class Tally:
    probes: int = 0
    http_4xx: int = 0
    http_5xx: int = 0
    crashes: int = 0
    other: int = 0
    failures: list[str] = field(default_factory=list)

    def count(self, name: str, status: int | None) -> int | None:
        self.probes += 1
        if status is None:
            self.crashes += 1
            self.failures.append(f"no response: {name}")
        elif status >= 500:
            self.http_5xx += 1
            self.failures.append(f"{status}: {name}")
        elif status >= 400:
            self.http_4xx += 1
        else:
            self.other += 1
        return status


def check_local(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in LOCAL_HOSTS or not parts.port:
        raise SystemExit(f"refusing {url!r}: only http://127.0.0.1:PORT or http://localhost:PORT")
    return parts.hostname, parts.port


def send(host: str, port: int, method: str, path: str, body: bytes | None = None,
         headers: Headers | None = None, timeout: float = 30) -> tuple[int | None, bytes]:
    """One request over a raw connection (header bytes and bodies go out exactly as given); None = no response."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if body is not None or method == "POST":
            conn.putheader("Content-Length", str(len(body or b"")))
        try:
            conn.endheaders(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a server may answer (413) and close before reading all of an oversized body
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (OSError, http.client.HTTPException):
        return None, b""
    finally:
        conn.close()


def post_json(host: str, port: int, path: str, payload: Any, headers: Headers | None = None) -> tuple[int | None, Any]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode()
    status, raw = send(host, port, "POST", path, body, {"Content-Type": JSON, **(headers or {})})
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


# -- bad input -----------------------------------------------------------------------------------------
def bad_bodies(run: str, reduced: bool) -> list[tuple[str, bytes, str]]:
    """(name, raw body, Content-Type) sent to every public POST endpoint."""
    cases = [
        ("text/plain", json.dumps({"sender": f"{run}-tp", "message": "你好", "q": "渔船检验"}).encode(), "text/plain"),
        ("unknown charset", b'{"q": "x", "sender": "s", "message": "m"}', "application/json; charset=x-no-such"),
        ("deep nesting", DEEP.encode(), JSON),
        ("lone surrogate", f'{{"sender": "{run}-ls", "message": "你好\\ud800", "q": "\\udfff"}}'.encode(), JSON),
        ("control chars", f'{{"sender": "{run}-cc\\u0000", "message": "你\\u001b[31m好", "q": "\\u0000"}}'.encode(),
         JSON),
        ("oversized", OVERSIZED.encode(), JSON),
    ]
    if not reduced:
        cases += [
            ("invalid utf-8", b'{"q": "\xff\xfe", "sender": "\xc3", "message": "\xed\xa0\x80"}', JSON),
            ("not json", b"{'q': nope", JSON),
            ("json array", b'[1, 2, 3]', JSON),
            ("json string", b'"just a string"', JSON),
            ("wrong types", json.dumps({"sender": ["x"], "message": {"a": 1}, "q": 5, "k": "9" * 40, "rating": None,
                                        "username": 1, "password": [], "ticket_no": 7}).encode(), JSON),
            ("huge numbers", ('{"q": "x", "k": ' + "9" * 5000 + ', "citation_task": 1e999}').encode(), JSON),
            ("empty body", b"", JSON),
        ]
    return cases


def bad_headers(reduced: bool) -> list[tuple[str, Headers]]:
    cases: list[tuple[str, Headers]] = [
        ("utf-8 csrf header", {"X-CSRF-Token": "令牌".encode()}),
        ("invalid ssb signature", {"X-SSB-Signature": b"sha256=\xff\xfe", "X-SSB-Timestamp": "²³".encode()}),
    ]
    if not reduced:
        cases += [
            ("invalid cookie bytes", {"Cookie": b"xha_session=\xff\xfe\x80"}),
            ("huge timestamp", {"X-SSB-Timestamp": "9" * 5000, "X-SSB-Signature": "sha256=00"}),
            ("non-ascii forwarded", {"X-Forwarded-For": "１２７.０.０.１".encode(), "User-Agent": "浏览器".encode()}),
        ]
    return cases


POST_ENDPOINTS = ["/api/chat", "/api/search", "/api/feedback", "/api/handoff", "/api/auth/login",
                  "/api/susuban/callback"]


def get_paths(run: str, reduced: bool) -> list[str]:
    """GET paths with bad ids; `{run}-pii1` has a handoff (probe_pii_writes), so its `after` is really parsed."""
    paths = ["/api/handoff/" + "9" * 5000 + "/messages", f"/api/handoff/{run}-pii1/messages?after=" + "9" * 30,
             "/api/tickets/" + "9" * 5000, "/api/tickets/SSB-20240101-0001%ED%A0%80"]
    if not reduced:
        paths += [f"/api/handoff/{run}-pii1/messages?after=%C2%B2", "/api/handoff/%ff%fe/messages",
                  "/api/tickets/%00%1b", "/api/tickets/SSB-" + "9" * 30 + "?phone_last4=" + "9" * 5000,
                  f"/api/handoff/{run}-pii1/messages?after=-1"]
    return paths


def probe_bad_input(host: str, port: int, tally: Tally, run: str, reduced: bool, deadline: float) -> None:
    for path in POST_ENDPOINTS:
        for name, body, ctype in bad_bodies(run, reduced):
            if time.monotonic() > deadline:
                return
            status, _ = send(host, port, "POST", path, body, {"Content-Type": ctype})
            tally.count(f"POST {path} {name}", status)
        for name, headers in bad_headers(reduced):
            payload = json.dumps({"sender": f"{run}-h", "message": "你好", "q": "渔船检验"}).encode()
            status, _ = send(host, port, "POST", path, payload, {"Content-Type": JSON, **headers})
            tally.count(f"POST {path} {name}", status)
    for path in get_paths(run, reduced):
        for name, headers in [("plain", {}), *bad_headers(True)]:
            if time.monotonic() > deadline:
                return
            status, _ = send(host, port, "GET", path, None, headers)
            tally.count(f"GET {path[:60]} {name}", status)


def probe_pii_writes(host: str, port: int, tally: Tally, run: str) -> None:
    """Legitimate-looking messages carrying a mobile and an ID number: what is kept must be masked."""
    text = f"我的电话{PHONE}，身份证号{ID_NO}，火星移民补贴怎么申请"
    for i, message in enumerate([text, f"联系电话 {PHONE}", f"身份证{ID_NO}办营业执照要多久"]):
        status, _ = post_json(host, port, "/api/chat", {"sender": f"{run}-pii{i}", "message": message})
        tally.count(f"POST /api/chat pii {i}", status)
    fb = {"sender": f"{run}-pii0", "message_id": f"{run}-m1", "rating": "down", "question": text,
          "answer": f"请致电{PHONE}", "comment": f"我的身份证{ID_NO}"}
    tally.count("POST /api/feedback pii", post_json(host, port, "/api/feedback", fb)[0])
    tally.count("POST /api/handoff pii", post_json(host, port, "/api/handoff", {"sender": f"{run}-pii1"})[0])


# -- forged internal calls -------------------------------------------------------------------------------
def forged_submit(sender: str) -> dict[str, Any]:
    """A forged action-server call: filing a ticket from slots the form would never accept."""
    return {"next_action": "action_complaint_done", "sender_id": sender, "version": "3.6.2", "domain": {},
            "tracker": {"sender_id": sender, "slots": {"complaint_confirm": "yes", "complaint_company": "x",
                                                       "complaint_contact": "x", "complaint_phone": PHONE,
                                                       "complaint_category": "其他", "complaint_description": "x"},
                        "latest_message": {}, "events": [], "active_loop": {}}}


def probe_forged(tally: Tally, run: str, rasa_port: int, actions_port: int) -> tuple[int, list[str]]:
    accepted: list[str] = []
    host = "127.0.0.1"
    calls: list[tuple[str, int, str, Any, Headers]] = [
        ("action no token", actions_port, "/webhook", forged_submit(f"{run}-forger"), {}),
        ("action wrong token", actions_port, "/webhook", forged_submit(f"{run}-forger"),
         {"X-Action-Token": "wrong-token-wrong-token"}),
        ("action non-ascii token", actions_port, "/webhook", forged_submit(f"{run}-forger"),
         {"X-Action-Token": "令牌".encode()}),
        ("gateway no token", rasa_port, "/webhooks/gateway/webhook", {"sender": f"{run}-f", "message": "我要投诉"}, {}),
        ("gateway wrong token", rasa_port, "/webhooks/gateway/webhook",
         {"sender": f"{run}-f", "message": "我要投诉"}, {"X-Channel-Token": "wrong-token-wrong-token"}),
        ("rest channel", rasa_port, "/webhooks/rest/webhook", {"sender": f"{run}-f", "message": "我要投诉"}, {}),
    ]
    for name, port, path, payload, headers in calls:
        status, _ = post_json(host, port, path, payload, headers)
        tally.count(f"forged {name}", status)
        if status is not None and 200 <= status < 300:
            accepted.append(name)
    return len(accepted), accepted


# -- replayed callbacks ------------------------------------------------------------------------------------
def probe_replays(host: str, port: int, tally: Tally, run: str, internal_token: str,
                  ssb_secret: str) -> tuple[int | None, str]:
    """(replays accepted, note); None when it could not run (no secrets to create and sign with)."""
    if not internal_token or not ssb_secret:
        return None, "skipped: web.internal_token or susuban.secret not in the environment (. scripts/secrets.sh)"
    ticket = {"company": "安全探测", "contact": "探测", "phone": "0532-86981234", "category": "其他",
              "description": "安全探测用工单（可忽略）", "idempotency_key": f"{run}-ticket"}
    status, body = post_json(host, port, "/api/tickets", ticket, {"X-Internal-Token": internal_token})
    tally.count("create ticket (internal token)", status)
    if status not in (200, 201) or not isinstance(body, dict) or "ticket_no" not in body:
        return None, f"skipped: could not create a ticket ({status})"
    no = body["ticket_no"]

    def callback(status_name: str, note: str) -> tuple[bytes, dict[str, str]]:
        raw = json.dumps({"ticket_no": no, "status": status_name, "note": note}, ensure_ascii=False).encode()
        return raw, sign(ssb_secret, raw)

    accepted = 0
    raw, headers = callback("processing", "探测")
    first = tally.count("callback processing", post_json(host, port, "/api/susuban/callback", raw, headers)[0])
    if first is None or not 200 <= first < 300:
        return None, f"skipped: a correctly signed callback was refused ({first})"
    again = tally.count("callback replay", post_json(host, port, "/api/susuban/callback", raw, headers)[0])
    accepted += again is not None and 200 <= again < 300
    back_raw, back_headers = callback("accepted", "倒退")
    back = tally.count("callback backwards", post_json(host, port, "/api/susuban/callback", back_raw, back_headers)[0])
    accepted += back is not None and 200 <= back < 300
    old_raw = json.dumps({"ticket_no": no, "status": "resolved", "note": "过期"}, ensure_ascii=False).encode()
    stale = tally.count("callback stale timestamp", post_json(host, port, "/api/susuban/callback", old_raw,
                                                              sign(ssb_secret, old_raw, int(time.time()) - 3600))[0])
    accepted += stale is not None and 200 <= stale < 300
    forged = tally.count("callback wrong key", post_json(host, port, "/api/susuban/callback", old_raw,
                                                         sign("not-the-secret", old_raw))[0])
    accepted += forged is not None and 200 <= forged < 300
    return accepted, f"ticket {no}: replay {again}, backwards {back}, stale {stale}, wrong key {forged}"


# -- PII at rest ----------------------------------------------------------------------------------------------
def unmasked_rows(store: Path | str) -> tuple[int, dict[str, int]]:
    """Rows of chat_turns, feedback and unanswered holding a raw mobile or 18-digit ID (read through web.store)."""
    if not is_url(store) and not resolve_path(store).exists():
        return 0, {}
    db = Store(store)
    try:
        per = {table: sum(1 for texts in rows if any(MOBILE_RE.search(v) or ID_RAW.search(v) for v in texts))
               for table, rows in db.logs.texts_at_rest().items()}
    finally:
        db.close()
    return sum(per.values()), per


def health(host: str, port: int) -> bool:
    return send(host, port, "GET", "/api/health", timeout=10)[0] == 200


def run(url: str, rasa_port: int, actions_port: int, store: Path | str, internal_token: str = "", ssb_secret: str = "",
        reduced: bool = False, seconds: float = 240, replays_on: bool = True) -> dict[str, Any]:
    """The whole battery; returns the summary (the JSON of the last line)."""
    host, port = check_local(url)
    deadline = time.monotonic() + seconds
    tally = Tally()
    run_id = f"secprobe-{uuid.uuid4().hex[:8]}"
    t0 = time.monotonic()
    if not health(host, port):
        raise SystemExit(f"nothing healthy at {url}/api/health: start the stack first (make run)")
    probe_pii_writes(host, port, tally, run_id)
    probe_bad_input(host, port, tally, run_id, reduced, deadline)
    health_failures = 0 if health(host, port) else 1
    forged, forged_names = probe_forged(tally, run_id, rasa_port, actions_port)
    replays, replay_note = (probe_replays(host, port, tally, run_id, internal_token, ssb_secret) if replays_on
                            else (None, "skipped: --no-replays"))
    if not health(host, port):
        health_failures += 1
    tally.crashes += health_failures
    unmasked, per_table = unmasked_rows(store)
    return {"probes": tally.probes, "http_4xx": tally.http_4xx, "http_5xx": tally.http_5xx, "crashes": tally.crashes,
            "unmasked_pii_rows": unmasked, "forged_actions_accepted": forged,
            "replays_accepted": replays if replays is not None else 0,
            "replays_checked": replays is not None, "replay_note": replay_note, "forged_accepted_names": forged_names,
            "unmasked_by_table": per_table, "health_failures": health_failures, "http_other": tally.other,
            "failures": tally.failures[:20], "seconds": round(time.monotonic() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    rasa = settings.get("rasa", {})
    p = argparse.ArgumentParser(prog="python -m web.tools.security_probe", description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--rasa-port", type=int, default=int(rasa.get("port", 5005)))
    p.add_argument("--actions-port", type=int, default=int(rasa.get("actions_port", 5055)))
    p.add_argument("--store", default=str(settings["web"]["store"]), help="app store (read-only), settings web.store")
    p.add_argument("--reduced", action="store_true", help="fewer bad-input variants (for tests)")
    p.add_argument("--no-replays", action="store_true",
                   help="do not file the one probe ticket the replay checks need (it is dispatched to susuban.url)")
    p.add_argument("--seconds", type=float, default=240, help="time budget for the bad-input part")
    args = p.parse_args(argv)
    internal_token = str(settings["web"].get("internal_token") or "")
    ssb_secret = str(settings.get("susuban", {}).get("secret") or "")
    summary = run(args.url, args.rasa_port, args.actions_port, args.store, internal_token, ssb_secret,
                  args.reduced, args.seconds, not args.no_replays)
    for line in summary["failures"]:
        print("FAIL", line)
    print("replays:", summary["replay_note"])
    print(json.dumps(summary, ensure_ascii=False))
    ok = (summary["http_5xx"] == summary["crashes"] == summary["unmasked_pii_rows"] == 0
          and summary["forged_actions_accepted"] == summary["replays_accepted"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
