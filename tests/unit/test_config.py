"""Production names its database and Redis; only development and tests have local defaults."""

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
