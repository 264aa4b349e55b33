"""A company's producers from the platform catalogue: added with only the company's own login
and key, the catalogue's later changes shown and taken over, each company's copy its own."""

from sqlalchemy import select

from app import secrets, tenancy
from app.extensions import db
from app.models import AuditEntry, CatalogueProducer, Party, Role
from app.parties import catalogue
from tests import factories

OPERATOR = catalogue.Operator(None, "operator@plomba.pl")
NOVITUS = catalogue.CatalogueEntry(
    name="Novitus S.A.", nip="7341590839", street="ul. Nawojowska 118", postal_code="33-300",
    city="Nowy Sącz", factory_masks=["@@@########"], unique_prefixes=["BCD", "BDE"],
    api_url="https://rzs.novitus.pl/api", online=True)


def _entry(app) -> int:
    with app.app_context():
        return catalogue.create_entry(NOVITUS, OPERATOR).id


def _change(app, entry_id, **values):
    with app.app_context():
        entry = db.session.get(CatalogueProducer, entry_id)
        data = catalogue.CatalogueEntry(**{**entry.values(), **values})
        catalogue.update_entry(entry, data, OPERATOR)


def _producer(app, tenant, producer_id) -> dict:
    with app.app_context(), tenancy.use_tenant(tenant.id):
        p = db.session.get(Party, producer_id)
        return {c: getattr(p, c) for c in (
            "name", "nip", "city", "factory_masks", "unique_prefixes", "api_url", "online",
            "api_login", "api_key_encrypted", "catalogue_producer_id", "catalogue_version")}


def _add(client, entry_id, login="serwis-alfa", key="klucz-alfa-1") -> int:
    response = client.post(f"/producenci/katalog/{entry_id}",
                           data={"api_login": login, "api_key": key})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_company_adds_from_catalogue_sees_a_change_and_takes_it_over(app, client, tenant_a,
                                                                     login):
    entry_id = _entry(app)
    login(tenant_a.owner_email)
    assert "Dodaj z katalogu" in client.get("/producenci").get_data(as_text=True)
    listing = client.get("/producenci/katalog").get_data(as_text=True)
    assert "Novitus S.A." in listing and "BCD, BDE" in listing
    form = client.get(f"/producenci/katalog/{entry_id}").get_data(as_text=True)
    # Only the company's own login and key are fields; the rest is the catalogue's.
    assert 'name="api_login"' in form and 'name="api_key"' in form
    assert 'name="nip"' not in form and 'name="api_url"' not in form
    producer_id = _add(client, entry_id)
    p = _producer(app, tenant_a, producer_id)
    assert (p["name"], p["nip"], p["city"], p["factory_masks"], p["unique_prefixes"],
            p["api_url"], p["online"]) == (
        "Novitus S.A.", "7341590839", "Nowy Sącz", ["@@@########"], ["BCD", "BDE"],
        "https://rzs.novitus.pl/api", True)
    assert (p["api_login"], p["catalogue_producer_id"], p["catalogue_version"]) == (
        "serwis-alfa", entry_id, 1)
    with app.app_context():
        assert secrets.decrypt(p["api_key_encrypted"]) == "klucz-alfa-1"
    page = client.get(f"/producenci/{producer_id}").get_data(as_text=True)
    assert "wersja 1 (aktualne)" in page and "Przyjmij zmiany" not in page
    # Added already: the catalogue says so and offers no second copy.
    assert "już w kartotece" in client.get("/producenci/katalog").get_data(as_text=True)
    assert "Dodaj producenta</button>" not in client.get(
        f"/producenci/katalog/{entry_id}").get_data(as_text=True)

    _change(app, entry_id, unique_prefixes=["BCD", "BDE", "BFG"],
            api_url="https://rzs2.novitus.pl/api", online=False)
    page = client.get(f"/producenci/{producer_id}").get_data(as_text=True)
    assert ("W katalogu:</strong> nowy prefiks BFG; adres API: https://rzs2.novitus.pl/api; "
            "tryb domyślny: Offline.") in page
    assert "Przyjmij zmiany" in page
    # Until taken over, the company's producer is as it was.
    assert _producer(app, tenant_a, producer_id)["unique_prefixes"] == ["BCD", "BDE"]

    accepted = client.post(f"/producenci/{producer_id}/przyjmij-zmiany")
    assert accepted.status_code == 303
    after = _producer(app, tenant_a, producer_id)
    assert (after["unique_prefixes"], after["api_url"], after["online"],
            after["catalogue_version"]) == (["BCD", "BDE", "BFG"],
                                            "https://rzs2.novitus.pl/api", False, 2)
    # The company's own login and key are never touched.
    assert (after["api_login"], after["api_key_encrypted"]) == (
        p["api_login"], p["api_key_encrypted"])
    page = client.get(f"/producenci/{producer_id}").get_data(as_text=True)
    assert "Przyjęto zmiany z katalogu: nowy prefiks BFG" in page
    assert "Przyjmij zmiany" not in page and "wersja 2 (aktualne)" in page
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        details = dict(db.session.execute(select(AuditEntry.action, AuditEntry.detail).where(
            AuditEntry.object_id == producer_id)).all())
        assert details["producer.created"] == "Novitus S.A. z katalogu (wersja 1)"
        assert details["producer.catalogue_accepted"] == (
            "wersja 2: nowy prefiks BFG; adres API: https://rzs2.novitus.pl/api; "
            "tryb domyślny: Offline")


