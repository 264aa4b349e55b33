"""After sign-in (users and operators) `next` leads only to a path on this site: every
spelling that a browser reads as another host goes to the start page instead."""

import pytest

from app.accounts.passwords import hash_password
from app.auth.redirects import local_path
from app.extensions import db
from app.models import Operator
from tests import factories

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless

NASTY = [
    "//evil.example", "///evil.example", "/\t/evil.example", "/\n/evil.example",
    "/\r/evil.example", "/\\evil.example", "\\\\evil.example", "/\\/evil.example",
    "https://evil.example", "http:/evil.example", "https:evil.example", "javascript:alert(1)",
    "JavaScript:alert(1)", "data:text/html,<script>alert(1)</script>", "/ /evil",
    " //evil.example", "\t//evil.example", "/\x00/evil.example", "/\x7f/evil.example",
    "/\u3000/evil.example", "evil.example", "", "?next=//evil.example",
]
GOOD = ["/", "/o-programie", "/zlecenia?status=new&q=ZL%2F2026", "/urzadzenia/nowe#form"]


@pytest.mark.parametrize("target", NASTY)
def test_the_guard_refuses_other_hosts(target):
    assert local_path(target) is None


@pytest.mark.parametrize("target", GOOD)
def test_the_guard_keeps_paths_of_this_site(target):
    assert local_path(target) == target


def _operator(app):
    with app.app_context():
        db.session.add(Operator(email="op@plomba.pl", password_hash=hash_password(
            factories.PASSWORD)))
        db.session.commit()


SIGN_INS = {"user": ("/login", "/"), "operator": ("/platform/logowanie", "/platform")}


@pytest.mark.parametrize("who", SIGN_INS)
def test_sign_in_redirects_only_within_the_site(app, tenant_a, who):
    _operator(app)
    url, start = SIGN_INS[who]
    email = tenant_a.owner_email if who == "user" else "op@plomba.pl"
    # The raw query strings as an attacker writes them: %09 is a tab, %5C a backslash.
    raw = ["//evil.example", "/%09/evil.example", "/%0a/evil.example", "/%5Cevil.example",
           "%2F%2Fevil.example", "https://evil.example", "javascript:alert(1)", "/%20/evil",
           "/%E3%80%80/evil.example"]
    for query in raw:
        client = app.test_client()
        response = client.post(f"{url}?next={query}",
                               data={"email": email, "password": factories.PASSWORD})
        assert response.status_code == 303, query
        assert response.headers["Location"] == start, query
    client = app.test_client()
    response = client.post(f"{url}?next=/o-programie%3Fa%3D1",
                           data={"email": email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/o-programie?a=1"
