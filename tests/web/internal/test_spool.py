"""The action server's spool: records left while no web replica answered are logged once each, also when
two replicas import the same folder at the same moment."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from config import load_settings
from web.internal.unanswered import STALE_CLAIM_SECONDS, import_spool
from web.store import Store

N = 60


def spool_records(spool: Path, n: int) -> None:
    spool.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        record = {"text": f"人才公寓怎么申请 {i}", "sender": f"s{i}", "reason": "weak_evidence"}
        (spool / f"unanswered-{1700000000 + i}.000000-{i:08x}.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_two_replicas_importing_one_spool_log_each_record_once(engine, tmp_path, request):
    target = str(tmp_path / "a.db") if engine == "sqlite" else request.getfixturevalue("pg_url")
    settings = load_settings()
    spool = tmp_path / "spool"
    spool_records(spool, N)
    replicas = [Store(target), Store(target)]
    try:
        with ThreadPoolExecutor(2) as pool:
            counts = list(pool.map(lambda s: import_spool(s, settings, spool), replicas))
        texts = [r["text"] for r in replicas[0].logs.unanswered(limit=1000)]
    finally:
        for s in replicas:
            s.close()
    assert sum(counts) == N and len(texts) == N and len(set(texts)) == N, counts
    assert not list(spool.iterdir())


def test_a_claim_left_by_a_dead_replica_is_taken_over_a_fresh_one_is_not(tmp_path):
    settings = load_settings()
    spool = tmp_path / "spool"
    spool.mkdir()
    body = json.dumps({"text": "人才公寓怎么申请", "reason": "weak_evidence"})
    old = time.time() - STALE_CLAIM_SECONDS - 5
    (spool / f"unanswered-1.000000-aa.json.{old:.0f}.deadbeef.claimed").write_text(body, encoding="utf-8")
    (spool / f"unanswered-2.000000-bb.json.{time.time():.0f}.cafe0000.claimed").write_text(body, encoding="utf-8")
    store = Store(str(tmp_path / "a.db"))
    try:
        assert import_spool(store, settings, spool) == 1
    finally:
        store.close()
    assert [p.name.split(".json")[0] for p in spool.iterdir()] == ["unanswered-2.000000-bb"]
