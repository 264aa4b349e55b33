"""The order page never goes stale: after each htmx action its header, badges, totals,
technician, highlighted tab and messages agree with what was saved. And whatever a browser
adds as a style attribute, an htmx swap never trips the CSP (htmx settles no `style`)."""

import re

import pytest
from playwright.sync_api import expect

from app import clock, tenancy
from app.extensions import db
from app.models import Technician
from tests import factories
from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e

INIT_SCRIPT = """
(() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', e =>
    window.__csp.push(e.violatedDirective + ' ' + (e.sample || '')));
  window.__requests = 0;
  document.addEventListener('htmx:afterSettle', () => window.__requests++);
})();
"""



def _htmx(page, action):
    """Do `action` and wait until htmx has swapped and settled its answer."""
    before = page.evaluate("() => window.__requests")
    action()
    page.wait_for_function(f"() => window.__requests > {before}")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def _summary(page):
    return page.locator(".order-summary")


@pytest.mark.parametrize("width", [1366, 360])
def test_the_order_page_agrees_with_itself_after_every_action(app, live_server, browser,
                                                              tenant_a, width):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        with tenancy.use_tenant(tenant_a.id):
            anna = Technician(name="Anna Beta", identifier="T-Beta", seal_no="P-Beta")
            db.session.add(anna)
            db.session.commit()
            anna_id = anna.id
    context = browser.new_context(locale="pl-PL", viewport={"width": width, "height": 800})
    page = context.new_page()
    page.add_init_script(INIT_SCRIPT)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, live_server, tenant_a.owner_email)
    order = f"{live_server}/zlecenia/{ids['order_id']}"
    page.goto(order)
    page.click("text=Rozpocznij zlecenie")
    page.wait_for_selector("#order-status:has-text('Rozpoczęte')")
    expect(page.locator("#flashes")).to_contain_text("Rozpoczęto zlecenie")
    summary = _summary(page)
    expect(summary).to_contain_text("150,00 zł")

    # A browser tool or an extension leaves a style attribute (through the CSSOM, which the
    # CSP allows) on elements htmx is about to replace: settling must not copy it back.
    page.evaluate("""() => document.querySelectorAll('#order input, #order select')
                          .forEach(e => { e.style.outline = '1px dotted red'; })""")

    # The tab clicked is the tab highlighted, and the address says it.
    _htmx(page, lambda: page.click("[data-tab=items]"))
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("Pozycje")
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_id("tab-items")
    expect(page.locator("#tab")).to_have_attribute("aria-labelledby", "tab-items")
    assert page.url.endswith("/pozycje")
    expect(page.locator("#flashes")).to_be_empty()  # the last page's message is gone

    # Refused: the error at its field, tied to it and announced; nothing else changes.
    _htmx(page, lambda: page.click("#add-item"))
    expect(page.locator("#service_id-error")).to_have_text("Wybierz usługę.")
    expect(page.locator("#service_id")).to_have_attribute("aria-describedby", "service_id-error")
    expect(page.locator("#service_id-error")).to_have_attribute("aria-live", "polite")
    # The error goes once a service is chosen.
    page.select_option("#service_id", str(ids["service_id"]))
    expect(page.locator("#service_id-error")).to_have_text("")

    # An item added: the total of the summary follows the table.
    page.fill("#performed_on", clock.today().isoformat())
    _htmx(page, lambda: page.click("#add-item"))
    expect(page.locator("#flashes")).to_contain_text("Dodano pozycję „Przegląd Alfa”.")
    expect(page.locator("#items tfoot")).to_contain_text("300,00 zł")
    expect(summary).to_contain_text("300,00 zł")
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("Pozycje")

    # An item removed: the total again.
    _htmx(page, lambda: page.locator("#items button.link-danger").first.click())
    expect(page.locator("#flashes")).to_contain_text("Usunięto pozycję.")
    expect(summary).to_contain_text("150,00 zł")

    # The service-book flag: the badge in the header follows it.
    badge = page.locator(".page-head .badge-book")
    expect(badge).to_have_count(1)
    _htmx(page, lambda: page.click("#service_book"))
    expect(page.locator("#service_book")).not_to_be_checked()
    expect(badge).to_have_count(0)
    _htmx(page, lambda: page.click("#service_book"))
    expect(badge).to_have_count(1)
    expect(page.locator("#service_book")).to_be_focused()  # focus kept across the swap

    # The technician saved in the first tab: the summary names him and his seal.
    _htmx(page, lambda: page.click("[data-tab=order]"))
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("Zlecenie")
    page.select_option("#technician_id", str(anna_id))
    _htmx(page, lambda: page.click("#save-header"))
    expect(page.locator("#flashes")).to_contain_text("Zapisano dane zlecenia.")
    expect(summary).to_contain_text("Anna Beta (plomba P-Beta)")

    # The book saved: its message, the tab still the book.
    _htmx(page, lambda: page.click("[data-tab=book]"))
    page.fill("#fault", "Bez usterek")
    _htmx(page, lambda: page.click("#save-book"))
    expect(page.locator("#flashes")).to_contain_text("Zapisano książkę serwisową.")
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("Książka")
    expect(page.locator("#fault")).to_have_value("Bez usterek")

    # The keyboard: the arrows move along the tabs, Enter opens one, focus stays on it.
    page.focus("#tab-book")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-shipping")).to_be_focused()
    _htmx(page, lambda: page.keyboard.press("Enter"))
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_text("Wysyłka")
    expect(page.locator("#tab-shipping")).to_be_focused()

    # Back to the items: the page is the component once, with its layout once.
    _htmx(page, lambda: page.click("[data-tab=items]"))
    expect(page.locator("#order")).to_have_count(1)
    expect(page.locator("header.topbar")).to_have_count(1)
    assert re.search(r"/zlecenia/\d+/pozycje$", page.url)
    assert page.evaluate("() => window.__csp") == []
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert errors == []
    context.close()
