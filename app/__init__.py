"""Plomba: service orders and RZS registry transmissions for fiscal-device service companies."""

from importlib.metadata import PackageNotFoundError, version

from flask import Flask, g, render_template
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app import audit, prepared_statements, tenancy  # noqa: F401 - registers its event
from app.config import Config, config_from_env, trusted_hosts
from app.devices import town  # noqa: F401 - keeps devices' towns after every flush
from app.extensions import csrf, db, limiter, login_manager, mail, migrate

try:
    __version__ = version("plomba")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"


def create_app(config: type[Config] | dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    base = config_from_env()
    overrides: dict = {}
    if isinstance(config, dict):
        overrides = config
    elif config is not None:
        base = config
    app.config.from_object(base)
    app.config.update(overrides)
    base.check(app.config)
    if not app.testing:  # tests keep pytest's log capture as it is
        from app import logs

        logs.configure(app.config["LOG_FORMAT"])
    # Any other Host is refused (400) before a view runs: nothing can be built on it.
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    # Sign-in keeps working (limited per process) when Redis is briefly away.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # pool_pre_ping is pointless on a file; SQLite needs its own pragmas (see _sqlite_pragmas)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}

    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        # X-Forwarded-Host is not believed (x_host=0): the proxy passes the Host it got, which
        # TRUSTED_HOSTS checks, and links in mail never depend on it (app/links.py).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        _sqlite_pragmas(db.engine)

    from app import inputs

    inputs.register(app)
    _register_blueprints(app)
    if app.config.get("ENV_NAME") == "development" and app.config.get("MAIL_SUPPRESS_SEND"):
        from app.mailer import print_suppressed_mail

        print_suppressed_mail(app)

    # The job layer's after_commit hook enqueues what a commit left to send, in every process.
    import workers.jobs  # noqa: F401
    from app import cli, formatting, htmx, nav, security
    from app.orders import access

    cli.register(app)
    formatting.register(app)
    app.jinja_env.globals["nav_sections"] = nav.nav_sections
    app.jinja_env.globals["may_batch_send"] = access.may_batch_send
    security.register(app)
    htmx.register(app)
    _register_request_hooks(app)
    _register_error_pages(app)
    app.jinja_env.globals["app_version"] = __version__
    return app


# The modules that attach views to their package's blueprint. They are imported here and only
# here: a package's __init__ holds just its `bp`, so importing a domain module of the package
# (app.orders.workflow, app.reports.queries) loads no view.
VIEW_MODULES = (
    "app.auth.routes", "app.auth.account", "app.auth.signup", "app.main.routes",
    "app.catalog.routes", "app.parties.routes", "app.devices.routes", "app.technicians.routes",
    "app.orders.routes", "app.transmissions.routes", "app.reports.routes", "app.admin.routes",
    "app.admin.users", "app.mailings.routes", "app.platform.routes", "app.health.routes",
    "app.auth.legal", "app.auth.invitation", "app.admin.company_nip",
    "app.platform.catalogue", "app.parties.catalogue_routes",
    "app.health.metrics",
    "app.inspections.routes",
    "app.imports.routes",
)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    for name in VIEW_MODULES:
        import_module(name)
    packages = dict.fromkeys(name.rsplit(".", 1)[0] for name in VIEW_MODULES)
    for package in packages:
        app.register_blueprint(import_module(package).bp)


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _sqlite_pragmas(engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()


def _register_request_hooks(app: Flask) -> None:
    from app.models import User

    @app.before_request
    def _enter_tenant():
        # Loading current_user here (Flask-Login) is what scopes the request to its tenant,
        # and names the user of its audit entries (an operator is none of the tenant's users).
        user = current_user._get_current_object()
        tenant_id = getattr(user, "tenant_id", None) if user.is_authenticated else None
        g._tenant_token = tenancy.set_tenant(tenant_id)
        g._actor_token = audit.act_as(user.id if isinstance(user, User) else None)

    @app.teardown_request
    def _leave_tenant(_exc):
        token = g.pop("_tenant_token", None)
        if token is not None:
            tenancy.reset_tenant(token)
        token = g.pop("_actor_token", None)
        if token is not None:
            audit.reset_actor(token)


def _register_error_pages(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(400)
    def bad_request(_e):
        # Also a Host outside TRUSTED_HOSTS: such a request has no URL adapter, so the page
        # stands alone (no url_for) and names no host.
        return render_template(
            "errors/standalone.html", code=400, title="Nieprawidłowe żądanie",
            message="Przeglądarka wysłała żądanie, którego nie rozumiemy. Otwórz stronę od nowa "
                    "z adresu Plomby."), 400

    @app.errorhandler(404)
    def not_found(_e):
        return page(404, "Nie znaleziono", "Nie ma takiej strony albo nie masz do niej dostępu.")

    @app.errorhandler(403)
    def forbidden(_e):
        return page(403, "Brak uprawnień", "Twoja rola nie pozwala na tę czynność.")

    @app.errorhandler(CSRFError)
    def csrf_error(_e):
        return page(
            403,
            "Formularz wygasł",
            "Formularz stracił ważność (brak tokenu bezpieczeństwa). Odśwież stronę i spróbuj "
            "ponownie.",
        )

    @app.errorhandler(405)
    def method_not_allowed(_e):
        return page(405, "Niedozwolona metoda", "Ta strona nie obsługuje takiego żądania.")

    @app.errorhandler(429)
    def too_many(_e):
        return page(429, "Zbyt wiele prób", "Zbyt wiele prób w krótkim czasie. Odczekaj minutę.")

    @app.errorhandler(500)
    def server_error(_e):
        # The request failed half-way: its transaction may be aborted (PostgreSQL), its tenant
        # unset, its user expired. So this page reads nothing from the database: no layout with
        # the menu and the user's name, only a page of its own. If even that fails, a fixed text.
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection itself may be what broke
            app.logger.exception("rollback after a server error failed")
        try:
            return render_template("errors/standalone.html", code=500, title="Błąd serwera",
                                   message="Coś poszło nie tak po naszej stronie. Spróbuj "
                                           "ponownie za chwilę."), 500
        except Exception:  # noqa: BLE001
            app.logger.exception("the error page failed")
            return SERVER_ERROR_TEXT, 500, {"Content-Type": "text/plain; charset=utf-8"}


SERVER_ERROR_TEXT = ("Błąd serwera. Coś poszło nie tak po naszej stronie. "
                     "Spróbuj ponownie za chwilę.")
