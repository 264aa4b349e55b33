""""Stan systemu" in a real browser at a phone's width and a laptop's: reached from the
console's menu, nothing wider than the screen, no CSP violation, no axe-core violation."""

import pytest

from tests.e2e import test_phone_walk as walk
from tests.platform import test_status
from tests.platform.operators import OP_EMAIL, OP_PASSWORD, sign_in_operator

pytestmark = pytest.mark.e2e


def test_the_status_page_fits_a_phone(app, live_server, browser, tenant_a, tenant_b,
                                      redis_client):
    test_status._data(app, tenant_a, tenant_b)
    test_status._rq_data(app, redis_client)
    sign_in_operator(app, app.test_client())  # creates the operator
    problems: list[str] = []
    for size_name, size in walk.SIZES.items():
        context = browser.new_context(locale="pl-PL", viewport=size, has_touch=True)
        page = context.new_page()
        page.add_init_script(walk.INIT_SCRIPT)
        page.route(f"**{walk.AXE_URL}", lambda route: route.fulfill(
            path=walk.AXE, content_type="text/javascript"))
        page.on("console", lambda m, s=size_name: problems.append(f"[{s}] console: {m.text}")
                if m.type in ("error", "warning") else None)
        page.goto(f"{live_server}/platform/logowanie")
        page.fill("#email", OP_EMAIL)
        page.fill("#password", OP_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server}/platform")
        walk.check_page(page, f"[{size_name}] /platform", problems)
        page.click("text=Stan systemu")
        page.wait_for_url(f"{live_server}/platform/stan")
        assert page.locator("h1").inner_text() == "Stan systemu"
        assert page.locator("text=robot-1").count() == 1
        walk.check_page(page, f"[{size_name}] /platform/stan", problems)
        context.close()
    assert problems == [], "\n".join(problems)
