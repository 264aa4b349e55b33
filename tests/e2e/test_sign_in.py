import pytest

from tests import factories

pytestmark = pytest.mark.e2e


def test_owner_signs_in_and_sees_the_dashboard(app, live_server, page, tenant_a):
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
    page.goto(f"{live_server}/")
    assert page.url.endswith("/login?next=%2F")
    page.fill("#email", "zly@example.com")
    page.fill("#password", "zle-haslo-1")
    page.click("button[type=submit]")
    assert page.locator("#password-error").inner_text() == "Nieprawidłowy e-mail lub hasło."

    page.fill("#email", tenant_a.owner_email)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    assert page.locator("h1").first.inner_text().startswith("Pulpit")
    assert page.locator(".tenant-name").inner_text() == "Serwis Alfa"
    assert page.get_by_test_id("open-orders").inner_text() == "1"
    assert "Zlecenie" not in page.title()
    assert page.console_errors == []

    page.click("text=Wyloguj")
    page.wait_for_url(f"{live_server}/login")
    assert "Wylogowano." in page.content()
