"""Report exports on the 100k-order tenant (issue 6): time and peak memory of CSV and XLSX of
50,000 rows and of PDF of 2,000 and 10,000 rows.

Each measurement runs in its own subprocess so its peak RSS (VmHWM) is its own; the
figure includes the interpreter and the app (the "baseline" column is the RSS before the
export). The date range is chosen by the report's COUNT query so that the "Usługi ze zleceń"
report has at least the wanted rows; the renderers then take the first N of them.

    python -m bench.reports --database-url sqlite:////tmp/bench.db [--generate]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

CASES = [("csv", 50_000), ("xlsx", 50_000), ("pdf", 2_000), ("pdf", 10_000)]
TARGETS = {("csv", 50_000): "< 1 s, < 200 MB", ("xlsx", 50_000): "< 4 s, < 200 MB",
           ("pdf", 2_000): "", ("pdf", 10_000): "≤ 6 × 2,000 rows"}


def _rss_mb() -> float:
    """Peak RSS of this process so far. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across
    fork and exec, so a subprocess would report its parent's peak if that was higher."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _app(url: str):
    os.environ.setdefault("PLOMBA_ENV", "development")
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "redis://127.0.0.1:1/0"})


def _params_for(rows: int):
    """A range ending at the newest item whose report has at least `rows` rows."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import OrderItem
    from app.reports import queries
    from app.reports.params import ReportParams

    last = db.session.scalar(select(func.max(OrderItem.performed_on)))
    days = 30
    while True:
        params = ReportParams("services", last - timedelta(days=days), last)
        if queries.count(params) >= rows or days > 365 * 6:
            return params
        days = int(days * 1.5)


def measure_one(url: str, fmt: str, rows: int) -> dict:
    """In this process: render `rows` rows as `fmt` to a temporary file."""
    import tempfile

    from app import tenancy
    from app.models import Tenant
    from app.reports import export, queries

    app = _app(url)
    with app.app_context():
        from app.extensions import db

        with tenancy.all_tenants():
            tenant_id = db.session.scalar(db.select(Tenant.id).order_by(Tenant.id))
        with tenancy.use_tenant(tenant_id):
            params = _params_for(rows)
            available = queries.count(params)
            original = queries.rows
            queries.rows = lambda p, **kw: itertools.islice(original(p, **kw), rows)
            baseline = _rss_mb()
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"report.{fmt}"
                started = time.perf_counter()
                export.export_to_file(params, fmt, path)
                seconds = time.perf_counter() - started
                size = path.stat().st_size
    return {"fmt": fmt, "rows": min(rows, available), "seconds": round(seconds, 2),
            "peak_rss_mb": round(_rss_mb(), 1), "baseline_rss_mb": round(baseline, 1),
            "file_kb": size // 1024, "range": f"{params.date_from}..{params.date_to}"}


PREVIEWS = [
    ("Usługi ze zleceń, 1 month", "kind=services&date_from=2026-10-01&date_to=2026-10-31"),
    ("Usługi ze zleceń, 1 year, by producer",
     "kind=services&date_from=2025-11-01&date_to=2026-10-31&by_producer=y"),
    ("Usługi ze zleceń, 1 year, by producer, page 150",
     "kind=services&date_from=2025-11-01&date_to=2026-10-31&by_producer=y", 150),
    ("Dane Kas, 1 year", "kind=devices&date_from=2025-11-01&date_to=2026-10-31"),
]


def _page_url(client, query: str, page: int) -> tuple[str, int]:
    """The URL of page `page` (or of the last page, if there are fewer) and its number, reached
    as a user does: "Następna" from the first page (keyset pages: the link carries the cursor
    and the counts)."""
    import html
    import re

    url, reached = f"/raporty/podglad?{query}", 1
    while reached < page:
        body = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        following = re.search(r'<a href="([^"]+)"[^>]*>Następna', body)
        if following is None:
            break
        url, reached = html.unescape(following.group(1)), reached + 1
    return url, reached


def preview_latency(url: str, n: int = 15) -> None:
    """Podgląd (htmx partial, 100 rows a page) through the whole Flask stack in-process."""
    import re
    import statistics

    from bench.generate import PASSWORD

    os.environ.setdefault("PLOMBA_ENV", "development")
    from app import create_app, heap

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": "redis://127.0.0.1:1/0", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert response.status_code == 303, "sign-in failed: run with --generate first"
    heap.settle()  # this process serves as a gunicorn worker does (wsgi.py)
    print("\n| preview | rows | requests ok | median ms | p95 ms | max ms |\n"
          "|---|---:|---:|---:|---:|---:|")
    for label, query, *page in PREVIEWS:
        target, reached = (_page_url(client, query, page[0]) if page
                           else (f"/raporty/podglad?{query}", 1))
        times, ok = [], 0
        for _ in range(n):
            started = time.perf_counter()
            response = client.get(target, headers={"HX-Request": "true"})
            times.append((time.perf_counter() - started) * 1000)
            body = response.get_data(as_text=True)
            assert response.status_code == 200 and "<td class=\"num\">" in body, label
            assert reached == 1 or f"strona {reached} z" in body, label
            ok += 1
        total = re.search(r"Pozycji: (\d+)", body).group(1)
        p95 = sorted(times)[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        if page and reached != page[0]:
            label = f"{label} (the last page: {reached})"
        print(f"| {label} | {int(total):,} | {ok} of {n} | {statistics.median(times):.0f} "
              f"| {p95:.0f} | {max(times):.0f} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--generate", action="store_true", help="write the bench tenant first")
    parser.add_argument("--previews-only", action="store_true",
                        help="only the Podgląd latencies (no export subprocesses)")
    parser.add_argument("-n", type=int, default=15, help="requests per Podgląd case")
    parser.add_argument("--one", nargs=2, metavar=("FORMAT", "ROWS"), help=argparse.SUPPRESS)
    parser.add_argument("--app-role", action="store_true",
                        help="PostgreSQL: measure as a role that owns no table (row-level "
                             "security on), as production runs; see bench.latency")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.database_url, args.one[0], int(args.one[1]))))
        return 0
    if args.generate:
        from bench.generate import generate

        generate(args.database_url)
    else:  # the schema at head, for a database generated before the newest migrations
        app = _app(args.database_url)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    if args.app_role:
        from bench.latency import as_app_role

        args.database_url = as_app_role(args.database_url)
    if args.previews_only:
        preview_latency(args.database_url, args.n)
        return 0
    dialect = args.database_url.split(":", 1)[0]
    print(f"| report ({dialect}) | rows | seconds | peak RSS MB | RSS before export MB "
          f"| file KB | target |")
    print("|---|---:|---:|---:|---:|---:|---|")
    results = {}
    for fmt, rows in CASES:
        out = subprocess.run([sys.executable, "-m", "bench.reports", "--database-url",
                              args.database_url, "--one", fmt, str(rows)],
                             check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results[(fmt, rows)] = r
        print(f"| {fmt.upper()} | {r['rows']:,} | {r['seconds']:.2f} | {r['peak_rss_mb']:.0f} "
              f"| {r['baseline_rss_mb']:.0f} | {r['file_kb']:,} | {TARGETS[(fmt, rows)]} |")
        sys.stdout.flush()
    ratio = results[("pdf", 10_000)]["seconds"] / results[("pdf", 2_000)]["seconds"]
    print(f"\nPDF 10,000 / 2,000 rows: {ratio:.1f} × the time")
    preview_latency(args.database_url, args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
