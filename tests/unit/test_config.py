"""Production names its database and Redis; only development and tests have local defaults."""

import os

import pytest

from app.config import Config, DevelopmentConfig, trusted_hosts

KEYS = {"SECRET_KEY": "k", "PLOMBA_SECRETS_KEY": "s",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app@db/plomba",
        "REDIS_URL": "redis://redis:6379/0", "PUBLIC_BASE_URL": "https://plomba.example.pl"}


@pytest.mark.parametrize("missing, variable", [
    ("SQLALCHEMY_DATABASE_URI", "DATABASE_URL"),
    ("REDIS_URL", "REDIS_URL"),
    ("SECRET_KEY", "SECRET_KEY"),
    ("PUBLIC_BASE_URL", "PUBLIC_BASE_URL"),
])
def test_production_refuses_to_start_without(missing, variable):
    config = dict(KEYS, **{missing: None})
    with pytest.raises(RuntimeError, match=variable):
        Config.check(config)


def test_production_starts_with_everything_named():
    Config.check(dict(KEYS))


def test_development_falls_back_to_local_services():
    assert DevelopmentConfig.SQLALCHEMY_DATABASE_URI
    assert DevelopmentConfig.REDIS_URL


@pytest.mark.parametrize("url", ["http://plomba.example.pl", "plomba.example.pl",
                                 "https://", "https://plomba.example.pl/?x=1",
                                 "https://user:pw@plomba.example.pl"])
def test_production_refuses_a_public_base_url_that_is_not_a_plain_https_one(url):
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        Config.check(dict(KEYS, PUBLIC_BASE_URL=url))


def test_trusted_hosts_are_the_public_host_and_the_listed_ones():
    config = dict(KEYS, PUBLIC_BASE_URL="https://Plomba.example.pl:8443/app",
                  TRUSTED_HOSTS=["plomba.internal"])
    assert trusted_hosts(config) == ["plomba.example.pl", "plomba.internal"]


def test_development_prints_the_mail_it_does_not_send(capfd, redis_url):
    """make run without a mail server: sign-up, invitation and reset links are readable.
    (The app shares the suite's Redis: the extensions are process-wide, and a second app on
    another Redis would move the rate limiter's storage for every later test.)"""
    from app import create_app, mailer
    from app.config import DevelopmentConfig, TestingConfig

    settings = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    settings.update(ENV_NAME="development", TESTING=False, MAIL_SUPPRESS_SEND=True,
                    SQLALCHEMY_DATABASE_URI="sqlite://", REDIS_URL=redis_url,
                    RATELIMIT_STORAGE_URI=redis_url)
    app = create_app(settings)
    assert DevelopmentConfig.ENV_NAME == "development"
    with app.app_context():
        mailer.send(None, mailer.build(None, ["nowy@example.com"], "Potwierdź adres",
                                       "Otwórz: http://127.0.0.1:5000/potwierdz/abc"))
    printed = capfd.readouterr().err
    assert "nowy@example.com" in printed and "http://127.0.0.1:5000/potwierdz/abc" in printed


def test_production_pools_are_small_and_set_from_the_environment():
    """A sync gunicorn worker needs two connections at most (README "Connections"); the
    operator sizes them per process from the environment."""
    import subprocess
    import sys

    code = ("from app.config import Config, TestingConfig; "
            "print(Config.SQLALCHEMY_ENGINE_OPTIONS['pool_size'], "
            "Config.SQLALCHEMY_ENGINE_OPTIONS['max_overflow'], "
            "'pool_size' in TestingConfig.SQLALCHEMY_ENGINE_OPTIONS)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["2", "2", "False"]
    env.update(DATABASE_POOL_SIZE="7", DATABASE_MAX_OVERFLOW="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["7", "0", "False"]
