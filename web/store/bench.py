"""How fast the store files tickets on each engine: `tickets.create` (numbering, outbox row, event) per second.

    .venv/bin/python -m web.store.bench [--pg postgresql://xha:PW@127.0.0.1:PORT/xha] [--n 400] [--threads 1 4]

SQLite runs on a scratch file (synchronous=FULL: one fsync per ticket), PostgreSQL on a scratch database
created on the given server and dropped afterwards (the role needs CREATEDB). Prints one line per run.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
import uuid
from pathlib import Path

from web.store import Store

FIELDS = {"company": "某公司", "contact": "王", "phone": "13812345678", "category": "劳动用工",
          "department": "区人力资源局", "description": "拖欠工资三个月"}


def tickets_per_second(target: str, n: int, threads: int) -> float:
    """File n tickets from `threads` threads on one fresh Store; returns tickets per second."""
    store = Store(target)
    try:
        per = n // threads

        def work(t: int) -> None:
            for i in range(per):
                store.tickets.create(FIELDS, f"bench-{t}-{i}-{uuid.uuid4().hex}", "pending")

        workers = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
        t0 = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return per * threads / (time.perf_counter() - t0)
    finally:
        store.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m web.store.bench", description=__doc__.splitlines()[0])
    ap.add_argument("--pg", default="", help="a PostgreSQL server URL (scratch databases are made there)")
    ap.add_argument("--n", type=int, default=400, help="tickets per run")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 4])
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for threads in args.threads:
            path = Path(tmp) / f"bench-{threads}.db"
            print(f"sqlite      threads={threads}: {tickets_per_second(str(path), args.n, threads):7.0f} tickets/s")
    if args.pg:
        import psycopg

        for threads in args.threads:
            name = f"bench_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(args.pg, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            try:
                rate = tickets_per_second(args.pg.rsplit("/", 1)[0] + "/" + name, args.n, threads)
                print(f"postgresql  threads={threads}: {rate:7.0f} tickets/s")
            finally:
                with psycopg.connect(args.pg, autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
