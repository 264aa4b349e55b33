"""/healthz and /readyz for the load balancer: no sign-in, no tenant, no rate limit."""

import socket

import pytest


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_without_signing_in(client):
    response = client.get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ok\n")


def test_readyz_is_ok_when_the_database_and_redis_answer(client):
    response = client.get("/readyz")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ok\n")


def test_readyz_is_503_naming_redis_when_redis_is_away(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{_closed_port()}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "not ready: redis\n"
    assert client.get("/healthz").status_code == 200  # the process itself is alive


def test_readyz_is_503_naming_the_database_when_it_fails(client, monkeypatch):
    from sqlalchemy import text

    monkeypatch.setattr("app.health.routes.text",
                        lambda _sql: text("SELECT * FROM no_such_table_here"))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "not ready: database\n"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_the_probes_are_not_rate_limited(client, path):
    assert all(client.get(path).status_code == 200 for _ in range(30))
