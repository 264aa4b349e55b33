"""Issue 16: the daily reminders run over a 20,000-device company with 2,000 reminders due,
sent to a real SMTP sink (aiosmtpd on loopback), its time and peak memory; then the Przeglądy
list's server time (p95 under 25 ms asked) with its filters and a deep keyset page.

    python -m bench.inspections --database-url sqlite:////tmp/bench-insp.db --generate
    python -m bench.inspections --database-url "$(cat /tmp/pgb.url)" --generate --app-role

--generate writes the bench company first (bench/generate.py; --orders 20000 by default here,
20,000 devices). The bench then moves due dates so that exactly --reminders active devices of
clients with consent and an address fall within the first reminder's 30 days (the others
out of it), turns reminders on with the company's SMTP server aimed at the sink, runs
`reminders.run_all` twice (the second must send nothing) and asserts the sink received
exactly --reminders messages.

Where a view's time goes (statements per request, SQL / template / other / CPU ms), and the
plan of every statement as the connecting role (EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL):

    python -m bench.inspections --database-url URL [--app-role] --list-only --profile \
        [--explain] [--cprofile "all due"] -n 30"""

from __future__ import annotations

import argparse
import os
import random
import resource
import socket
import sys
import time
from datetime import timedelta

from bench.latency import as_app_role


class Sink:
    """aiosmtpd on a free loopback port, counting what it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.count = 0
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                sink.count += 1
                return "250 Message accepted"

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


def route_smtp_to(sink: Sink) -> None:
    """The company may only aim at ports 25/465/587 (app.outbound): its 587 on loopback is
    routed to the sink's port, as the tests' mail_server fixture does."""
    from app import outbound

    outbound.connect = lambda target, timeout=outbound.CONNECT_TIMEOUT: \
        socket.create_connection(("127.0.0.1", sink.port), timeout=timeout)


def prepare(owner_url: str, reminders: int) -> dict:
    """Due dates moved so exactly `reminders` reminders are due; the reminder rows emptied;
    reminders on, through 127.0.0.1:587. Done as the owner of the tables."""
    from sqlalchemy import create_engine, text

    from app import clock

    today = clock.today()
    engine = create_engine(owner_url)
    with engine.begin() as conn:
        tenant_id = conn.execute(text("SELECT id FROM tenant WHERE name = 'Bench Serwis'")) \
            .scalar_one()
        conn.execute(text("DELETE FROM reminder WHERE tenant_id = :t"), {"t": tenant_id})
        conn.execute(text(
            "UPDATE tenant SET smtp_host = '127.0.0.1', smtp_port = 587, smtp_security = 'none',"
            " smtp_sender = 'serwis@bench.test', reminder_days_first = 30,"
            " reminder_days_second = NULL, reminder_subject = :s, reminder_body = :b"
            " WHERE id = :t"),
            {"t": tenant_id, "s": "Przegląd {nr_unikatowy} do {termin}",
             "b": "Urządzenie {urzadzenie} w {miejsce}: przegląd do {termin}. {telefon_firmy}"})
        # Whatever fell within the next 30 days moves 60 days on, out of the window.
        conn.execute(text(
            "UPDATE device SET next_inspection_due = next_inspection_due + 60 "
            "WHERE tenant_id = :t AND next_inspection_due >= :a AND next_inspection_due <= :b")
            if conn.dialect.name == "postgresql" else text(
            "UPDATE device SET next_inspection_due = date(next_inspection_due, '+60 days') "
            "WHERE tenant_id = :t AND next_inspection_due >= :a AND next_inspection_due <= :b"),
            {"t": tenant_id, "a": today, "b": today + timedelta(days=30)})
        chosen = conn.execute(text(
            "SELECT d.id FROM device d JOIN party p ON p.id = d.client_id "
            "WHERE d.tenant_id = :t AND d.status != 'liquidated' "
            "AND d.next_inspection_due IS NOT NULL AND p.reminder_consent AND p.email != '' "
            "ORDER BY d.id LIMIT :n"), {"t": tenant_id, "n": reminders}).scalars().all()
        assert len(chosen) == reminders, f"only {len(chosen)} devices can be reminded"
        for i, device_id in enumerate(chosen):
            conn.execute(text("UPDATE device SET next_inspection_due = :d WHERE id = :i"),
                         {"d": today + timedelta(days=i % 31), "i": device_id})
    # The moves above left a dead version of thousands of device rows, which autovacuum
    # clears within a minute or two of such a change; cleared here, so that the list is not
    # measured while autovacuum works through them (it made the later views of a run 10 ms
    # slower than the same views a few minutes on). SQLite has no autovacuum: statistics.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()
    return {"tenant_id": tenant_id}


def analyze(owner_url: str) -> None:
    """Statistics after the reminders run. prepare() emptied the reminder table and analyzed
    it empty; the run then wrote 2,000 rows in seconds, which autovacuum's next analyze (within
    a minute) would count. Until then the planner plans the list's reminder conditions for an
    empty table: measured, the technician and "not reminded" views took 1.3-1.9x as long as the
    same views a minute later. A company's table grows by a day's reminders on top of what it
    holds; emptying it first is the bench's own doing, so the bench analyzes after it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(owner_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def run_daily(app, sink: Sink, expected: int) -> list[str]:
    from app.inspections import reminders

    lines = []
    with app.app_context():
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        first = reminders.run_all()
        first_s = time.perf_counter() - started
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        second = reminders.run_all()
        second_s = time.perf_counter() - started
    assert (first.planned, first.sent, first.failed, first.retry) == (expected, expected, 0, 0), \
        first
    assert second.sent == 0 and second.planned == 0, second
    assert sink.count == expected, sink.count
    lines.append(f"| first run: planned {first.planned}, sent {first.sent}, sink received "
                 f"{sink.count} | {first_s:.1f} s | {expected / first_s:.0f} mails/s | "
                 f"peak RSS {rss_after / 1024:.0f} MiB (+{(rss_after - rss_before) / 1024:.0f}) |")
    lines.append(f"| second run: planned {second.planned}, sent {second.sent} | "
                 f"{second_s:.2f} s | | |")
    return lines


