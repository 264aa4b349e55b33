"""The SQL behind one screen, as production runs it: the statements one request sends (their
count), and each one's EXPLAIN (ANALYZE, BUFFERS) as the application role with row-level
security on, under the same tenant settings (docs/sql-plans.md is made of its output).

    python -m bench.explain --database-url postgresql+psycopg://postgres@HOST:PORT/db \\
        "/klienci?q=Jankowski" ["/urzadzenia?q=Ergo" ...]

The URL's user (the owner) grants the role, as bench.latency --app-role does; the bench tenant
of bench.generate must be there. Each statement is explained after two warm-up runs.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    os.environ.setdefault("PLOMBA_ENV", "development")
    from sqlalchemy import create_engine, event

    from app import create_app
    from app.extensions import db
    from bench.generate import PASSWORD
    from bench.latency import as_app_role

    url = as_app_role(args.database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": "redis://127.0.0.1:1/0", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.com", "password": PASSWORD})
    assert response.status_code == 303, "sign-in failed: run bench.generate first"
    sent: list[tuple[str, object]] = []
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _record(_conn, _cursor, statement, parameters, _context, _many):
        sent.append((statement, parameters))

    explainer = create_engine(url)
    for path in args.paths:
        client.get(path)
        sent.clear()
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        print(f"## GET {path}\n\n{len(sent)} statements.\n")
        with explainer.connect() as conn:
            for statement, parameters in sent:
                if "set_config" in statement:  # the tenant settings the policies read
                    conn.exec_driver_sql(statement, parameters)
                    continue
                if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                explain = "EXPLAIN (ANALYZE, BUFFERS) " + statement
                for _ in range(2):
                    conn.exec_driver_sql(explain, parameters)
                plan = conn.exec_driver_sql(explain, parameters).scalars().all()
                print(f"```sql\n{statement.strip()}\n-- {parameters!r}\n```\n\n```\n"
                      + "\n".join(plan) + "\n```\n")
    explainer.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
