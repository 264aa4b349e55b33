"""The operators' catalogue of producers: list, add, edit with the producer form's rules, each
save a new version with a revision naming the operator; nobody else finds it."""

import re

from sqlalchemy import select

from app.accounts.passwords import hash_password
from app.extensions import db
from app.identifiers import POSTAL_CODE_MESSAGE
from app.models import CatalogueProducer, CatalogueRevision, Operator

OP_EMAIL, OP_PASSWORD = "operator@plomba.pl", "haslo-operatora-1"

ENTRY = {"name": "Posnet Polska S.A.", "nip": "527-526-01-84", "street": "ul. Municypalna 33",
         "postal_code": "02-281", "city": "Warszawa", "factory_masks": "po#########",
         "unique_prefixes": "zbf, EBF", "api_url": "https://rzs.posnet.pl/api", "online": "y"}


def _errors(response) -> dict[str, str]:
    html = response.get_data(as_text=True)
    return {name: re.sub(r"<[^>]+>", " ", text).strip()
            for name, text in re.findall(r'<div class="error" id="([^"]+)-error">(.*?)</div>',
                                         html, re.S) if text.strip()}


def _sign_in(app, client):
    with app.app_context():
        db.session.add(Operator(email=OP_EMAIL, password_hash=hash_password(OP_PASSWORD)))
        db.session.commit()
    assert client.post("/platform/logowanie", data={"email": OP_EMAIL,
                                                    "password": OP_PASSWORD}).status_code == 303


def _entries(app) -> list[dict]:
    with app.app_context():
        return [{**e.values(), "id": e.id, "version": e.version}
                for e in db.session.scalars(select(CatalogueProducer))]


def test_operator_adds_and_edits_an_entry_each_save_a_version(app, client):
    _sign_in(app, client)
    assert "Katalog jest pusty" in client.get("/platform/katalog").get_data(as_text=True)
    assert client.post("/platform/katalog/nowy", data=ENTRY).status_code == 303
    [entry] = _entries(app)
    assert (entry["nip"], entry["factory_masks"], entry["unique_prefixes"], entry["online"],
            entry["version"]) == ("5275260184", ["PO#########"], ["ZBF", "EBF"], True, 1)
    listing = client.get("/platform/katalog").get_data(as_text=True)
    assert "Posnet Polska S.A." in listing and "ZBF, EBF" in listing

    edit_url = f"/platform/katalog/{entry['id']}"
    form = client.get(edit_url).get_data(as_text=True)
    assert "ZBF, EBF" in form and "PO#########" in form and "dodano do katalogu" in form
    changed = {**ENTRY, "unique_prefixes": "ZBF, EBF, XYZ", "online": ""}
    assert client.post(edit_url, data=changed).status_code == 303
    [entry] = _entries(app)
    assert entry["version"] == 2 and entry["unique_prefixes"] == ["ZBF", "EBF", "XYZ"]
    assert entry["online"] is False
    # Saving the same values again is no new version.
    client.post(edit_url, data=changed)
    assert _entries(app)[0]["version"] == 2
    with app.app_context():
        revisions = db.session.scalars(select(CatalogueRevision).order_by(
            CatalogueRevision.version)).all()
        assert [(r.version, r.author) for r in revisions] == [(1, OP_EMAIL), (2, OP_EMAIL)]
        assert revisions[1].changes == "nowy prefiks XYZ; tryb domyślny: Offline"
    history = client.get(edit_url).get_data(as_text=True)
    assert "nowy prefiks XYZ; tryb domyślny: Offline" in history


def test_bad_values_are_refused_at_their_fields_nothing_saved(app, client):
    _sign_in(app, client)
    bad = client.post("/platform/katalog/nowy", data={
        **ENTRY, "name": "", "nip": "527-526-01-85", "postal_code": "0228",
        "factory_masks": "P" * 33, "unique_prefixes": "ZB1, EBF", "api_url": "rzs.posnet.pl"})
    errors = _errors(bad)
    assert errors == {
        "name": "Podaj nazwę producenta.",
        "nip": "Nieprawidłowy NIP: błędna suma kontrolna.",
        "postal_code": POSTAL_CODE_MESSAGE,
        "factory_masks": f"Maska {'P' * 33} jest za długa (najwyżej 32 znaki).",
        "unique_prefixes": "Prefiks to trzy litery; popraw: ZB1.",
        "api_url": "Podaj pełny adres, np. https://rzs.producent.pl/api.",
    }
    assert re.search(r'aria-describedby="[^"]*\bnip-error"', bad.get_data(as_text=True))
    assert _entries(app) == []
    # The same NIP twice in the catalogue: refused at the NIP.
    client.post("/platform/katalog/nowy", data=ENTRY)
    twice = client.post("/platform/katalog/nowy", data={**ENTRY, "name": "Inny"})
    assert _errors(twice) == {"nip": "Producent z tym NIP jest już w katalogu."}
    [entry] = _entries(app)
    edit = client.post(f"/platform/katalog/{entry['id']}", data={**ENTRY, "api_url": "ftp://x"})
    assert _errors(edit) == {"api_url": "Podaj pełny adres, np. https://rzs.producent.pl/api."}
    assert _entries(app)[0]["version"] == 1


def test_the_catalogue_does_not_exist_for_tenant_users_and_strangers(app, client, tenant_a,
                                                                     login):
    with app.app_context():
        entry = CatalogueProducer(name="Elzab S.A.", nip="6480166139")
        db.session.add(entry)
        db.session.commit()
        entry_id = entry.id
    urls = ["/platform/katalog", "/platform/katalog/nowy", f"/platform/katalog/{entry_id}"]
    for url in urls:
        assert client.get(url).status_code == 404
    for url in urls[1:]:
        assert client.post(url, data=ENTRY).status_code == 404
    login(tenant_a.owner_email)
    for url in urls:
        assert client.get(url).status_code == 404
    for url in urls[1:]:
        assert client.post(url, data=ENTRY).status_code == 404
    assert [e["name"] for e in _entries(app)] == ["Elzab S.A."]


def test_an_edit_that_lost_to_another_operators_save_is_told_so(app):
    import pytest

    from app.domain_errors import FieldErrors
    from app.parties import catalogue

    by = catalogue.Operator(None, OP_EMAIL)
    with app.app_context():
        entry = catalogue.create_entry(catalogue.CatalogueEntry(name="Elzab S.A.",
                                                                nip="6480166139"), by)
        # The other operator's version 2, saved after this one read version 1.
        db.session.add(CatalogueRevision(entry_id=entry.id, version=2, author="inny@plomba.pl"))
        db.session.commit()
        with pytest.raises(FieldErrors) as refused:
            catalogue.update_entry(entry, catalogue.CatalogueEntry(
                name="Elzab S.A.", nip="6480166139", unique_prefixes="ACG"), by)
        assert refused.value.problems == {"name": catalogue.CHANGED_MEANWHILE}
        assert db.session.get(CatalogueProducer, entry.id).unique_prefixes == []