def _signed_in(app):
    from bench.generate import PASSWORD

    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert response.status_code == 303, "sign-in failed"
    return client


def list_scenarios(app, client) -> list[tuple[str, object, object]]:
    """(label, url factory, who asks) for every view of the list the bench times."""
    import re

    from sqlalchemy import select

    from app import tenancy
    from app.extensions import db
    from app.models import Party, Technician

    with app.app_context(), tenancy.all_tenants():
        tenant_id = db.session.scalar(select(Party.tenant_id).limit(1))
    with app.app_context(), tenancy.use_tenant(tenant_id):
        producers = db.session.scalars(select(Party.id).where(Party.is_producer.is_(True))).all()
        technicians = db.session.scalars(select(Technician.id)).all()
        cities = db.session.scalars(select(Party.city).where(Party.is_client.is_(True))
                                    .distinct().limit(50)).all()
    # A deep page: the cursor after following "next" 40 times (2,000 devices in).
    url, deep = "/przeglady", None
    for _ in range(40):
        html = client.get(url).get_data(as_text=True)
        found = re.search(r'href="([^"]+)"[^>]*rel="next"', html)
        if not found:
            break
        url = deep = found.group(1).replace("&amp;", "&")
    assert deep, "no next page"
    rng = random.Random(16)
    scenarios = [
        ("(scale) trivial route: GET /o-programie", lambda: "/o-programie"),
        ("(scale) device list by due date, page 1", lambda: "/urzadzenia?sort=due"),
        ("all due dates, page 1", lambda: "/przeglady"),
        ("overdue", lambda: "/przeglady?window=overdue"),
        ("due in 30 days", lambda: "/przeglady?window=30"),
        ("due in 90 days + producer", lambda: f"/przeglady?window=90&producer="
                                              f"{rng.choice(producers)}"),
        ("technician filter", lambda: f"/przeglady?technician={rng.choice(technicians)}"),
        ("city filter", lambda: f"/przeglady?city={rng.choice(cities)}"),
        ("not reminded + no open order", lambda: "/przeglady?reminded=no&ordered=no"),
        ("page 41 (keyset cursor)", lambda: deep),
    ]
    htmx = [("the rows alone (htmx: a filter change), due in 30 days",
             lambda: "/przeglady?window=30")]
    return [(*s, client) for s in scenarios] + [(*s, _Htmx(client)) for s in htmx]


