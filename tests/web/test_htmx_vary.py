"""One endpoint, two renderings: both carry `Vary` on the htmx headers, so no cache between
them hands the fragment to a full-page load or the page to htmx."""

import pytest

from app.htmx import VARY

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless


@pytest.mark.parametrize("path", ["/klienci", "/urzadzenia", "/raporty/", "/wysylka"])
def test_a_page_and_its_fragment_both_vary_on_hx_request(client, login, tenant_a, path):
    login(tenant_a.owner_email)
    page = client.get(path)
    fragment = client.get(path, headers={"HX-Request": "true"})
    assert page.status_code == fragment.status_code == 200
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    for response in (page, fragment):
        assert set(VARY) <= set(response.vary), path


def test_a_page_that_never_asks_does_not_vary(client, login, tenant_a):
    login(tenant_a.owner_email)
    assert "HX-Request" not in client.get("/konto").vary
