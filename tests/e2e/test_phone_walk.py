"""Every page of the menu, and the pages a technician works in, at a phone's width (360x740)
and at a laptop's (1366x800), for each role: nothing wider than the screen, the primary action
on screen, no console error, no CSP violation, no axe-core violation of WCAG 2 level A/AA."""

from pathlib import Path

import pytest

from app.models import Role
from tests import factories
from tests.e2e.browser import sign_in

pytestmark = pytest.mark.e2e

# axe-core 4.14.1 (MPL-2.0), from the npm registry (`npm pack axe-core`). The page gets it as a
# script of its own origin (a route of the browser, not of the app), so the CSP stays as it is.
AXE = Path(__file__).with_name("axe.min.js")
AXE_URL = "/__tests__/axe.min.js"
SIZES = {"phone": {"width": 360, "height": 740}, "laptop": {"width": 1366, "height": 800}}
ROLES = ("owner", "office", "technician")

# The CSP's findings, kept per document; axe's script is added by Playwright (not by a page).
INIT_SCRIPT = """
(() => {
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', e =>
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
})();
"""

# What the walk measures on each page: the widest thing, and the elements that stick out.
MEASURE = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && e.getClientRects().length)
    .filter(e => !e.closest('.sidenav:not(.open)'))
    .slice(0, 5).map(e => e.localName + (e.id ? '#' + e.id : '') +
      (typeof e.className === 'string' && e.className ? '.' + e.className.split(' ').join('.')
                                                      : '') +
      ' right=' + Math.round(e.getBoundingClientRect().right));
  // A box that scrolls sideways inside the page is as bad on a phone as the page itself.
  const scrolled = [...document.querySelectorAll('body *')]
    .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) &&
                 e.scrollWidth > e.clientWidth + 1 && !e.matches('textarea, select, input'))
    .slice(0, 5).map(e => e.localName + (e.id ? '#' + e.id : '') + ' scrolls ' +
                          e.scrollWidth + ' in ' + e.clientWidth);
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.concat(scrolled),
          scrolled: scrolled.length, csp: window.__csp};
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  });
  return result.violations.map(v => v.id + ': ' + v.help + ' [' +
    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ') + ']');
}"""


def _accounts(app, tenant):
    """The tenant's data, an office account and a technician account linked to the record
    that has the populated order."""
    with app.app_context():
        ids = factories.populate(tenant, "Alfa")
        office = "biuro@alfa.example"
        technician = "serwis@alfa.example"
        factories.make_user(tenant, office, Role.OFFICE)
        user_id = factories.make_user(tenant, technician, Role.TECHNICIAN)
        factories.link_technician(tenant, ids["technician_id"], user_id)
    return ids, {"owner": tenant.owner_email, "office": office, "technician": technician}



def _idle(page):
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def check_page(page, path, problems, axe=True):
    """One page as it stands: overflow, CSP, axe (console errors are collected by the caller)."""
    found = page.evaluate(MEASURE)
    if found["scroll"] > found["width"] or found["scrolled"]:
        problems.append(f"{path}: {found['scroll']} px wide at {found['width']}: {found['wide']}")
    problems.extend(f"{path}: CSP {line}" for line in found["csp"])
    if axe:
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            page.add_script_tag(url=AXE_URL)
        problems.extend(f"{path}: axe {line}" for line in page.evaluate(AXE_RUN))


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_page_fits_the_screen(app, live_server, browser, tenant_a, role):
    ids, emails = _accounts(app, tenant_a)
    problems: list[str] = []
    for size_name, size in SIZES.items():
        # Not is_mobile: Chromium would then zoom a too-wide page out to fit (innerWidth grows).
        context = browser.new_context(locale="pl-PL", viewport=size, has_touch=True)
        page = context.new_page()
        page.add_init_script(INIT_SCRIPT)
        page.route(f"**{AXE_URL}", lambda route: route.fulfill(
            path=AXE, content_type="text/javascript"))
        page.on("console", lambda m, s=size_name: problems.append(
            f"[{s}] console {m.type} at {m.page.url if m.page else '?'}: {m.text}")
            if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e, s=size_name: problems.append(f"[{s}] pageerror: {e}"))
        sign_in(page, live_server, emails[role])
        menu = page.locator("#sidenav a").evaluate_all("links => links.map(a => a.pathname)")
        assert "/zlecenia" in menu, menu
        order = f"/zlecenia/{ids['order_id']}"
        paths = menu + ["/konto", "/zlecenia/nowe", order, f"{order}/pozycje",
                        f"{order}/ksiazka", f"{order}/wysylka"]
        if role != "technician":
            paths += [f"/klienci/{ids['client_id']}", f"/urzadzenia/{ids['device_id']}",
                      f"/serwisanci/{ids['technician_id']}", "/klienci/nowy",
                      "/urzadzenia/nowe"]
        assert page.evaluate("() => window.innerWidth") == size["width"]
        for path in dict.fromkeys(paths):
            response = page.goto(live_server + path, wait_until="load")
            assert response.status == 200, f"{path}: {response.status}"
            _idle(page)
            check_page(page, f"[{size_name}] {path}", problems)
        if size_name == "phone":
            # The list's primary action is on screen without scrolling sideways.
            page.goto(f"{live_server}/zlecenia")
            box = page.locator("a:has-text('Nowe zlecenie')").first.bounding_box()
            if not box or box["x"] + box["width"] > size["width"]:
                problems.append(f"[phone] /zlecenia: 'Nowe zlecenie' off screen at {box}")
        context.close()
    assert problems == [], "\n".join(problems)
