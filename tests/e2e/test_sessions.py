"""The session list in a real browser: a phone signed in elsewhere is seen on "Moje konto" and
signed out from the laptop, through the confirmation dialog."""

import pytest

from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e

PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/131.0.6778.104 Mobile Safari/537.36")



def test_sign_out_the_phone_from_the_laptop(browser, live_server, page, tenant_a):
    phone_context = browser.new_context(locale="pl-PL", user_agent=PHONE)
    phone = phone_context.new_page()
    try:
        sign_in(phone, live_server, tenant_a.owner_email)
        sign_in(page, live_server, tenant_a.owner_email)
        page.click("a.user-email")  # the e-mail in the top bar opens "Moje konto"
        page.wait_for_url(f"{live_server}/konto")
        rows = page.locator("#sessions tbody tr")
        assert rows.count() == 2
        phone_row = rows.filter(has_text="Chrome 131 · Android")
        assert "ta sesja" not in phone_row.inner_text()
        asked = []
        page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        phone_row.get_by_role("button", name="Wyloguj").click()
        page.wait_for_selector("text=Wylogowano sesję: Chrome 131 · Android.")
        assert asked == ["Wylogować tę przeglądarkę (Chrome 131 · Android)?"]
        assert page.locator("#sessions tbody tr").count() == 1
        assert "Nie jesteś zalogowany nigdzie poza tą przeglądarką." in page.content()

        phone.reload()
        assert "/login" in phone.url
        assert page.console_errors == []
    finally:
        phone_context.close()
