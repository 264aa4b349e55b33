"""Settings from the environment. One class per deployment kind; create_app picks one."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("PLOMBA_INSTANCE_DIR", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _instance_secret(name: str, make) -> str:
    """A development secret kept in instance/ so that sessions and encrypted keys survive a
    restart of `make run`; production must set the variable instead."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        path.write_text(make())
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    ENV_NAME = "production"
    SECRET_KEY = os.environ.get("SECRET_KEY")
    PLOMBA_SECRETS_KEY = os.environ.get("PLOMBA_SECRETS_KEY")
    # Production names its database and Redis; only development and tests fall back to a
    # SQLite file and a local Redis (a production server silently on SQLite would lose data
    # the day its container is replaced).
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # Connections per process: a gunicorn sync worker serves one request at a time, and a
    # request holds at most two (its session, and the short one that records the browser's
    # last activity); an rq work horse runs one job. README "Connections" turns this into
    # PostgreSQL's max_connections. Development and tests keep SQLAlchemy's defaults (their
    # servers are threaded).
    SQLALCHEMY_ENGINE_OPTIONS = {
        "pool_pre_ping": True,
        "pool_size": int(os.environ.get("DATABASE_POOL_SIZE", "2")),
        "max_overflow": int(os.environ.get("DATABASE_MAX_OVERFLOW", "2")),
    }
    REDIS_URL = os.environ.get("REDIS_URL")

    # Cookies: Secure outside development, never readable by scripts, no cross-site POSTs.
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # A signed-in browser ends after this long unused (app/auth/sessions.py): a working day,
    # or the life of the remember cookie when "Zapamiętaj mnie" was ticked.
    SESSION_IDLE_LIMIT = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to believe (ProxyFix):
    # without it every user has the proxy's address, for the login limits and the session list.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Where users reach Plomba, e.g. https://plomba.example.pl: every link in a mail is built
    # on it (app/links.py), never on the Host a request claims.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL")
    # Host names the app answers to besides PUBLIC_BASE_URL's (comma-separated in the
    # environment); any other Host is a 400. create_app turns both into Flask's TRUSTED_HOSTS.
    TRUSTED_HOSTS = _env_list("TRUSTED_HOSTS")

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_I18N_ENABLED = False  # forms use WTForms' own Polish messages (PlForm)
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024

    # OWASP's scrypt parameters (N=2^17, r=8, p=1); tests lower them to stay fast.
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt:131072:8:1")
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Wrong passwords per account and client address, and per account from addresses it has
    # never signed in from (app/auth/login_limits.py): a stranger cannot lock the owner out.
    LOGIN_ACCOUNT_RATE_LIMIT = os.environ.get("LOGIN_ACCOUNT_RATE_LIMIT", "20 per hour")
    LOGIN_ACCOUNT_CEILING = os.environ.get("LOGIN_ACCOUNT_CEILING", "100 per hour")
    # Wrong current passwords on "Moje konto" per user, before the form stops checking.
    PASSWORD_CHECK_RATE_LIMIT = os.environ.get("PASSWORD_CHECK_RATE_LIMIT", "10 per hour")
    # Sign-ups and reset e-mails per client address: each one sends an e-mail.
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "10 per hour")
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per hour")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "plomba@localhost")

    # Producers' registries must be public https hosts; development and tests allow loopback.
    RZS_ALLOW_PRIVATE_HOSTS = _env_bool("RZS_ALLOW_PRIVATE_HOSTS", False)

    # Log lines (app/logs.py): `json`, one object a line with tenant, job and order, for the
    # log collector; `text` for a person reading a terminal (development's default).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    # A bearer token that lets a Prometheus scraper read /metrics without an operator's
    # session; unset, only a signed-in operator can (app/health/metrics.py).
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None

    REQUIRED = {"SECRET_KEY": "SECRET_KEY", "PLOMBA_SECRETS_KEY": "PLOMBA_SECRETS_KEY",
                "SQLALCHEMY_DATABASE_URI": "DATABASE_URL", "REDIS_URL": "REDIS_URL",
                "PUBLIC_BASE_URL": "PUBLIC_BASE_URL"}
    # Production serves over TLS only (the cookies are Secure), so its links are https too.
    PUBLIC_SCHEMES = ("https",)

    @classmethod
    def check(cls, config: dict) -> None:
        missing = [env for key, env in cls.REQUIRED.items() if not config.get(key)]
        if missing:
            raise RuntimeError(f"{', '.join(missing)} must be set in the environment "
                               f"(PLOMBA_ENV={cls.ENV_NAME})")
        cls.check_public_base_url(config)

    @classmethod
    def check_public_base_url(cls, config: dict) -> None:
        schemes = config.get("PUBLIC_SCHEMES", cls.PUBLIC_SCHEMES)
        base = urlsplit(config.get("PUBLIC_BASE_URL") or "")
        if base.scheme not in schemes or not base.hostname or base.query \
                or base.fragment or base.username or base.password:
            raise RuntimeError(
                f"PUBLIC_BASE_URL must be {' or '.join(schemes)}://host[:port][/path]"
                f" (PLOMBA_ENV={cls.ENV_NAME}), not {config.get('PUBLIC_BASE_URL')!r}")


