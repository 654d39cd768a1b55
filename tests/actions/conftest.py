"""The real action server and the web service it asks for knowledge, as processes on free ports.

No Rasa here: the tests post the trackers Rasa posted in recorded conversations (tests/actions/record.py),
so each action is tested alone, with the real knowledge and the real app store behind it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.util import http_json

DATA = Path(__file__).with_name("data")
RASA_VERSION = "3.6.21"


class ActionServer:
    """POST /webhook as Rasa does: the action's name, the recorded tracker, the domain, the token."""

    def __init__(self, stack: Any):
        self.stack = stack
        self.url = f"http://127.0.0.1:{stack.actions_port}/webhook"
        self.token = stack.secrets["XHA_RASA__ACTION_TOKEN"]
        self.domain = json.loads((DATA / "domain.json").read_text(encoding="utf-8"))

    def run(self, action: str, tracker: dict[str, Any]) -> dict[str, Any]:
        status, body = self.post({"next_action": action, "sender_id": tracker["sender_id"], "tracker": tracker,
                                  "domain": self.domain, "version": RASA_VERSION})
        assert status == 200, body
        return body

    def post(self, payload: dict[str, Any], token: str | None = None) -> tuple[int, Any]:
        return http_json(self.url, payload, headers={"X-Action-Token": self.token if token is None else token})

    def internal(self, path: str, payload: Any = None) -> tuple[int, Any]:
        token = self.stack.secrets["XHA_WEB__INTERNAL_TOKEN"]
        return self.stack.call(path, payload, headers={"X-Internal-Token": token})


@pytest.fixture(scope="session")
def actions(index_settings: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    from tests.stack import Stack

    s = Stack(tmp_path_factory.mktemp("actions"), index_settings["index"]["dir"])
    try:
        s.web.start()
        s.actions.start()
        yield ActionServer(s)
    finally:
        s.stop()


def recorded(name: str, **changes: str) -> dict[str, Any]:
    """A recorded tracker; `changes` replace strings in it (a ticket number, a sender id)."""
    text = (DATA / f"{name}.json").read_text(encoding="utf-8")
    for old, new in changes.items():
        text = text.replace(old, new)
    return copy.deepcopy(json.loads(text)["tracker"])
