"""In a browser at a phone's width (360 px): the operator adds a producer to the catalogue and
later changes it; the company adds it with its own login and key and takes the change over.
Every page fits the screen, breaks no CSP rule and passes axe (tests/e2e/test_phone_walk.py)."""

import pytest
from sqlalchemy import select

from app import tenancy
from app.accounts.passwords import hash_password
from app.extensions import db
from app.models import Operator, Party
from tests.e2e.browser import sign_in
from tests.e2e.test_phone_walk import AXE, AXE_URL, INIT_SCRIPT, check_page

pytestmark = pytest.mark.e2e

OP_EMAIL, OP_PASSWORD = "operator@plomba.pl", "haslo-operatora-1"


def _page(browser, problems):
    context = browser.new_context(locale="pl-PL", viewport={"width": 360, "height": 740},
                                  has_touch=True)
    page = context.new_page()
    page.add_init_script(INIT_SCRIPT)
    page.route(f"**{AXE_URL}", lambda route: route.fulfill(path=AXE,
                                                           content_type="text/javascript"))
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    return context, page


def test_catalogue_from_operator_to_company_on_a_phone(app, live_server, browser, tenant_a):
    with app.app_context():
        db.session.add(Operator(email=OP_EMAIL, password_hash=hash_password(OP_PASSWORD)))
        db.session.commit()
    problems: list[str] = []
    operator_ctx, op = _page(browser, problems)
    op.goto(f"{live_server}/platform/logowanie")
    op.fill("#email", OP_EMAIL)
    op.fill("#password", OP_PASSWORD)
    op.click("button[type=submit]")
    op.wait_for_url(f"{live_server}/platform")
    op.click("text=Katalog producentów")
    op.wait_for_url(f"{live_server}/platform/katalog")
    op.click("text=Dodaj producenta")
    op.wait_for_url(f"{live_server}/platform/katalog/nowy")
    check_page(op, "/platform/katalog/nowy", problems)
    op.fill("#name", "Elzab S.A.")
    op.fill("#nip", "648-016-61-39")
    op.fill("#unique_prefixes", "ACG, AB1")
    op.fill("#api_url", "https://rzs.elzab.pl/api")
    op.click("button:has-text('Zapisz')")
    assert "Prefiks to trzy litery; popraw: AB1." in op.inner_text("#unique_prefixes-error")
    op.fill("#unique_prefixes", "ACG, ABA")
    op.click("button:has-text('Zapisz')")
    op.wait_for_url(f"{live_server}/platform/katalog")
    check_page(op, "/platform/katalog", problems)

    company_ctx, page = _page(browser, problems)
    sign_in(page, live_server, tenant_a.owner_email)
    page.goto(f"{live_server}/producenci")
    page.click("text=Dodaj z katalogu")
    page.wait_for_url(f"{live_server}/producenci/katalog")
    check_page(page, "/producenci/katalog", problems)
    page.click("a:has-text('Wybierz')")
    page.wait_for_url(f"{live_server}/producenci/katalog/*")
    check_page(page, "/producenci/katalog/<id>", problems)
    page.fill("#api_login", "serwis-alfa")
    page.fill("#api_key", "klucz-alfa")
    page.click("button:has-text('Dodaj producenta')")
    page.wait_for_url("**/producenci/*")
    assert "Dodano producenta „Elzab S.A.” z katalogu" in page.inner_text(".flashes")

    op.click("#results a:has-text('Elzab S.A.')")
    op.fill("#unique_prefixes", "ACG, ABA, ACH")
    op.click("button:has-text('Zapisz')")
    op.wait_for_url(f"{live_server}/platform/katalog")
    op.click("#results a:has-text('Elzab S.A.')")
    op.wait_for_url(f"{live_server}/platform/katalog/*")
    assert "nowy prefiks ACH" in op.inner_text("table")
    check_page(op, "/platform/katalog/<id>", problems)

    page.reload()
    assert "W katalogu: nowy prefiks ACH." in page.inner_text(".notice")
    check_page(page, "/producenci/<id>", problems)
    page.click("button:has-text('Przyjmij zmiany')")
    page.wait_for_selector("text=Przyjęto zmiany z katalogu: nowy prefiks ACH.")
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        producer = db.session.scalar(select(Party).where(Party.is_producer.is_(True)))
        assert producer.unique_prefixes == ["ACG", "ABA", "ACH"]
        assert producer.api_login == "serwis-alfa" and producer.catalogue_version == 2
    operator_ctx.close()
    company_ctx.close()
    assert problems == [], "\n".join(problems)
