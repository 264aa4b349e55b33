"""Links in mail are built on PUBLIC_BASE_URL: a request's Host or X-Forwarded-Host never
reaches a mail (issue 11, item 1: a reset asked with `Host: evil.example` mailed a valid
token on evil.example)."""

import re

import pytest

from app import create_app
from app.links import public_url
from tests import factories
from tests.auth.test_signup_and_reset import SIGNUP, mailbox  # noqa: F401 - fixture


def _links(messages) -> list[str]:
    return [link for m in messages for link in re.findall(r"https?://\S+", m.get_content())]


def test_a_reset_asked_with_a_strange_host_is_refused(app, client, tenant_a, mailbox):  # noqa: F811
    response = client.post("/haslo/reset", data={"email": tenant_a.owner_email},
                           headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "Nieprawidłowe żądanie" in response.get_data(as_text=True)  # Plomba's own page
    assert mailbox() == []


def test_a_forwarded_host_is_not_believed(app, tenant_a, mailbox):  # noqa: F811
    # Behind the documented proxy (TRUSTED_PROXIES=1) X-Forwarded-Host came through ProxyFix.
    proxied = create_app(dict(app.config) | {"TRUSTED_PROXIES": 1})
    proxied.extensions["mail"] = app.extensions["mail"]
    response = proxied.test_client().post(
        "/haslo/reset", data={"email": tenant_a.owner_email},
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert response.status_code in (303, 400)
    links = _links(mailbox())
    assert all(link.startswith("http://plomba.test/") for link in links), links
    assert not any("evil.example" in link for link in links)


def test_sign_up_and_invitation_links_are_on_the_public_base_url(app, client, tenant_a, login,
                                                                  mailbox):  # noqa: F811
    client.post("/rejestracja", data=SIGNUP, headers={"Host": "localhost:5000"})
    login(tenant_a.owner_email)
    client.post("/administracja/uzytkownicy", data={"email": "nowy@alfa.pl", "role": "office"})
    links = _links(mailbox())
    assert len(links) == 2
    assert all(link.startswith("http://plomba.test/") for link in links), links


def test_public_url_needs_no_request(app):
    with app.app_context():
        url = public_url("auth.reset_password", token="abc")
    assert url == "http://plomba.test/haslo/nowe/abc"


@pytest.mark.parametrize("base", ["https://plomba.example.pl/app", "https://plomba.example.pl/app/"])
def test_public_url_keeps_a_path_prefix(app, base, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", base)
    with app.app_context():
        assert public_url("auth.login") == "https://plomba.example.pl/app/login"


def test_the_test_clients_own_host_still_works(client, tenant_a):
    assert client.post("/login", data={"email": tenant_a.owner_email,
                                       "password": factories.PASSWORD}).status_code == 303