def trusted_hosts(config: dict) -> list[str]:
    """Flask's TRUSTED_HOSTS: PUBLIC_BASE_URL's host and the extra names of the setting."""
    public = urlsplit(config["PUBLIC_BASE_URL"]).hostname
    return list(dict.fromkeys([public, *(config.get("TRUSTED_HOSTS") or [])]))


_LOCAL_DATABASE = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'plomba.db'}")
_LOCAL_REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SQLALCHEMY_DATABASE_URI = _LOCAL_DATABASE
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = _LOCAL_REDIS
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    # On by default for the emulator on loopback; RZS_ALLOW_PRIVATE_HOSTS=0 tries production's rule.
    RZS_ALLOW_PRIVATE_HOSTS = _env_bool("RZS_ALLOW_PRIVATE_HOSTS", True)
    PASSWORD_HASH_METHOD = os.environ.get("PASSWORD_HASH_METHOD", "scrypt:32768:8:1")
    # Without a mail server configured, development logs e-mails instead of sending them.
    MAIL_SUPPRESS_SEND = _env_bool("MAIL_SUPPRESS_SEND", "MAIL_SERVER" not in os.environ)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    TRUSTED_HOSTS = ["127.0.0.1", "localhost", *_env_list("TRUSTED_HOSTS")]
    PUBLIC_SCHEMES = ("http", "https")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")

    @classmethod
    def check(cls, config: dict) -> None:
        import secrets

        from cryptography.fernet import Fernet

        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _instance_secret("secret_key", lambda: secrets.token_hex(32))
        if not config.get("PLOMBA_SECRETS_KEY"):
            config["PLOMBA_SECRETS_KEY"] = _instance_secret(
                "secrets_key", lambda: Fernet.generate_key().decode()
            )
        cls.check_public_base_url(config)


class TestingConfig(Config):
    ENV_NAME = "testing"
    SQLALCHEMY_DATABASE_URI = _LOCAL_DATABASE
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = _LOCAL_REDIS
    TESTING = True
    SECRET_KEY = "test-secret"
    PLOMBA_SECRETS_KEY = "Q2x7l0mX3v9l1bqkZ5m3q8b9yQ3n7o2s1c4d6e8f0a0="
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RZS_ALLOW_PRIVATE_HOSTS = True
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    WTF_CSRF_ENABLED = False
    MAIL_SUPPRESS_SEND = False
    LOGIN_RATE_LIMIT = "1000 per minute"
    LOGIN_ACCOUNT_RATE_LIMIT = "1000 per minute"
    LOGIN_ACCOUNT_CEILING = "1000 per minute"
    PASSWORD_CHECK_RATE_LIMIT = "1000 per minute"
    SIGNUP_RATE_LIMIT = "1000 per minute"
    RESET_RATE_LIMIT = "1000 per minute"
    # Mail links go to the public name; the test client's requests come as "localhost" and
    # the browser tests' as 127.0.0.1.
    PUBLIC_BASE_URL = "http://plomba.test"
    TRUSTED_HOSTS = ["localhost", "127.0.0.1"]
    PUBLIC_SCHEMES = ("http", "https")
    LOG_FORMAT = "text"
    METRICS_TOKEN = None


CONFIGS = {
    "production": Config,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_from_env() -> type[Config]:
    return CONFIGS[os.environ.get("PLOMBA_ENV", "production")]
