from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Role, Service
from tests import factories


def _count(app, tenant):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        return db.session.scalar(select(func.count()).select_from(Service))


def test_add_service_and_see_it_listed(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    response = client.post("/uslugi/nowa", data={
        "name": "Przegląd ustawowy kasy", "price": "1 150,50", "vat_rate": "23",
        "special_kind": "P", "service_book": "y", "active": "y"})
    assert response.status_code == 303
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        service = db.session.scalar(select(Service))
        assert (service.name, str(service.price), service.special_kind, service.service_book) == (
            "Przegląd ustawowy kasy", "1150.50", "P", True)
    listing = client.get("/uslugi?q=przegl").get_data(as_text=True)
    assert "Przegląd ustawowy kasy" in listing and "1 150,50 zł" in listing
    partial = client.get("/uslugi?q=zzz", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True)
    assert "Brak usług" in partial.get_data(as_text=True)
    assert "HX-Request" in partial.headers["Vary"]


def test_bad_input_is_shown_at_the_field_and_nothing_saved(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    cases = [
        ({"name": "", "price": "10"}, "Podaj nazwę usługi."),
        ({"name": "x" * 201, "price": "10"}, "Najwyżej 200 znaków, wpisano 201."),
        ({"name": "Naprawa", "price": "dziesięć"}, "Podaj liczbę, np. 150,00."),
        ({"name": "Naprawa", "price": "-5"}, "nie może być mniejsza niż 0"),
        ({"name": "Naprawa", "price": "5", "special_kind": "X"}, "Nieprawidłowy wybór"),
    ]
    for data, message in cases:
        response = client.post("/uslugi/nowa", data={"vat_rate": "23", **data})
        body = response.get_data(as_text=True)
        assert response.status_code == 200
        assert message in body, message
        if data["name"] and len(data["name"]) < 50:
            assert f'value="{data["name"]}"' in body  # the form is kept as typed
    assert _count(app, tenant_a) == 0


def test_special_kind_may_be_shared_and_edited(app, client, tenant_a, login):
    login(tenant_a.owner_email)
    for name in ("Przegląd kasy", "Przegląd drukarki"):
        client.post("/uslugi/nowa", data={"name": name, "price": "100", "vat_rate": "23",
                                           "special_kind": "P"})
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        ids = db.session.scalars(select(Service.id).where(Service.special_kind == "P")).all()
    assert len(ids) == 2
    response = client.post(f"/uslugi/{ids[0]}/edycja", data={
        "name": "Przegląd kasy fiskalnej", "price": "120", "vat_rate": "8", "special_kind": ""})
    assert response.status_code == 303
    detail = client.get(f"/uslugi/{ids[0]}").get_data(as_text=True)
    assert "Przegląd kasy fiskalnej" in detail and "120,00 zł" in detail and "brak" in detail


def test_delete_refused_when_orders_use_it(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
    login(tenant_a.owner_email)
    response = client.post(f"/uslugi/{ids['service_id']}/usun", follow_redirects=True)
    assert "Nie można usunąć: usługa występuje w 1 pozycji zlecenia." in response.get_data(
        as_text=True)
    assert _count(app, tenant_a) == 1
    client.post("/uslugi/nowa", data={"name": "Dojazd", "price": "50", "vat_rate": "23"})
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        unused = db.session.scalar(select(Service.id).where(Service.name == "Dojazd"))
    response = client.post(f"/uslugi/{unused}/usun")
    assert response.status_code == 303
    assert _count(app, tenant_a) == 1


def test_technician_reads_but_does_not_edit_services(app, client, tenant_a, login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
    login("tech@alfa.pl")
    assert client.get("/uslugi").status_code == 200
    page = client.get(f"/uslugi/{ids['service_id']}").get_data(as_text=True)
    assert "Edytuj" not in page
    assert client.get("/uslugi/nowa").status_code == 403
    assert client.post("/uslugi/nowa", data={"name": "X", "vat_rate": "23"}).status_code == 403
    assert client.post(f"/uslugi/{ids['service_id']}/edycja", data={"name": "X"}).status_code == 403
    assert client.post(f"/uslugi/{ids['service_id']}/usun").status_code == 403
    assert _count(app, tenant_a) == 1


def test_keyset_pagination_walks_all_services(app, client, tenant_a, login):
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        db.session.add_all([Service(name=f"Usługa {i:03d}") for i in range(120)])
        db.session.commit()
    login(tenant_a.owner_email)
    import re

    seen, url = [], "/uslugi"
    while url:
        body = client.get(url).get_data(as_text=True)
        seen += re.findall(r">(Usługa \d{3})</a>", body)
        nxt = re.search(r'href="([^"]+)"[^>]*rel="next"', body)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert seen == [f"Usługa {i:03d}" for i in range(120)]