def list_latency(app, n: int) -> list[str]:
    from app import heap
    from bench.latency import measure

    lines = []
    client = _signed_in(app)
    heap.settle()  # from here this process serves as a gunicorn worker does (wsgi.py)
    for label, urls, asking in list_scenarios(app, client):
        r = measure(asking, urls, n)
        verdict = "ok" if r["p95"] < 25 else "OVER 25 ms"
        lines.append(f"| {label} | {r['median']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | "
                     f"{verdict} |")
    return lines


class _Tally:
    """What one request costs, split by what does not depend on the machine's load (statements,
    rows fetched) and by where the wall time went: in the database driver (cursor execute and
    fetch), in templates (Flask's render signals), the rest (routing, ORM, Python)."""

    def __init__(self, engine, explain: bool = False):
        from flask import before_render_template, template_rendered
        from sqlalchemy import event

        self.engine, self.explain = engine, explain
        self.reset()
        self.plans: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_started"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            self.sql_s += time.perf_counter() - conn.info.pop("bench_started")
            self.statements += 1
            self.texts.append(statement)
            if self.explain and statement.lstrip().upper().startswith(("SELECT", "WITH")) \
                    and "set_config" not in statement:
                self.plans.append(_plan(conn, statement, parameters))

        def render_started(sender, template, context, **extra):
            self.render_started = time.perf_counter()

        def rendered(sender, template, context, **extra):
            self.render_s += time.perf_counter() - self.render_started

        self._handlers = [(before, "before_cursor_execute"), (after, "after_cursor_execute")]
        for fn, name in self._handlers:
            event.listen(engine, name, fn)
        before_render_template.connect(render_started)
        template_rendered.connect(rendered)
        self._signals = [(before_render_template, render_started),
                         (template_rendered, rendered)]

    def reset(self):
        self.sql_s = self.render_s = 0.0
        self.statements = 0
        self.texts: list[str] = []

    def close(self):
        from sqlalchemy import event

        for fn, name in self._handlers:
            event.remove(self.engine, name, fn)
        for signal, fn in self._signals:
            signal.disconnect(fn)


