"""The local PostgreSQL and Redis that make run-scaled and the tests start are real, reachable and isolated."""

from __future__ import annotations

import psycopg
import redis


def test_postgres_gives_each_test_an_empty_database(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)
        conn.execute("CREATE TABLE t (x int)")


def test_redis_requires_its_password(redis_url: str) -> None:
    assert redis.Redis.from_url(redis_url).ping()
    anonymous = redis.Redis(host="127.0.0.1", port=int(redis_url.rsplit(":", 1)[1].split("/")[0]))
    try:
        anonymous.ping()
        raise AssertionError("redis answered without a password")
    except redis.AuthenticationError:
        pass
