"""Production names its database and Redis; only development and tests have local defaults."""

import pytest

from app.config import Config, DevelopmentConfig

KEYS = {"SECRET_KEY": "k", "PLOMBA_SECRETS_KEY": "s",
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://app@db/plomba",
        "REDIS_URL": "redis://redis:6379/0"}


@pytest.mark.parametrize("missing, variable", [
    ("SQLALCHEMY_DATABASE_URI", "DATABASE_URL"),
    ("REDIS_URL", "REDIS_URL"),
    ("SECRET_KEY", "SECRET_KEY"),
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