def test_only_changes_since_the_copy_are_taken_over_local_edits_stay(app, client, tenant_a,
                                                                     login):
    entry_id = _entry(app)
    login(tenant_a.owner_email)
    producer_id = _add(client, entry_id)
    # The company chooses Offline for itself; the catalogue later changes only a mask.
    client.post(f"/producenci/{producer_id}/kontrola", data={
        "factory_masks": "@@@########", "unique_prefixes": "BCD, BDE",
        "api_url": "https://rzs.novitus.pl/api", "api_login": "serwis-alfa"})
    _change(app, entry_id, factory_masks=["@@@########", "NV########"])
    page = client.get(f"/producenci/{producer_id}").get_data(as_text=True)
    assert "W katalogu:</strong> nowa maska NV########." in page
    client.post(f"/producenci/{producer_id}/przyjmij-zmiany")
    after = _producer(app, tenant_a, producer_id)
    assert after["factory_masks"] == ["@@@########", "NV########"]
    assert after["online"] is False  # the company's own choice stays


def test_one_catalogue_for_all_each_company_its_own_copy(app, client, tenant_a, tenant_b,
                                                          login):
    entry_id = _entry(app)
    login(tenant_a.owner_email)
    a_id = _add(client, entry_id)
    other = app.test_client()
    other.post("/login", data={"email": tenant_b.owner_email, "password": factories.PASSWORD})
    assert "Novitus S.A." in other.get("/producenci/katalog").get_data(as_text=True)
    response = other.post(f"/producenci/katalog/{entry_id}",
                          data={"api_login": "serwis-beta", "api_key": "klucz-beta"})
    b_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert a_id != b_id
    # Another tenant's producer is not found, nor can its changes be taken over.
    assert other.get(f"/producenci/{a_id}").status_code == 404
    assert other.post(f"/producenci/{a_id}/przyjmij-zmiany").status_code == 404
    _change(app, entry_id, unique_prefixes=["BCD"])
    client.post(f"/producenci/{a_id}/przyjmij-zmiany")
    assert _producer(app, tenant_a, a_id)["unique_prefixes"] == ["BCD"]
    b = _producer(app, tenant_b, b_id)
    assert (b["unique_prefixes"], b["api_login"], b["catalogue_version"]) == (
        ["BCD", "BDE"], "serwis-beta", 1)
    assert "usunięty prefiks BDE" in other.get(f"/producenci/{b_id}").get_data(as_text=True)


