"""The local PostgreSQL and Redis that make run-scaled and the tests start are real, reachable and isolated."""

from __future__ import annotations

import psycopg
import pytest
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


def test_installing_a_missing_server_prints_nothing_on_stdout(tmp_path, monkeypatch, capfd):
    # run_scaled.sh evaluates what the service starter prints: apt's "Selecting previously unselected
    # package …" on stdout was run as a command on a machine without redis-server, and the stack never came up
    import os

    from web.tools import services

    if os.geteuid() != 0:
        pytest.skip("installs only as root")
    fake_apt = tmp_path / "apt-get"
    fake_apt.write_text("#!/bin/sh\necho 'Selecting previously unselected package redis-server.'\n")
    fake_apt.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(services.shutil, "which", lambda name: None)
    services.ensure_installed("redis")
    out, err = capfd.readouterr()
    assert out == "" and "Selecting previously unselected package" in err
