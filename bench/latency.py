"""Server time of the list and detail screens on the 100k-order tenant (issues 3 and 4).

Requests go through the whole Flask stack in-process (test client: routing, sign-in, tenancy,
queries, templates), so the figures are server time without a network. Each scenario runs a
warm-up, then N requests with varying arguments; a trivial route ("O programie") is measured in
the same run for scale.

    python -m bench.latency --database-url sqlite:////tmp/bench.db [--generate] [-n 300]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(client, urls, n: int, warmup: int = 20) -> dict:
    for url in (urls() for _ in range(warmup)):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(n):
        url = urls()
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {"median": statistics.median(times), "p95": _percentile(times, 0.95),
            "max": max(times)}


def scenarios(app, rng: random.Random) -> list[tuple[str, str, object]]:
    """(issue, label, url factory) for every figure the issues ask for."""
    from sqlalchemy import select

    from app import tenancy
    from app.extensions import db
    from app.listing import encode_cursor
    from app.models import Device, Order, Party, Technician

    with app.app_context(), tenancy.all_tenants():
        tenant_id = db.session.scalar(select(Party.tenant_id).limit(1))
    with app.app_context(), tenancy.use_tenant(tenant_id):
        uniques = db.session.scalars(select(Device.unique_no).limit(2000)).all()
        names = db.session.scalars(select(Party.name_key).where(Party.is_client.is_(True))
                                   .limit(500)).all()
        models = db.session.scalars(select(Device.model).distinct()).all()
        producers = db.session.scalars(select(Party.id).where(Party.is_producer.is_(True))).all()
        technicians = db.session.scalars(select(Technician.id)).all()
        order_ids = db.session.scalars(select(Order.id).limit(5000)).all()
        page_500_after = db.session.scalar(
            select(Device.id).order_by(Device.id.desc()).offset(499 * 50 - 1).limit(1))
    cursor = encode_cursor([page_500_after])

    def word(name: str) -> str:
        parts = [p for p in name.split() if len(p) > 4]
        return rng.choice(parts) if parts else name[:6]

    return [
        ("-", "trivial route: GET /o-programie", lambda: "/o-programie"),
        ("3", "device search by unique-number fragment",
         lambda: f"/urzadzenia?q={rng.choice(uniques)[3:10]}"),
        ("3", "device list, page 1", lambda: "/urzadzenia"),
        ("3", "device list, page 500 (keyset cursor)", lambda: f"/urzadzenia?after={cursor}"),
        ("3", "client list, page 1", lambda: "/klienci"),
        ("3", "client search by name fragment", lambda: f"/klienci?q={word(rng.choice(names))}"),
        ("15", "new order: client picker by name fragment",
         lambda: f"/klienci/opcje?q={word(rng.choice(names))}"),
        ("15", "new order: client picker by unique-number fragment",
         lambda: f"/klienci/opcje?q={rng.choice(uniques)[3:10]}"),
        ("15", "device search by model", lambda: f"/urzadzenia?q={rng.choice(models)}"),
        ("4", "orders: search by client name + status filter",
         lambda: f"/zlecenia/zamkniete?q={word(rng.choice(names))}&status=settled"),
        ("4", "orders: search by unique-number fragment + producer filter",
         lambda: f"/zlecenia/zamkniete?q={rng.choice(uniques)[3:10]}"
                 f"&producer_id={rng.choice(producers)}"),
        ("4", "orders: technician + book flag + date range filters",
         lambda: f"/zlecenia/zamkniete?technician_id={rng.choice(technicians)}&book=1"
                 f"&from=2024-01-01&to=2025-12-31"),
        ("4", "orders: current list, page 1", lambda: "/zlecenia"),
        ("4", "open an order page", lambda: f"/zlecenia/{rng.choice(order_ids)}"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--generate", action="store_true", help="write the bench tenant first")
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--app-role", action="store_true",
                        help="PostgreSQL: measure as a role that owns no table, as production "
                             "runs (row-level security on); the URL's user grants it")
    args = parser.parse_args(argv)
    os.environ.setdefault("PLOMBA_ENV", "development")
    if args.generate:
        from bench.generate import generate

        generate(args.database_url)
    from app import create_app, heap
    from bench.generate import PASSWORD

    if args.app_role:
        args.database_url = as_app_role(args.database_url)

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": "redis://127.0.0.1:1/0", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert response.status_code == 303, "sign-in failed: run with --generate first"
    heap.settle()  # this process serves as a gunicorn worker does (wsgi.py)
    rng = random.Random(7)
    dialect = args.database_url.split(":", 1)[0]
    print(f"| issue | scenario ({dialect}, n={args.n}) | median ms | p95 ms | max ms |")
    print("|---|---|---:|---:|---:|")
    for issue, label, urls in scenarios(app, rng):
        r = measure(client, urls, args.n)
        print(f"| {issue} | {label} | {r['median']:.1f} | {r['p95']:.1f} | {r['max']:.1f} |")
        sys.stdout.flush()
    return 0


def as_app_role(url: str) -> str:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from tests.services import APP_ROLE, grant_app_role

    owner = create_engine(url)
    with owner.begin() as conn:
        grant_app_role(conn)
    owner.dispose()
    return make_url(url).set(username=APP_ROLE).render_as_string(hide_password=False)


if __name__ == "__main__":
    sys.exit(main())
