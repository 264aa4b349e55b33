"""Plomba: service orders and RZS registry transmissions for fiscal-device service companies."""

from importlib.metadata import PackageNotFoundError, version

from flask import Flask, g, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from app import tenancy
from app.config import Config, config_from_env
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
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        _sqlite_pragmas(db.engine)

    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.catalog import bp as catalog_bp
    from app.devices import bp as devices_bp
    from app.mailings import bp as mailings_bp
    from app.main import bp as main_bp
    from app.orders import bp as orders_bp
    from app.parties import bp as parties_bp
    from app.platform import bp as platform_bp
    from app.reports import bp as reports_bp
    from app.technicians import bp as technicians_bp
    from app.transmissions import bp as transmissions_bp

    for blueprint in (auth_bp, main_bp, catalog_bp, parties_bp, devices_bp, technicians_bp,
                      orders_bp, transmissions_bp, reports_bp, admin_bp, mailings_bp,
                      platform_bp):
        app.register_blueprint(blueprint)

    from app import cli, formatting, security

    cli.register(app)
    formatting.register(app)
    security.register(app)
    _register_request_hooks(app)
    _register_error_pages(app)
    app.jinja_env.globals["app_version"] = __version__
    return app


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
    @app.before_request
    def _enter_tenant():
        # Loading current_user here (Flask-Login) is what scopes the request to its tenant.
        user = current_user
        tenant_id = getattr(user, "tenant_id", None) if user.is_authenticated else None
        g._tenant_token = tenancy.set_tenant(tenant_id)

    @app.teardown_request
    def _leave_tenant(_exc):
        token = g.pop("_tenant_token", None)
        if token is not None:
            tenancy.reset_tenant(token)

    @app.after_request
    def _vary_on_htmx(response):
        if request.headers.get("HX-Request"):
            response.vary.add("HX-Request")
        return response


def _register_error_pages(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        return render_template("errors/error.html", code=code, title=title, message=message), code

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
        db.session.rollback()
        return page(500, "Błąd serwera", "Coś poszło nie tak po naszej stronie. "
                    "Spróbuj ponownie za chwilę.")
