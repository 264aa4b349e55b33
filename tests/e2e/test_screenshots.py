"""The screenshots of docs/screenshots/ (README): the main screens at a phone's width and at a
laptop's. Run on demand: PLOMBA_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_screenshots.py"""

import os
from pathlib import Path

import pytest

from app.models import Role
from tests import factories
from tests.e2e.browser import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    not os.environ.get("PLOMBA_SCREENSHOTS"), reason="PLOMBA_SCREENSHOTS=1 takes them")]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"phone": {"width": 360, "height": 740}, "laptop": {"width": 1366, "height": 800}}


def test_take_the_screenshots(app, live_server, browser, tenant_a):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        user_id = factories.make_user(tenant_a, "jan@alfa.example", Role.TECHNICIAN)
        factories.link_technician(tenant_a, ids["technician_id"], user_id)
    order = f"/zlecenia/{ids['order_id']}"
    screens = {
        "owner": [("dashboard", "/"), ("orders", "/zlecenia"), ("order", order),
                  ("order-items", f"{order}/pozycje"), ("new-order", "/zlecenia/nowe"),
                  ("devices", "/urzadzenia"), ("inspections", "/przeglady"),
                  ("import", "/import/")],
        "technician": [("technician-day", "/")],
    }
    emails = {"owner": tenant_a.owner_email, "technician": "jan@alfa.example"}
    OUT.mkdir(parents=True, exist_ok=True)
    for size_name, size in SIZES.items():
        for role, shots in screens.items():
            context = browser.new_context(locale="pl-PL", viewport=size)
            page = context.new_page()
            sign_in(page, live_server, emails[role])
            for name, path in shots:
                page.goto(live_server + path, wait_until="networkidle")
                page.screenshot(path=OUT / f"{name}-{size_name}.png",
                                full_page=size_name == "phone")
            context.close()
