"""Throwaway servers for the test suite, on loopback: Debian's redis-server and a PostgreSQL
cluster. `python -m tests.services postgres DIR` starts a cluster and prints its URL (used by
scripts/test.sh); the conftest starts a Redis itself when TEST_REDIS_URL is not given."""

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    stop_cmd: list[str]
    dir: Path

    def stop(self) -> None:
        subprocess.run(self.stop_cmd, capture_output=True, check=False)


def start_redis(workdir: Path, port: int | None = None) -> Server:
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is missing: run `make test` (it installs it)")
    workdir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    pidfile = workdir / "redis.pid"
    subprocess.run(
        [exe, "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "yes",
         "--pidfile", str(pidfile), "--dir", str(workdir), "--logfile", str(workdir / "redis.log"),
         "--save", "", "--appendonly", "no"],
        check=True,
    )
    _wait_port(port)
    cli = shutil.which("redis-cli") or "redis-cli"
    return Server(f"redis://127.0.0.1:{port}/0", [cli, "-p", str(port), "shutdown", "nosave"],
                  workdir)


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    exe = shutil.which(name)
    if exe is None:
        raise RuntimeError(f"{name} is missing: run `make test` (it installs PostgreSQL)")
    return exe


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb refuses to run as root; the cluster then belongs to the postgres system user.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def start_postgres(workdir: Path) -> Server:
    workdir.mkdir(parents=True, exist_ok=True)
    data, sock = workdir / "data", workdir / "sock"
    sock.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres")
        shutil.chown(sock, "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres([_pg_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--locale=C.UTF-8", "-N"]),
        check=True, capture_output=True,
    )
    subprocess.run(
        _as_postgres([_pg_bin("pg_ctl"), "-D", str(data), "-l", str(workdir / "pg.log"), "-w",
                      "start", "-o",
                      f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off "
                      "-c synchronous_commit=off -c full_page_writes=off"]),
        check=True, capture_output=True,
    )
    subprocess.run(
        [_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "plomba"],
        check=True,
    )
    return Server(
        f"postgresql+psycopg://postgres@127.0.0.1:{port}/plomba",
        _as_postgres([_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
        workdir,
    )


APP_ROLE = "plomba_app"


def grant_app_role(connection, role: str = APP_ROLE) -> None:
    """As in production (README): a login role that owns no table and has data privileges
    only, so PostgreSQL's row-level security applies to it. Run as the tables' owner."""
    connection.exec_driver_sql(f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} LOGIN;
          END IF;
        END $$;
        GRANT USAGE ON SCHEMA public TO {role};
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
    """)


def _wait_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


if __name__ == "__main__":
    kind, directory = sys.argv[1], Path(sys.argv[2])
    server = {"postgres": start_postgres, "redis": start_redis}[kind](directory)
    print(server.url)
    print(" ".join(server.stop_cmd), file=sys.stderr)
