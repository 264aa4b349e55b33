"""A production-shaped load run (issue 17): gunicorn on PostgreSQL as the application role,
N companies of 100k orders each, a closed-loop load generator at rising concurrency.

    python -m tests.services postgres /tmp/pgload > /tmp/pgload.url 2> /tmp/pgload.stop
    python -m bench.load --database-url "$(cat /tmp/pgload.url)" --generate --companies 10
    python -m bench.load --database-url "$(cat /tmp/pgload.url)" --workers 1,2,4

The server is the production configuration (PLOMBA_ENV=production, the production password
hash, Secure cookies: the generator keeps its cookies by hand because it speaks plain http on
loopback) behind `gunicorn -w W` sync workers, connected as the application role, so row-level
security is on as in production. A real Redis (started here) takes the rate-limit counters
and the RZS jobs that closing an order enqueues; no worker runs, the jobs stay queued.

Each virtual user signs in as the office user of one company (users are spread over the
companies) and loops over a mix that follows what an office does through the day: the order
lists and searches, client and device searches, order pages, and now and then closing a
started order (each order is closed once; the close writes its outbox rows and enqueues its
RZS job). Every level runs the trivial route ("O programie") at the same concurrency first,
the framework's ceiling on this machine. The load generator runs on the same 2 cores as the
server, so the figures are a floor, not a ceiling.

A level passes only when every request got its expected status (200, or 303 for a close) and
every close that answered 303 is closed in the database afterwards; the run prints the counts.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MIX = (
    # (weight, kind)
    (15, "orders_current"),
    (10, "orders_closed_by_name"),
    (5, "orders_closed_by_unique"),
    (10, "clients_search"),
    (10, "devices_search"),
    (5, "devices_list"),
    (40, "order_page"),
    (5, "close"),
)
CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


@dataclass
class Company:
    tenant_id: int
    email: str
    uniques: list[str]
    names: list[str]
    order_ids: list[int]
    closable: list[int]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_closable(self) -> int | None:
        with self.lock:
            return self.closable.pop() if self.closable else None


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def load_companies(owner_url: str, per_company: int = 2000) -> list[Company]:
    """What the virtual users ask for, per company, read as the owner (no tenancy needed)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(owner_url)
    companies = []
    with engine.connect() as conn:
        tenants = conn.execute(text(
            "SELECT t.id, u.email FROM tenant t JOIN user_account u ON u.tenant_id = t.id "
            "WHERE u.role = 'office' AND u.email LIKE 'bench-biuro%' ORDER BY t.id")).all()
        for tenant_id, email in tenants:
            params = {"t": tenant_id, "n": per_company}
            uniques = conn.scalars(text(
                "SELECT unique_no FROM device WHERE tenant_id = :t ORDER BY id LIMIT :n"),
                params).all()
            names = conn.scalars(text(
                "SELECT name_key FROM party WHERE tenant_id = :t AND is_client "
                "ORDER BY id LIMIT :n"), params).all()
            order_ids = conn.scalars(text(
                "SELECT id FROM service_order WHERE tenant_id = :t ORDER BY random() LIMIT :n"),
                params).all()
            closable = conn.scalars(text(
                "SELECT o.id FROM service_order o WHERE o.tenant_id = :t "
                "AND o.status = 'started' AND o.technician_id IS NOT NULL "
                "AND o.started_at IS NOT NULL "
                "AND EXISTS (SELECT 1 FROM order_item i WHERE i.order_id = o.id) "
                "AND NOT EXISTS (SELECT 1 FROM order_item i WHERE i.order_id = o.id "
                "                AND i.performed_on IS NULL) ORDER BY o.id"), params).all()
            companies.append(Company(tenant_id, email, list(uniques), list(names),
                                     list(order_ids), list(closable)))
    engine.dispose()
    return companies


