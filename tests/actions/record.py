"""Record the trackers Rasa posts to the action server, for the unit tests of the actions.

    .venv/bin/python -m tests.actions.record      # needs the trained model (make model) and a built index

Starts the real stack (tests/stack.py) with a recording proxy between Rasa and the action server, holds a
few conversations through /api/chat, and writes the request body of each chosen action call to
tests/actions/data/<case>.json (Rasa's domain, the same in every call, once to domain.json). Re-run it
when the domain, the rules or the NLU change what Rasa sends.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
import zlib
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from config import ROOT, load_settings, resolve_path
from tests.stack import Stack
from tests.util import free_port

DATA = Path(__file__).with_name("data")


class RecordingProxy:
    """Listens where Rasa expects the action server, forwards every call, keeps every decoded body."""

    def __init__(self, port: int, target: str):
        self.port, self.target = port, target
        self.calls: list[dict[str, Any]] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(10)

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = zlib.decompress(raw) if request.headers.get("Content-Encoding") == "deflate" else raw
        self.calls.append(json.loads(body))
        headers = {k: v for k, v in request.headers.items()
                   if k.lower() in ("content-type", "content-encoding", "x-action-token")}
        async with aiohttp.ClientSession() as session, \
                session.post(self.target + request.path, data=raw, headers=headers) as resp:
            return web.Response(body=await resp.read(), status=resp.status, content_type="application/json")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_post("/webhook", self._handle)
        runner = web.AppRunner(app)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()

    def last(self, sender: str, action: str) -> dict[str, Any]:
        """The latest call of `action` for `sender`."""
        return next(c for c in reversed(self.calls) if c["sender_id"] == sender and c["next_action"] == action)


def save(name: str, call: dict[str, Any]) -> None:
    body = {k: v for k, v in call.items() if k != "domain"}
    (DATA / f"{name}.json").write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    DATA.mkdir(exist_ok=True)
    index_dir = str(resolve_path(load_settings()["index"]["dir"]))
    stack = Stack(Path(tempfile.mkdtemp(prefix="xha-record-")), index_dir)
    real_port = free_port()
    stack.actions.cmd[stack.actions.cmd.index("--port") + 1] = str(real_port)
    stack.actions.health = f"http://127.0.0.1:{real_port}/health"
    proxy = RecordingProxy(stack.actions_port, f"http://127.0.0.1:{real_port}")
    stack.start()
    try:
        stack.chat("rec-qa", "出口退税有什么便利措施")
        save("respond_question", proxy.last("rec-qa", "action_respond"))
        stack.chat("rec-qa", "那要多久？")
        save("respond_follow_up", proxy.last("rec-qa", "action_respond"))

        stack.chat("rec-decline", "出口退税有什么便利措施")
        stack.chat("rec-decline", "杭州的人才补贴怎么领")
        save("respond_other_place", proxy.last("rec-decline", "action_respond"))

        opening = "我要投诉，园区办事窗口总让我们来回跑，材料交了三次还说不全"
        stack.chat("rec-complaint", opening)
        save("respond_complaint_opening", proxy.last("rec-complaint", "action_respond"))
        save("form_opened", proxy.last("rec-complaint", "validate_complaint_form"))
        stack.chat("rec-complaint", "青岛海川科技有限公司")
        save("form_company", proxy.last("rec-complaint", "validate_complaint_form"))
        stack.chat("rec-complaint", "取消")
        save("form_cancel", proxy.last("rec-complaint", "validate_complaint_form"))
        save("complaint_done_cancelled", proxy.last("rec-complaint", "action_complaint_done"))

        stack.chat("rec-other", "查询工单 SSB-20260101-0001")
        save("ticket_status_by_number", proxy.last("rec-other", "action_ticket_status"))

        stack.chat("rec-human", "转人工")
        save("request_human", proxy.last("rec-human", "action_request_human"))

        domain = proxy.calls[-1]["domain"]
        (DATA / "domain.json").write_text(json.dumps(domain, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    finally:
        stack.stop()
    print(f"recorded {len(list(DATA.glob('*.json')))} files in {DATA.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
