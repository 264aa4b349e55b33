import pytest

from app.security import CSP

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless


@pytest.mark.parametrize("url", ["/login", "/", "/nie-ma-takiej"])
def test_headers_on_every_page(client, tenant_a, login, url):
    if url != "/login":
        login(tenant_a.owner_email)
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert csp == CSP
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # tests run on plain http


def test_hsts_where_cookies_are_secure(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_htmx_runs_without_eval_or_injected_styles(client):
    page = client.get("/login").get_data(as_text=True)
    assert '"allowEval": false' in page and '"includeIndicatorStyles": false' in page
