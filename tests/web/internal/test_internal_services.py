"""Rasa and the action server are internal: loopback only, a shared secret each, bounded input."""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import pytest

from tests.util import http_json, http_status

pytestmark = pytest.mark.e2e
LOOPBACK = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


def listening(port: int) -> set[str]:
    """The local addresses a TCP port listens on (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            addr, port_hex = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                found.add(addr)
    return found


def test_rasa_and_the_action_server_listen_on_loopback_only(stack):
    for port in (stack.rasa_port, stack.actions_port):
        assert listening(port) == {LOOPBACK}, f"port {port} listens on {listening(port)}"


def forged_submit(sender: str) -> dict:
    """What a forged call to the action server looked like: slots the form would never accept."""
    return {"next_action": "action_complaint_done", "sender_id": sender, "version": "3.6.2", "domain": {},
            "tracker": {"sender_id": sender, "slots": {"complaint_confirm": "yes", "complaint_company": "x",
                                                       "complaint_contact": "x", "complaint_phone": "1",
                                                       "complaint_category": "其他", "complaint_description": "x"},
                        "latest_message": {}, "events": [], "active_loop": {}}}


def test_the_action_server_refuses_calls_without_rasas_token(stack):
    url = f"http://127.0.0.1:{stack.actions_port}/webhook"
    _, before = stack.admin("/api/admin/tickets")
    for headers in ({}, {"X-Action-Token": "wrong-token-wrong-token"}):
        status, body = http_json(url, forged_submit("forger"), headers=headers)
        assert status == 403, body
    _, after = stack.admin("/api/admin/tickets")
    assert len(after["items"]) == len(before["items"]), "no ticket from a forged call"


def test_the_action_server_refuses_a_deflate_bomb(stack):
    bomb = zlib.compress(json.dumps({"pad": "0" * (50 * 1024 * 1024)}).encode(), 9)
    assert len(bomb) < 1024 * 1024
    token = stack.secrets["XHA_RASA__ACTION_TOKEN"]
    status, _ = http_json(f"http://127.0.0.1:{stack.actions_port}/webhook", raw=bomb,
                          headers={"Content-Encoding": "deflate", "X-Action-Token": token})
    assert status == 413
    assert http_json(f"http://127.0.0.1:{stack.actions_port}/health")[0] == 200


def test_rasa_takes_messages_only_from_the_gateway_within_its_limits(stack):
    url = f"http://127.0.0.1:{stack.rasa_port}/webhooks/gateway/webhook"
    token = {"X-Channel-Token": stack.secrets["XHA_RASA__CHANNEL_TOKEN"]}
    assert http_json(url, {"sender": "x1", "message": "你好"})[0] == 403
    assert http_json(url, {"sender": "x1", "message": "长" * 6000}, headers=token)[0] == 400
    assert http_json(url, {"sender": "a b", "message": "你好"}, headers=token)[0] == 400
    assert http_status(url, {"sender": "x1", "message": "你好", "pad": "0" * (2 * 1024 * 1024)}) == 413
    status, body = http_json(url, {"sender": "x1", "message": "你好"}, headers=token)
    assert status == 200 and body and "您好" in body[0]["text"]
    assert http_status(f"http://127.0.0.1:{stack.rasa_port}/webhooks/rest/webhook",
                     {"sender": "x1", "message": "你好"}) == 404, "the open REST channel is gone"
