"""Back and Forward over addresses htmx pushed: htmx (historyCacheSize 0) asks the server for
the address and swaps the reply into <body>, so the reply is the whole page even when the
request says HX-Request (htmx's historyRestoreAsHxRequest); a plain htmx request still gets
the fragment. And the icon that documents without one (the PDF of "Druk") ask for."""

import pytest

from tests import factories

RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


@pytest.mark.parametrize("path", [
    "/klienci?q=alfa", "/producenci?q=alfa", "/urzadzenia?q=zbf", "/serwisanci?q=jan",
    "/uslugi?q=prze", "/zlecenia?q=alfa", "/zlecenia/zamkniete?q=alfa", "/wysylka?status=pending",
    "/administracja/dziennik?action=order.created", "/zlecenia/{order_id}/pozycje",
    "/raporty/podglad?kind=services&date_from=2026-01-01&date_to=2026-12-31",
])
def test_a_history_restore_gets_the_whole_page_and_htmx_the_fragment(app, client, tenant_a,
                                                                     login, path):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    path = path.format(**ids)

    restored = client.get(path, headers=RESTORE)
    assert restored.status_code == 200
    html = restored.get_data(as_text=True)
    assert "<html" in html and 'id="sidenav"' in html
    assert {"HX-Request", "HX-History-Restore-Request"} <= set(restored.vary)

    fragment = client.get(path, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)
    assert {"HX-Request", "HX-History-Restore-Request"} <= set(fragment.vary)


def test_htmx_is_told_to_restore_history_as_a_plain_request(client):
    assert '"historyRestoreAsHxRequest": false' in client.get("/login").get_data(as_text=True)


def test_favicon_ico_is_the_app_icon_for_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.get_data().lstrip().startswith(b"<svg")