class User:
    """One virtual user: its own connection and cookies (kept by hand: the production cookies
    are Secure and this client speaks http on loopback)."""

    def __init__(self, base: str, company: Company, rng: random.Random):
        import httpx

        self.company, self.rng = company, rng
        self.http = httpx.Client(base_url=base, timeout=60, follow_redirects=False)
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def _keep_cookies(self, response) -> None:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def request(self, method: str, url: str, **kw):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        response = self.http.request(method, url, headers=headers, **kw)
        self._keep_cookies(response)
        return response

    def sign_in(self, password: str) -> None:
        page = self.request("GET", "/login")
        token = CSRF_RE.search(page.text).group(1)
        response = self.request("POST", "/login", data={
            "csrf_token": token, "email": self.company.email, "password": password})
        assert response.status_code == 303, (self.company.email, response.status_code)
        page = self.request("GET", "/zlecenia")
        assert page.status_code == 200, page.status_code
        self.csrf = CSRF_RE.search(page.text).group(1)

    def word(self) -> str:
        name = self.rng.choice(self.company.names)
        parts = [p for p in name.split() if len(p) > 4]
        return self.rng.choice(parts) if parts else name[:6]

    def one(self, kind: str):
        """(kind, status expected, response) for one request of the mix."""
        c, rng = self.company, self.rng
        if kind == "close":
            order_id = c.take_closable()
            if order_id is not None:
                return kind, 303, order_id, self.request(
                    "POST", f"/zlecenia/{order_id}/zamknij", data={"csrf_token": self.csrf})
            kind = "order_page"
        url = {
            "trivial": lambda: "/o-programie",
            "orders_current": lambda: "/zlecenia",
            "orders_closed_by_name": lambda: f"/zlecenia/zamkniete?q={self.word()}&status=settled",
            "orders_closed_by_unique":
                lambda: f"/zlecenia/zamkniete?q={rng.choice(c.uniques)[3:10]}",
            "clients_search": lambda: f"/klienci?q={self.word()}",
            "devices_search": lambda: f"/urzadzenia?q={rng.choice(c.uniques)[3:10]}",
            "devices_list": lambda: "/urzadzenia",
            "order_page": lambda: f"/zlecenia/{rng.choice(c.order_ids)}",
        }[kind]()
        return kind, 200, None, self.request("GET", url)


def run_level(users: list[User], seconds: float, trivial: bool) -> dict:
    kinds = [k for w, k in MIX for _ in range(w)]
    stop = time.perf_counter() + seconds
    results: list[tuple[str, float, bool, int | None]] = []
    lock = threading.Lock()

    def loop(user: User) -> None:
        mine = []
        while time.perf_counter() < stop:
            kind = "trivial" if trivial else user.rng.choice(kinds)
            t0 = time.perf_counter()
            kind, expected, closed_id, response = user.one(kind)
            ms = (time.perf_counter() - t0) * 1000
            mine.append((kind, ms, response.status_code == expected,
                         closed_id if response.status_code == expected else None))
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=loop, args=(u,)) for u in users]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    times = [ms for _, ms, _, _ in results]
    return {
        "requests": len(results), "ok": sum(1 for r in results if r[2]),
        "rps": len(results) / elapsed, "median": statistics.median(times),
        "p95": _percentile(times, 0.95),
        "per_kind": {k: _percentile([ms for kk, ms, _, _ in results if kk == k], 0.95)
                     for k in sorted({r[0] for r in results})},
        "closed": [r[3] for r in results if r[3] is not None],
    }