def test_technicians_do_not_add_from_catalogue_nor_take_over(app, client, tenant_a, login):
    entry_id = _entry(app)
    with app.app_context():
        factories.make_user(tenant_a, "tech@alfa.pl", Role.TECHNICIAN)
    login(tenant_a.owner_email)
    producer_id = _add(client, entry_id)
    _change(app, entry_id, unique_prefixes=["BCD"])
    tech = app.test_client()
    tech.post("/login", data={"email": "tech@alfa.pl", "password": factories.PASSWORD})
    assert tech.get("/producenci/katalog").status_code in (403, 404)
    assert tech.post(f"/producenci/{producer_id}/przyjmij-zmiany").status_code in (403, 404)
    assert _producer(app, tenant_a, producer_id)["catalogue_version"] == 1


def test_a_nip_the_company_already_has_is_not_added_twice_but_linked(app, client, tenant_a,
                                                                      login):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")  # a producer with NIP 5272457354
        entry_id = catalogue.create_entry(catalogue.CatalogueEntry(
            name="Posnet Polska S.A.", nip="5272457354", factory_masks=["PO#########"],
            unique_prefixes=["ZBF", "EBF"], api_url="https://rzs.posnet.pl/api"), OPERATOR).id
    login(tenant_a.owner_email)
    page = client.get(f"/producenci/katalog/{entry_id}").get_data(as_text=True)
    assert "Ten NIP jest już w Twojej kartotece" in page and "Producent Alfa" in page
    response = client.post(f"/producenci/katalog/{entry_id}", data={"api_login": "x"})
    assert response.status_code == 200
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.scalar(select(db.func.count()).select_from(Party).where(
            Party.nip == "5272457354")) == 1
    # The producer added by hand is linked instead; its data changes only when taken over.
    producer_url = f"/producenci/{ids['producer_id']}"
    assert "Połącz z katalogiem" in client.get(producer_url).get_data(as_text=True)
    assert client.post(f"{producer_url}/polacz-z-katalogiem").status_code == 303
    page = client.get(producer_url).get_data(as_text=True)
    assert ("W katalogu:</strong> nazwa: Posnet Polska S.A.; nowy prefiks EBF; "
            "adres API: https://rzs.posnet.pl/api.") in page
    linked = _producer(app, tenant_a, ids["producer_id"])
    assert (linked["name"], linked["catalogue_producer_id"], linked["catalogue_version"]) == (
        "Producent Alfa", entry_id, None)
    client.post(f"{producer_url}/przyjmij-zmiany")
    taken = _producer(app, tenant_a, ids["producer_id"])
    assert (taken["name"], taken["unique_prefixes"], taken["api_url"], taken["api_login"],
            taken["catalogue_version"]) == ("Posnet Polska S.A.", ["ZBF", "EBF"],
                                            "https://rzs.posnet.pl/api", "x", 1)


def test_the_demo_company_takes_its_producers_from_the_catalogue(app, monkeypatch):
    from app.demo import DEMO_PRODUCERS, seed_demo

    with app.app_context():
        info = seed_demo()
        db.session.remove()
    monkeypatch.setenv("PLOMBA_DEMO_RZS_URL", "http://127.0.0.1:5057")
    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        entries = {e.nip: e for e in db.session.scalars(select(CatalogueProducer))}
        assert sorted(entries) == sorted(p.nip for p in DEMO_PRODUCERS)
        # The catalogue's registry addresses follow the emulator's port, as the producers do.
        assert {e.api_url for e in entries.values()} == {
            f"http://127.0.0.1:5057/{p.code}" for p in DEMO_PRODUCERS}
        with tenancy.use_tenant(info.tenant_id):
            producers = db.session.scalars(select(Party).where(
                Party.is_producer.is_(True))).all()
            assert len(producers) == len(DEMO_PRODUCERS)
            for producer in producers:
                assert producer.catalogue_producer_id == entries[producer.nip].id
                assert producer.api_url == entries[producer.nip].api_url
                assert producer.api_login.startswith("demo-")
                # Linked and current: a port change is no change of the catalogue.
                assert catalogue.pending_changes(producer) is None