def _plan(conn, statement: str, parameters) -> str:
    """The statement's plan as this connection (the app role, its tenant settings) sees it:
    EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite. Run on a cursor of
    its own, so the application's result is untouched."""
    raw = conn.connection.driver_connection
    cursor = raw.cursor()
    try:
        if conn.dialect.name == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines = [r[0] for r in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            lines = [f"{'  ' * 0}{r[-1]}" for r in cursor.fetchall()]
    finally:
        cursor.close()
    return statement.strip() + "\n" + "\n".join("    " + line for line in lines)


def profile(app, n: int, explain: bool, cprofile: str | None) -> list[str]:
    """Per view: statements per request, SQL / template / other milliseconds (medians of n; SQL
    is the driver's execute, which on SQLite leaves most of the reading to the fetch, counted in
    other), this process's CPU milliseconds (less sensitive to a loaded machine than wall time),
    and with --explain the plan of every SELECT of one request; with --cprofile LABEL-PREFIX
    the top functions of that view by cumulative time."""
    import statistics

    from app import heap
    from app.extensions import db

    client = _signed_in(app)
    heap.settle()  # as wsgi.py does
    scenarios = list_scenarios(app, client)
    with app.app_context():
        engine = db.engine
    lines = ["| view | statements | SQL ms | template ms | other ms | total ms | CPU ms |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    plans: list[str] = []
    tally = _Tally(engine)
    try:
        for label, urls, asking in scenarios:
            for _ in range(5):
                assert asking.get(urls()).status_code == 200
            counts, sql, render, total, cpu = [], [], [], [], []
            for _ in range(n):
                tally.reset()
                started, cpu_started = time.perf_counter(), time.process_time()
                response = asking.get(urls())
                total.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
                assert response.status_code == 200, label
                counts.append(tally.statements)
                sql.append(tally.sql_s * 1000)
                render.append(tally.render_s * 1000)
            other = [t - s - r for t, s, r in zip(total, sql, render, strict=True)]
            med = statistics.median
            lines.append(f"| {label} | {min(counts)}-{max(counts)} | {med(sql):.1f} | "
                         f"{med(render):.1f} | {med(other):.1f} | {med(total):.1f} | "
                         f"{med(cpu):.1f} |")
            if explain:
                tally.explain, tally.plans = True, []
                asking.get(urls())
                tally.explain = False
                plans.append(f"### {label}\n" + "\n\n".join(tally.plans))
            if cprofile and label.startswith(cprofile):
                lines.append(_cprofile(asking, urls))
    finally:
        tally.close()
    return lines + [""] + plans


def _cprofile(asking, urls) -> str:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20):
        asking.get(urls())
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
    return "\n```\n" + out.getvalue() + "\n```\n"


class _Htmx:
    """The test client asking as htmx does (the rows' fragment)."""

    def __init__(self, client):
        self.client = client

    def get(self, url):
        return self.client.get(url, headers={"HX-Request": "true"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--generate", action="store_true")
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--reminders", type=int, default=2_000)
    parser.add_argument("--app-role", action="store_true",
                        help="PostgreSQL: run as a role that owns no table (row-level security)")
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--list-only", action="store_true",
                        help="only the list's latency (the data of an earlier run)")
    parser.add_argument("--profile", action="store_true",
                        help="with --list-only: per view, statements per request and where the "
                             "time goes (SQL, templates, the rest) instead of percentiles")
    parser.add_argument("--explain", action="store_true",
                        help="with --profile: the plan of every SELECT of one request per view "
                             "(EXPLAIN (ANALYZE, BUFFERS) on PostgreSQL, as the connecting role)")
    parser.add_argument("--cprofile", metavar="LABEL",
                        help="with --profile: cProfile 20 requests of the view whose label "
                             "starts with LABEL")
    args = parser.parse_args(argv)
    os.environ.setdefault("PLOMBA_ENV", "development")
    if args.generate:
        from bench.generate import generate

        generate(args.database_url, orders=args.orders, devices=20_000)
    if not args.list_only:
        prepare(args.database_url, args.reminders)
    url = as_app_role(args.database_url) if args.app_role else args.database_url
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": "redis://127.0.0.1:1/0", "RATELIMIT_ENABLED": False,
                      "RZS_ALLOW_PRIVATE_HOSTS": True, "PUBLIC_BASE_URL": "https://plomba.test"})
    sink = Sink()
    route_smtp_to(sink)
    dialect = url.split(":", 1)[0]
    try:
        if args.list_only and args.profile:
            for line in profile(app, args.n, args.explain, args.cprofile):
                print(line)
            raise SystemExit(0)
        if args.list_only:
            raise SystemExit(_list_only(app, args.n, url))
        print(f"| reminders run ({dialect}) | time | rate | memory |")
        print("|---|---:|---:|---|")
        for line in run_daily(app, sink, args.reminders):
            print(line)
        sys.stdout.flush()
    finally:
        sink.stop()
    analyze(args.database_url)
    print()
    print(f"| Przeglądy list ({dialect}, n={args.n}) | median ms | p95 ms | max ms | < 25 ms |")
    print("|---|---:|---:|---:|---|")
    for line in list_latency(app, args.n):
        print(line)
        sys.stdout.flush()
    return 0


def _list_only(app, n: int, url: str) -> int:
    dialect = url.split(":", 1)[0]
    print(f"| Przeglądy list ({dialect}, n={n}) | median ms | p95 ms | max ms | < 25 ms |")
    print("|---|---:|---:|---:|---|")
    for line in list_latency(app, n):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