def start_gunicorn(workers: int, env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--worker-class", "sync", "--timeout", "120", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def server_env(app_url: str, redis_url: str) -> dict:
    from cryptography.fernet import Fernet

    env = dict(os.environ)
    env.update({
        "PLOMBA_ENV": "production", "DATABASE_URL": app_url, "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-" + os.urandom(16).hex(),
        # The bench companies' producers keep their keys under the development key; nothing
        # here decrypts them (no worker runs), so any valid key does.
        "PLOMBA_SECRETS_KEY": env.get("PLOMBA_SECRETS_KEY") or Fernet.generate_key().decode(),
        "PUBLIC_BASE_URL": "https://plomba.test", "TRUSTED_HOSTS": "127.0.0.1",
        # One address signs every virtual user in: the per-address limit would stop the run.
        "LOGIN_RATE_LIMIT": "100000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "100000 per hour",
    })
    return env


def count_closed(owner_url: str, ids: list[int]) -> int:
    from sqlalchemy import bindparam, create_engine, text

    if not ids:
        return 0
    engine = create_engine(owner_url)
    with engine.connect() as conn:
        n = conn.scalar(text("SELECT count(*) FROM service_order WHERE id IN :ids "
                             "AND status = 'closed'").bindparams(
            bindparam("ids", expanding=True)), {"ids": ids})
    engine.dispose()
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="PostgreSQL URL of the owner")
    parser.add_argument("--generate", action="store_true",
                        help="write --companies bench companies first (into an empty database)")
    parser.add_argument("--companies", type=int, default=10)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4", help="gunicorn worker counts")
    parser.add_argument("--levels", default="1,2,4,8,16", help="concurrent virtual users")
    parser.add_argument("--seconds", type=float, default=20.0, help="per level")
    parser.add_argument("--only-companies", type=int, default=0,
                        help="send the load to the first K companies only (0: all)")
    args = parser.parse_args(argv)

    from bench.generate import PASSWORD, generate
    from bench.latency import as_app_role
    from tests.services import free_port, start_redis

    if args.generate:
        for n in range(args.companies):
            t0 = time.perf_counter()
            result = generate(args.database_url, orders=args.orders, devices=args.orders // 5,
                              clients=args.orders // 10, seed=2024 + n, upgrade=(n == 0))
            print(f"company {n + 1}/{args.companies}: tenant {result['tenant_id']}, "
                  f"{result['counts'].get('service_order', 0)} orders in "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
    companies = load_companies(args.database_url)
    assert companies, "no bench company in the database: run with --generate"
    if args.only_companies:
        companies = companies[:args.only_companies]
    app_url = as_app_role(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="plomba-load-"))
    redis = start_redis(workdir / "redis")
    print(f"{len(companies)} companies, "
          f"{sum(len(c.closable) for c in companies)} closable orders; "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    print("| gunicorn workers | users | route | requests | ok | req/s | median ms | p95 ms |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    failures = 0
    notes: list[str] = []
    try:
        for workers in [int(w) for w in args.workers.split(",")]:
            port = free_port()
            server = start_gunicorn(workers, server_env(app_url, redis.url), port)
            try:
                for level in [int(x) for x in args.levels.split(",")]:
                    users = [User(f"http://127.0.0.1:{port}", companies[i % len(companies)],
                                  random.Random(1000 * workers + i)) for i in range(level)]
                    for user in users:
                        user.sign_in(PASSWORD)
                    for trivial in (True, False):
                        r = run_level(users, args.seconds, trivial)
                        closed = count_closed(args.database_url, r["closed"])
                        bad = r["requests"] - r["ok"] + len(r["closed"]) - closed
                        failures += bad
                        route = "trivial (/o-programie)" if trivial else "office mix"
                        print(f"| {workers} | {level} | {route} | {r['requests']} | {r['ok']} | "
                              f"{r['rps']:.0f} | {r['median']:.1f} | {r['p95']:.1f} |",
                              flush=True)
                        if not trivial:
                            kinds = ", ".join(f"{k} {v:.0f}" for k, v in r["per_kind"].items())
                            notes.append(f"- {workers} workers, {level} users: p95 ms by kind: "
                                         f"{kinds}; {closed} of {len(r['closed'])} closes "
                                         f"closed in the database")
                    for user in users:
                        user.http.close()
            finally:
                stop(server)
    finally:
        redis.stop()
    print("\n".join(["", *notes]))
    print(f"failed requests or closes: {failures}; load {os.getloadavg()[0]:.2f}")
    assert failures == 0, f"{failures} requests or closes failed"
    return 0


if __name__ == "__main__":
    sys.exit(main())
