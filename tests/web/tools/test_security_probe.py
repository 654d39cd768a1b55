"""`make security` in small: a reduced battery against the e2e stack meets every target."""

from __future__ import annotations

from pathlib import Path

import pytest

from web.store import Store
from web.tools.security_probe import check_local, run, unmasked_rows


def test_the_probe_only_targets_loopback() -> None:
    for url in ("http://10.0.0.1:8000", "http://example.com:8000", "https://127.0.0.1:8000", "http://127.0.0.1",
                "http://127.0.0.1.example.com:8000"):
        with pytest.raises(SystemExit):
            check_local(url)
    assert check_local("http://localhost:8001") == ("localhost", 8001)


def test_unmasked_rows_are_found_and_masked_ones_are_not(tmp_path: Path) -> None:
    store = tmp_path / "app.db"
    s = Store(store)
    for question in ("电话13812345678", "电话138****5678", "订单号 213812345678"):
        s.logs.log_turn("s1", "web", question, "答", "answer")
    s.logs.record_feedback("web", "h", "m1", "身份证37021119900101123X", "答", None, "up")
    s.logs.log_unanswered("web", "h", "370211********1234", "low_score", [])
    # a keyed sender hash is hex: about one in a thousand holds eleven decimal digits that read as a mobile
    s.logs.log_unanswered("web", "b13812345678c0ffee0a1b2c", "火星移民补贴怎么申请", "off_subject", [])
    # and so is a widget's random sender id ("w-82e19336338709d3" failed the battery in CI)
    s.logs.log_turn("w-82e19336338709d3", "widget", "你好", "您好", "text")
    s.tickets.create({"company": "c", "contact": "p", "phone": "13812345678", "category": "政务服务",  # legitimately
                      "department": "区行政审批服务局", "description": "d"}, "k", "local")
    s.close()
    assert unmasked_rows(store) == (2, {"chat_turns": 1, "feedback": 1, "unanswered": 0})


@pytest.mark.e2e
def test_a_reduced_battery_meets_the_targets(stack) -> None:
    summary = run(stack.url, stack.rasa_port, stack.actions_port, Path(stack.env["XHA_WEB__STORE"]),
                  stack.secrets["XHA_WEB__INTERNAL_TOKEN"], stack.secrets["XHA_SUSUBAN__SECRET"],
                  reduced=True, seconds=120)
    assert summary["probes"] >= 50 and summary["http_4xx"] > 0, summary
    assert summary["http_5xx"] == 0 and summary["crashes"] == 0, summary["failures"]
    assert summary["unmasked_pii_rows"] == 0, summary["unmasked_by_table"]
    assert summary["forged_actions_accepted"] == 0, summary["forged_accepted_names"]
    assert summary["replays_checked"] and summary["replays_accepted"] == 0, summary["replay_note"]
