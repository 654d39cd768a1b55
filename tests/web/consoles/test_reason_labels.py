"""Every reason the engine, the actions and the web service give an unanswered entry reads in Chinese on the
admin console (web/static/admin/common.js REASON_LABELS): a new reason used to show as its code."""

from __future__ import annotations

import re

from config import ROOT

SOURCES = ["index/engine.py", "actions/answering.py", "web/consoles/agent.py", "web/public/feedback.py"]


def _reasons() -> set[str]:
    found: set[str] = set()
    for path in SOURCES:
        text = (ROOT / path).read_text(encoding="utf-8")
        found |= set(re.findall(r'reason = "([a-z_]+)"', text))  # the engine's decision
        found |= set(re.findall(r'reason = "[a-z_]+" if \w+ else "([a-z_]+)"', text))
        found |= set(re.findall(r'reason = "([a-z_]+)" if', text))
        found |= set(re.findall(r'"reason": "([a-z_]+)"', text))  # queued by the actions and the web service
        found |= set(re.findall(r'reason="([a-z_]+)"', text))
    return found


def _labels() -> set[str]:
    js = (ROOT / "web" / "static" / "admin" / "common.js").read_text(encoding="utf-8")
    block = js.split("export const REASON_LABELS = {", 1)[1].split("};", 1)[0]
    return set(re.findall(r"([a-z_]+):", block))


def test_every_reason_an_unanswered_entry_can_carry_has_a_chinese_label():
    reasons = _reasons()
    assert {"unknown_object", "weak_evidence", "thumbs_down", "follow_up_of_declined"} <= reasons, reasons
    assert reasons - _labels() == set()

