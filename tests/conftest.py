"""Fixtures: one app per session on SQLite (default) or PostgreSQL (TEST_DATABASE_URL),
migrated with Alembic; a real Redis (TEST_REDIS_URL, or one started here); every test starts
from empty tables."""

import os
import shutil
import threading
from pathlib import Path

import pytest
import redis as redis_lib
from sqlalchemy import create_engine, make_url, text
from werkzeug.serving import make_server

from app import clock, create_app
from app.config import TestingConfig
from app.extensions import db
from tests import factories
from tests.services import APP_ROLE, grant_app_role, start_redis

# The suite lives on a set date, never on today's: the default is an ordinary weekday late in
# a year, and CI runs the suite once more on 2 January 2027 (PLOMBA_TEST_NOW) to catch rules that
# assume the year of the data is the current one. Worker subprocesses inherit the setting.
DEFAULT_TEST_NOW = "2026-11-16T10:00:00+01:00"
os.environ.setdefault(clock.TEST_NOW_ENV, DEFAULT_TEST_NOW)
clock.set_now(clock.parse_instant(os.environ[clock.TEST_NOW_ENV]))


# scripts/test.sh runs the suite in passes (PLOMBA_TEST_PASS): "sqlite" takes every test but
# the browser's, "postgres" the tests that touch the database (those that use the `app`
# fixture), the browser tests included, and "clock" repeats the "sqlite" pass on another date.
# So a test that needs no database, and a browser test, runs once per run. The "clock" pass
# leaves out the modules marked `timeless` (the emulator's, the fuzz, the import walks: nothing
# in them reads the business date), which kept the third pass from costing as much as the first.
# Unset: every test.
TEST_PASS_ENV = "PLOMBA_TEST_PASS"


def pytest_collection_modifyitems(config, items):
    mode = os.environ.get(TEST_PASS_ENV)
    if not mode:
        return
    if mode not in ("sqlite", "postgres", "clock"):
        raise pytest.UsageError(f"{TEST_PASS_ENV}={mode!r}: expected sqlite, postgres or clock")
    keep, drop = [], []
    for item in items:
        if mode == "postgres":
            wanted = "app" in item.fixturenames
        else:
            wanted = item.get_closest_marker("e2e") is None
            if mode == "clock" and item.get_closest_marker("timeless") is not None:
                wanted = False
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'plomba-test.db'}"


# On PostgreSQL the application connects as a role that owns no tables, as in production, so
# row-level security is on in every test; the schema is made (and emptied) by the owner.
_owner_engine = None


@pytest.fixture(scope="session")
def app(database_url, redis_url, tmp_path_factory):
    global _owner_engine
    config = dict(REDIS_URL=redis_url, RATELIMIT_STORAGE_URI=redis_url,
                  EXPORT_DIR=str(tmp_path_factory.mktemp("exports")))
    if database_url.startswith("postgresql"):
        owner_app = create_app(_config(SQLALCHEMY_DATABASE_URI=database_url, **config))
        with owner_app.app_context():
            _fresh_schema()
            _grant_app_role()
        _owner_engine = create_engine(database_url)
        database_url = make_url(database_url).set(username=APP_ROLE).render_as_string(
            hide_password=False)
    app = create_app(_config(SQLALCHEMY_DATABASE_URI=database_url, **config))
    if _owner_engine is None:
        with app.app_context():
            _fresh_schema()
    return app


def _grant_app_role() -> None:
    with db.engine.begin() as conn:
        grant_app_role(conn, APP_ROLE)


def _config(**overrides) -> dict:
    cfg = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    cfg.update(overrides)
    return cfg


def _fresh_schema() -> None:
    """Drop whatever an earlier run left and build the schema with the real migrations."""
    from flask_migrate import upgrade

    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            db.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))


@pytest.fixture(autouse=True)
def _empty_tables(request):
    """Each test that touches the app starts and ends with empty tables; a module marked
    `tables_per_module` (read-only walks over one set of records) empties them itself, once."""
    if "app" not in request.fixturenames or request.node.get_closest_marker("tables_per_module"):
        yield
        return
    app = request.getfixturevalue("app")
    yield
    empty_tables(app)


def empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with (_owner_engine or db.engine).begin() as conn:
            if conn.dialect.name == "postgresql":
                _empty_postgres(conn)
            else:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())


def _empty_postgres(conn) -> None:
    """TRUNCATE costs new files for every table and index, and its CASCADE reaches every table
    that refers to a tenant: 0.1-0.2 s after every test. The tables a test wrote to hold a
    handful of rows, so they are found (one query) and emptied with DELETE, children first;
    the sequences a test moved are restarted, as TRUNCATE ... RESTART IDENTITY did (ids start
    at 1 again)."""
    probes = " UNION ALL ".join(
        f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")"
        for t in db.metadata.sorted_tables)
    written = set(conn.scalars(text(probes)))
    for table in reversed(db.metadata.sorted_tables):
        if table.name in written:
            conn.execute(table.delete())
    # pg_sequences shows last_value NULL for a sequence not used since its last restart;
    # setval(..., false) is what RESTART does without ALTER's catalog change.
    conn.execute(text("SELECT setval(format('%I', sequencename), 1, false) FROM pg_sequences "
                      "WHERE schemaname = 'public' AND last_value IS NOT NULL"))


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def redis_client(redis_url):
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tenant_a(app):
    with app.app_context():
        return factories.make_tenant("Serwis Alfa", "1234563218", "owner@alfa.pl")


@pytest.fixture
def tenant_b(app):
    with app.app_context():
        return factories.make_tenant("Serwis Beta", "5260250274", "owner@beta.pl")


@pytest.fixture
def ids(app, tenant_a):
    """Tenant A with one record of every kind, inside its tenant and an app context: for
    tests that call the domain directly, as the CLI, jobs and the API do."""
    from app import tenancy

    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        with tenancy.use_tenant(tenant_a.id):
            yield ids
            db.session.rollback()


@pytest.fixture
def login(client):
    def do_login(email: str, password: str = factories.PASSWORD):
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 303, response.data.decode()[:500]
        return client

    return do_login


# --- a real browser (Debian's Chromium driven by Playwright) against the app served from a
# thread on loopback; `playwright install` cannot download here, so the system Chromium is used.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="pl-PL", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors
    yield page
    context.close()


# --- a real SMTP sink (aiosmtpd) on loopback ----------------------------------------------------

class SmtpSink:
    def __init__(self):
        import email
        from email import policy

        self.messages: list = []
        self.refuse: str | None = None  # "550 ..." makes the sink refuse the next DATA
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                if sink.refuse:
                    reply, sink.refuse = sink.refuse, None
                    return reply
                sink.messages.append(email.message_from_bytes(envelope.content,
                                                              policy=policy.default))
                return "250 Message accepted"

        from aiosmtpd.controller import Controller

        from tests.services import free_port

        self.host, self.port = "127.0.0.1", free_port()
        self.controller = Controller(Handler(), hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    yield sink
    sink.stop()
