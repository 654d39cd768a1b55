"""PostgreSQL and Redis from Debian's packages, started on loopback with their data in a folder of ours.

There is no systemd here: `make run-scaled` and the tests start the servers themselves. One module does it
so both start them the same way. PostgreSQL refuses to run as root; as root the cluster is run by Debian's
`postgres` user. Passwords come from the caller (var/secrets.env, or a random one for a test run).

    python -m web.tools.services start pg var/pg 5433 PASSWORD     # prints the URL
    python -m web.tools.services stop pg var/pg
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_USER = "xha"  # the application's role and database
APT_PACKAGES = {"pg": "postgresql", "redis": "redis-server"}


def ensure_installed(kind: str) -> None:
    """Install the Debian package when its server binary is missing (root only; else say what to run)."""
    present = (PG_BIN / "pg_ctl").exists() if kind == "pg" else shutil.which("redis-server") is not None
    if present:
        return
    package = APT_PACKAGES[kind]
    if os.geteuid() != 0:
        raise RuntimeError(f"{package} is not installed: run `sudo apt-get install {package}`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # apt's progress goes to stderr: callers read this process's stdout (run_scaled.sh evaluates it)
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-qq", package], check=True, env=env, stdout=sys.stderr)


def _as_pg_owner(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _traversable(path: Path) -> None:
    """As root the cluster runs as `postgres`, which must be able to reach its folder (not list its parents)."""
    if os.geteuid() != 0:
        return
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            os.chmod(parent, mode | 0o001)


def pg_url(port: int, password: str) -> str:
    return f"postgresql://{PG_USER}:{password}@127.0.0.1:{port}/{PG_USER}"


def start_postgres(datadir: Path | str, port: int, password: str) -> str:
    """Start (creating on first use) a cluster on 127.0.0.1:port; returns the application's URL."""
    ensure_installed("pg")
    datadir = Path(datadir).resolve()
    datadir.mkdir(parents=True, exist_ok=True)
    _traversable(datadir)
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres", "postgres")
    os.chmod(datadir, 0o700)
    fresh = not (datadir / "PG_VERSION").exists()
    if fresh:
        subprocess.run(_as_pg_owner([str(PG_BIN / "initdb"), "-D", str(datadir), "-U", "postgres",
                                     "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                                     "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL)
    if not pg_running(datadir):
        opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {datadir} -c max_connections=200"
        subprocess.run(_as_pg_owner([str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-l", str(datadir / "server.log"),
                                     "-o", opts, "-w", "-t", "60", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
    # role and database (idempotent); the password is (re)set so it always matches the caller's secret
    psql = _as_pg_owner([str(PG_BIN.parent / "bin" / "psql"), "-h", str(datadir), "-p", str(port),
                         "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c"])
    escaped = password.replace("'", "''")
    subprocess.run([*psql, f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PG_USER}') "
                           f"THEN CREATE ROLE {PG_USER} LOGIN CREATEDB; END IF; END $$; "
                           f"ALTER ROLE {PG_USER} PASSWORD '{escaped}'"], check=True)
    exists = subprocess.run([*psql, f"SELECT 1 FROM pg_database WHERE datname = '{PG_USER}'", "-tA"],
                            check=True, capture_output=True, text=True).stdout.strip()
    if not exists:
        subprocess.run([*psql, f"CREATE DATABASE {PG_USER} OWNER {PG_USER}"], check=True)
    return pg_url(port, password)


def pg_running(datadir: Path | str) -> bool:
    datadir = Path(datadir).resolve()
    if not (datadir / "PG_VERSION").exists():
        return False
    r = subprocess.run(_as_pg_owner([str(PG_BIN / "pg_ctl"), "-D", str(datadir), "status"]),
                       capture_output=True)
    return r.returncode == 0


def stop_postgres(datadir: Path | str) -> None:
    datadir = Path(datadir).resolve()
    if pg_running(datadir):
        subprocess.run(_as_pg_owner([str(PG_BIN / "pg_ctl"), "-D", str(datadir), "-m", "fast", "-w", "stop"]),
                       check=False, stdout=subprocess.DEVNULL)


def redis_url(port: int, password: str, db: int = 0) -> str:
    return f"redis://:{password}@127.0.0.1:{port}/{db}"


def start_redis(datadir: Path | str, port: int, password: str) -> str:
    """Start redis-server on 127.0.0.1:port (append-only file in datadir); returns its URL."""
    ensure_installed("redis")
    datadir = Path(datadir).resolve()
    datadir.mkdir(parents=True, exist_ok=True)
    os.chmod(datadir, 0o700)
    pidfile = datadir / "redis.pid"
    if not _redis_alive(pidfile):
        conf = datadir / "redis.conf"  # the password is not on the command line (ps shows that)
        conf.write_text(f"port {port}\nbind 127.0.0.1\nprotected-mode yes\ndir {datadir}\n"
                        f"pidfile {pidfile}\nlogfile {datadir / 'redis.log'}\ndaemonize yes\n"
                        f"appendonly yes\nsave \"\"\nrequirepass \"{password}\"\n")
        os.chmod(conf, 0o600)
        subprocess.run(["redis-server", str(conf)], check=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not _redis_alive(pidfile):
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start; see {datadir / 'redis.log'}")
            time.sleep(0.1)
    return redis_url(port, password)


def _redis_alive(pidfile: Path) -> bool:
    try:
        os.kill(int(pidfile.read_text().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def stop_redis(datadir: Path | str) -> None:
    pidfile = Path(datadir).resolve() / "redis.pid"
    if not _redis_alive(pidfile):
        return
    pid = int(pidfile.read_text().strip())
    os.kill(pid, 15)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in ("start", "stop") or argv[1] not in ("pg", "redis"):
        print(__doc__, file=sys.stderr)
        return 2
    action, kind, datadir = argv[0], argv[1], argv[2]
    if action == "stop":
        (stop_postgres if kind == "pg" else stop_redis)(datadir)
        return 0
    port, password = int(argv[3]), argv[4]
    print((start_postgres if kind == "pg" else start_redis)(datadir, port, password))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
