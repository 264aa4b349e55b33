"""A walk through every page of the menu and every htmx interaction of the app in a real
browser, under the app's own Content-Security-Policy (no 'unsafe-inline', no 'unsafe-eval').

It fails on any CSP violation (the `securitypolicyviolation` event), any console error or
warning, any uncaught exception, any <style> element or style attribute that turns up in a
document of the app (htmx's indicator styles, settle styles, a history snapshot), and on a
Back/Forward that leaves a fragment where the page was; each in any document of the walk,
the PDF tab of "Druk" included."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from app import clock, tenancy
from app.extensions import db
from app.models import Order, OrderCounter, OrderItem, Party
from tests import factories

pytestmark = pytest.mark.e2e

# Registered before any script of every document of the page. Each finding goes to Python at
# once (a navigation right after it loses nothing); violations also stay in window.__csp.
# htmx's requests and history restores are counted, so the walk waits for the work it started.
INIT_SCRIPT = """
(() => {
  const report = (text) => window.__walkReport &&
    window.__walkReport(location.pathname + location.search + ': ' + text);
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', e => {
    const line = e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '');
    window.__csp.push(line);
    report('CSP violation ' + line);
  });
  const styled = (node) => node.localName + (node.id ? '#' + node.id : '') +
    (node.localName === 'style' ? ' ' + node.textContent.slice(0, 80)
                                : ' style="' + node.getAttribute('style') + '"');
  new MutationObserver(records => {
    for (const r of records) {
      if (r.type === 'attributes') {
        report('inline style set: ' + styled(r.target));
        continue;
      }
      for (const node of r.addedNodes) {
        if (node.nodeType !== 1) continue;
        const found = node.matches('style, [style]') ? [node] : [];
        found.push(...node.querySelectorAll('style, [style]'));
        found.forEach(n => report('inline style added: ' + styled(n)));
      }
    }
  }).observe(document, {subtree: true, childList: true, attributes: true,
                        attributeFilter: ['style']});
  window.__htmx = {requests: 0, restored: 0};
  document.addEventListener('htmx:afterRequest', () => window.__htmx.requests++);
  document.addEventListener('htmx:historyRestore', () => window.__htmx.restored++);
})();
"""


class Walk:
    """The page and what it reported, with helpers that wait for htmx to finish."""

    def __init__(self, page, base):
        self.page = page
        self.base = base
        self.problems: list[str] = []
        self.refused: dict[str, int] = {}  # address -> the error status the walk asked for
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"pageerror at {page.url}: {e}"))
        page.expose_function("__walkReport", lambda text: self.problems.append(text))
        page.add_init_script(INIT_SCRIPT)
        page.context.on("page", self._other_tab)  # the PDF of "Druk"

    def _other_tab(self, other):
        other.on("console", self._console)
        other.on("pageerror", lambda e: self.problems.append(f"pageerror at {other.url}: {e}"))

    def _console(self, message):
        # Chromium logs every CSP violation as a console error as well.
        if message.type in ("error", "warning") or "Content Security Policy" in message.text:
            where = message.page.url if message.page else "?"
            if where in self.refused and message.text.startswith(
                    f"Failed to load resource: the server responded with a status of "
                    f"{self.refused[where]} "):
                return  # the error page the walk went to on purpose
            self.problems.append(f"console {message.type} at {where}: {message.text} "
                                 f"({message.location['url']})")

    def goto(self, path, status=200):
        if status >= 400:
            self.refused[self.base + path] = status
        response = self.page.goto(self.base + path, wait_until="domcontentloaded")
        assert response.status == status, f"{path}: {response.status}"
        self.idle()

    def idle(self):
        """No htmx request in flight, nothing swapping or settling. (Playwright evaluates a
        bare expression with eval(), which the CSP refuses: functions only.)"""
        self.page.wait_for_function(
            "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")

    def htmx(self, action, requests=1):
        """Do `action`, wait until htmx has answered `requests` more requests and settled."""
        before = self.page.evaluate("() => window.__htmx.requests")
        action()
        self.page.wait_for_function(f"() => window.__htmx.requests >= {before + requests}")
        self.idle()
        # What came back was a fragment: no second layout inside the page.
        expect(self.page.locator("header.topbar")).to_have_count(1)

    def back(self):
        """Back to an address htmx pushed: htmx restores it (historyCacheSize 0: from the
        server) into <body>, which must get the whole page again, not a fragment of it."""
        self._history(self.page.go_back)

    def forward(self):
        self._history(self.page.go_forward)

    def _history(self, move):
        before = self.page.evaluate("() => window.__htmx.restored")
        move()
        self.page.wait_for_function(f"() => window.__htmx.restored > {before}")
        self.idle()
        self.whole_page()

    def whole_page(self):
        expect(self.page.locator("body > header.topbar")).to_have_count(1)
        expect(self.page.locator("body #sidenav")).to_have_count(1)


def _data(tenant):
    """populate() plus enough rows for the pagers: 55 more clients (the lists show 50) and a
    closed order with 101 items (the report preview shows 100 a page)."""
    ids = factories.populate(tenant, "Alfa")
    with tenancy.use_tenant(tenant.id):
        db.session.add_all(Party(name=f"Klient {n:02d}", name_key=f"klient {n:02d}",
                                 city="Radom") for n in range(55))
        closed = Order(number="ZL/2026/000002", year=2026, seq=2, status="closed",
                       client_id=ids["client_id"], location_id=ids["location_id"],
                       device_id=ids["device_id"], technician_id=ids["technician_id"],
                       seal_no="P-Alfa", service_book=True, closed_at=clock.now())
        db.session.add(closed)
        db.session.flush()
        db.session.add_all(OrderItem(order_id=closed.id, service_id=ids["service_id"],
                                     name=f"Przegląd {n}", service_book=True,
                                     price=Decimal("10.00"), performed_on=clock.today())
                           for n in range(101))
        db.session.execute(db.update(OrderCounter).values(last_seq=2))
        db.session.commit()
        ids["closed_order_id"] = closed.id
    return ids


def _waiting_jobs(tenant) -> dict[str, int]:
    """Queued jobs that no worker runs: their progress blocks keep polling."""
    report = {"kind": "services", "date_from": "2026-01-01", "date_to": "2026-01-31"}
    export = factories.make_job(tenant, "report_export", report=report, fmt="pdf")
    mail = factories.make_job(tenant, "report_email", report=report, fmt="pdf",
                              recipients=["biuro@example.com"], subject="Raport", message="")
    return {"export": export, "mail": mail, "batch": factories.make_job(tenant)}


def test_every_page_and_htmx_interaction_keeps_to_the_csp(app, live_server, page, tenant_a):
    with app.app_context():
        ids = _data(tenant_a)
        job = _waiting_jobs(tenant_a)
    walk = Walk(page, live_server)
    page.on("dialog", lambda dialog: dialog.accept())  # hx-confirm, data-confirm
    today = clock.today().isoformat()

    # --- the pages for the signed-out, then signing in
    for path in ("/rejestracja", "/haslo/reset", "/platform/logowanie", "/login"):
        walk.goto(path)
    page.fill("#email", tenant_a.owner_email)
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")

    # htmx read its config (the meta tag) before it started: no <style> of its own in <head>.
    assert page.evaluate("() => htmx.config.includeIndicatorStyles") is False
    assert page.evaluate("() => htmx.config.allowEval") is False
    assert page.evaluate("() => document.querySelectorAll('style, [style]').length") == 0

    # --- every page of the menu, the detail and form pages behind them, a missing page
    menu = page.locator("#sidenav a").evaluate_all("links => links.map(a => a.pathname)")
    assert len(menu) >= 14, menu
    for path in menu + ["/konto"]:
        walk.goto(path)
    for path in [f"/klienci/{ids['client_id']}", f"/klienci/{ids['client_id']}/edycja",
                 f"/klienci/{ids['client_id']}/lokalizacje/nowa",
                 f"/lokalizacje/{ids['location_id']}/edycja",
                 f"/producenci/{ids['producer_id']}/kontrola",
                 f"/urzadzenia/{ids['device_id']}", f"/uslugi/{ids['service_id']}",
                 f"/uslugi/{ids['service_id']}/edycja", "/uslugi/nowa",
                 f"/serwisanci/{ids['technician_id']}/edycja", "/serwisanci/nowy"]:
        walk.goto(path)
    walk.goto("/nie-ma-takiej-strony", status=404)

    # --- the clients list: typing into the search, the pager, Back and Forward through them
    walk.goto("/klienci")
    search = page.locator("input[type=search]")
    walk.htmx(lambda: search.press_sequentially("klient 0"))
    expect(page.locator("#results")).to_contain_text("Klient 09")
    assert page.url.endswith("/klienci?q=klient%200")
    walk.htmx(lambda: search.fill(""))
    walk.htmx(lambda: page.click("a[rel=next]"))
    assert "after=" in page.url
    walk.htmx(lambda: page.click("text=« Pierwsza strona"))
    walk.back()  # the second page
    expect(page.locator("#results")).to_contain_text("Pierwsza strona")
    walk.back()  # the emptied search
    walk.back()  # "klient 0"
    expect(search).to_have_value("klient 0")
    expect(page.locator("#results")).not_to_contain_text("Klient 10")
    walk.back()  # the list as first loaded
    expect(search).to_have_value("")
    walk.forward()
    # Away to a client and Back: another document, so the browser (not htmx) brings the
    # searched list back, and it must be the page, not the fragment htmx fetched for it.
    page.click("text=Klient 05")
    page.wait_for_url(f"{live_server}/klienci/*")
    page.go_back()
    walk.idle()
    walk.whole_page()
    expect(search).to_have_value("klient 0")

    # --- the other lists: typed searches, chosen filters, Back
    for path, typed, found in [("/producenci", "alfa", "Producent Alfa"),
                               ("/urzadzenia", "zbf", "ZBF1801007587"),
                               ("/serwisanci", "jan", "Jan Alfa"),
                               ("/uslugi", "prze", "Przegląd Alfa"),
                               ("/zlecenia", "alfa", "ZL/2026/000001"),
                               ("/zlecenia/zamkniete", "alfa", "ZL/2026/000002")]:
        walk.goto(path)
        walk.htmx(lambda typed=typed: page.locator("input[type=search]").fill(typed))
        expect(page.locator("#results")).to_contain_text(found)
    walk.back()
    walk.goto("/zlecenia")
    walk.htmx(lambda: page.select_option("select[name=status]", "new"))
    walk.htmx(lambda: page.select_option("select[name=producer_id]", str(ids["producer_id"])))
    walk.back()
    walk.goto("/wysylka")
    walk.htmx(lambda: page.select_option("select[name=status]", "pending"))
    walk.back()
    walk.goto("/administracja/dziennik")
    walk.htmx(lambda: page.select_option("select[name=action]", index=1))
    walk.back()

    # --- an order: the tabs (each pushed to the address bar), their forms, history over the
    # tabs; meanwhile the RZS reply of its pending event polls
    walk.goto(f"/zlecenia/{ids['order_id']}")
    for tab in ("items", "book", "shipping", "order"):
        walk.htmx(lambda tab=tab: page.click(f"[data-tab={tab}]"))
        expect(page.locator(f"[data-active-tab={tab}]")).to_have_count(1)
    walk.back()
    expect(page.locator("[data-active-tab=shipping]")).to_have_count(1)
    walk.back()
    expect(page.locator("[data-active-tab=book]")).to_have_count(1)
    walk.forward()
    walk.htmx(lambda: page.click("[data-tab=order]"))
    walk.htmx(lambda: page.click("#tab button[type=submit]"))  # the header saved
    walk.htmx(lambda: page.click("[data-tab=items]"))
    walk.htmx(lambda: page.click("#service_book"))  # the flag, saved when changed
    walk.htmx(lambda: page.click("text=Dodaj pozycję >> nth=-1"))  # refused: no service
    page.select_option("#service_id", str(ids["service_id"]))
    page.fill("#performed_on", today)
    walk.htmx(lambda: page.click("text=Dodaj pozycję >> nth=-1"))
    walk.htmx(lambda: page.locator("#items button.link-danger").first.click())
    walk.htmx(lambda: page.click("[data-tab=book]"))
    page.fill("#fault", "Bez usterek")
    walk.htmx(lambda: page.click("text=Zapisz książkę"))
    walk.goto(f"/zlecenia/{ids['closed_order_id']}/wysylka")
    walk.htmx(lambda: page.click("[data-tab=items]"))
    walk.back()

    # --- a new order: the client searched for, its devices and sites follow
    walk.goto("/zlecenia/nowe")
    walk.htmx(lambda: page.fill("#client-search", "alfa"), requests=3)
    page.wait_for_selector(f"#device_id option[value='{ids['device_id']}']", state="attached")

    # --- inline validation: NIP (client, producer), factory and unique numbers, and the
    # client search and the sites of the device form
    walk.goto("/klienci/nowy")
    walk.htmx(lambda: page.locator("#nip").press_sequentially("1234567890"))
    expect(page.locator("#nip-error")).not_to_have_text("")
    walk.goto(f"/producenci/{ids['producer_id']}/edycja")
    walk.htmx(lambda: page.fill("#nip", "701-000-21-39"))  # the populated client has it
    expect(page.locator("#nip-error")).not_to_have_text("")
    walk.goto(f"/urzadzenia/nowe?client_id={ids['client_id']}")
    walk.htmx(lambda: page.select_option("#producer_id", str(ids["producer_id"])),
              requests=2)  # both numbers are asked again
    walk.htmx(lambda: page.fill("#factory_no", "XX1"))
    expect(page.locator("#factory_no-error")).to_contain_text("nie pasuje do masek")
    walk.htmx(lambda: page.fill("#unique_no", "ZBF1801007587"))
    expect(page.locator("#unique_no-error")).to_contain_text("już istnieje")
    walk.htmx(lambda: page.fill("#client-search", "klient 1"), requests=2)

    # --- a technician's authorisations: refused, then removed (hx-confirm)
    walk.goto(f"/serwisanci/{ids['technician_id']}")
    authorisations = page.locator("#authorisations")
    walk.htmx(lambda: authorisations.locator("button[type=submit]").last.click())
    walk.htmx(lambda: authorisations.locator("button.link-danger").first.click())
    expect(authorisations).to_contain_text("Brak uprawnień")

    # --- the report: preview (pushed), its pages, Back to the form, "Druk" (the PDF in a
    # tab of its own) and "Eksport e-mail"
    walk.goto("/raporty/")
    page.fill("#date_from", today)
    page.fill("#date_to", today)
    walk.htmx(lambda: page.click("button:has-text('Podgląd')"))
    expect(page.locator(".report-preview")).to_contain_text("strona 1 z 2")
    walk.htmx(lambda: page.click("text=Następna »"))
    expect(page.locator(".report-preview")).to_contain_text("strona 2 z 2")
    page.check("#by_producer")
    walk.htmx(lambda: page.click("button:has-text('Podgląd')"))
    walk.back()
    walk.back()
    expect(page.locator(".report-preview")).to_contain_text("strona 1 z 2")
    walk.back()
    expect(page.locator(".report-preview")).to_have_count(0)
    walk.forward()
    with page.context.expect_page() as pdf_tab:
        page.click("button:has-text('Druk')")
    pdf_tab.value.wait_for_load_state()
    page.wait_for_timeout(300)  # the viewer asks for the icon after the load
    pdf_tab.value.close()
    page.click("#eksport-email-button")
    page.wait_for_url(f"{live_server}/raporty/email?*")

    # --- background jobs poll their progress: the export, the e-mail, the batch send (no
    # worker runs them here, so each keeps waiting; one round of polling each)
    walk.goto(f"/raporty/?job={job['export']}")
    walk.htmx(lambda: None)
    walk.goto(f"/raporty/email/{job['mail']}")
    walk.htmx(lambda: None)
    walk.goto(f"/producenci/{ids['producer_id']}?job={job['batch']}")
    walk.htmx(lambda: None)

    assert walk.problems == [], "\n".join(walk.problems)
