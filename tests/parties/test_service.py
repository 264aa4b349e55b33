"""The parties service called directly, as the CLI, jobs and the API call it (no HTTP)."""

import pytest
from sqlalchemy import func, select

from app.domain_errors import FieldError, Refused
from app.extensions import db
from app.models import AuditEntry, Location, Party, Role
from app.parties import service
from app.parties.service import ClientData, FactoryCheck, LocationData, PartyData

OWNER = Role.OWNER.value


def _parties() -> int:
    return db.session.scalar(select(func.count()).select_from(Party))


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_create_client_normalises_and_audits(ids):
    client = service.create_client(ClientData(name="Sklep Pod Lipą", nip="PL 526-025-02-74",
                                              city="Warszawa"))
    assert (client.nip, client.name_key, client.is_client) == (
        "5260250274", "sklep pod lipa", True)  # folded, app/textfold.py
    [entry] = _audit("client.created")
    assert (entry.object_id, entry.detail) == (client.id, "Sklep Pod Lipą")


@pytest.mark.parametrize(("nip", "message"), [
    ("7010002139", "Kontrahent z tym NIP już istnieje: Klient Alfa."),
    ("5272457354", "Kontrahent z tym NIP już istnieje: Producent Alfa."),
    ("1234563219", "Nieprawidłowy NIP: błędna suma kontrolna."),
])
def test_a_taken_or_bad_nip_is_a_field_error_and_nothing_saved(ids, nip, message):
    before = _parties()
    with pytest.raises(FieldError) as error:
        service.create_client(ClientData(name="Inny", nip=nip))
    assert (error.value.field, error.value.message) == ("nip", message)
    assert _parties() == before and _audit("client.created") == []


def test_a_nip_taken_between_check_and_commit_is_the_same_field_error(ids, monkeypatch):
    monkeypatch.setattr(service, "nip_problem", lambda *args: None)  # the check sees nothing
    client = db.session.get(Party, ids["client_id"])
    with pytest.raises(FieldError) as error:
        service.update_client(client, ClientData(name="Klient Alfa", nip="5272457354"))
    assert (error.value.field, error.value.message) == ("nip", service.NIP_TAKEN)
    assert db.session.get(Party, ids["client_id"]).nip == "7010002139"
    assert _audit("client.updated") == []


def test_update_keeps_its_own_nip(ids):
    client = db.session.get(Party, ids["client_id"])
    service.update_client(client, ClientData(name="Klient Alfa 2", nip="7010002139",
                                             regon="", notes="stały"))
    assert (client.name, client.notes) == ("Klient Alfa 2", "stały")
    assert len(_audit("client.updated")) == 1


def test_delete_refused_while_referenced_with_the_reason(ids):
    client = db.session.get(Party, ids["client_id"])
    with pytest.raises(Refused) as refused:
        service.delete_client(client, OWNER)
    assert refused.value.message == (
        "Nie można usunąć: klient występuje w 1 zleceniu i 1 urządzeniu.")
    producer = db.session.get(Party, ids["producer_id"])
    with pytest.raises(Refused) as refused:
        service.delete_producer(producer, OWNER)
    assert "producent występuje w 1 urządzeniu i 1 uprawnieniu serwisanta" in refused.value.message
    assert _parties() == 2 and _audit("client.deleted") == []


def test_delete_an_unused_client_with_its_sites(ids):
    client = service.create_client(ClientData(name="Nowy", nip="5260250274"))
    location = service.create_location(client, LocationData(street="Długa 1",
                                                            postal_code="00-001", city="Wa"))
    assert [e.object_id for e in _audit("location.created")] == [location.id]
    service.delete_client(client, Role.OFFICE.value)
    assert db.session.get(Party, client.id) is None
    assert db.session.get(Location, location.id) is None
    assert [e.object_id for e in _audit("client.deleted")] == [client.id]


def test_location_delete_refused_while_referenced(ids):
    location = db.session.get(Location, ids["location_id"])
    with pytest.raises(Refused) as refused:
        service.delete_location(location, OWNER)
    assert refused.value.message == (
        "Nie można usunąć: miejsce instalacji występuje w 1 urządzeniu i 1 zleceniu.")


def test_producer_and_its_factory_check(ids):
    producer = service.create_producer(PartyData(name="Elzab", nip="5260250274"))
    assert (producer.is_producer, producer.is_client) == (True, False)
    service.update_factory_check(producer, FactoryCheck(
        factory_masks=["ab#####", "AB#####"], unique_prefixes=["ebf", " zbf "],
        api_url="https://rzs.example/api", online=True, api_key="tajny"))
    assert producer.factory_masks == ["AB#####"]
    assert producer.unique_prefixes == ["EBF", "ZBF"]
    assert producer.api_key_set and producer.api_key_encrypted != "tajny"
    [entry] = _audit("producer.api_updated")
    assert entry.detail == "tryb online; klucz zapisany"


@pytest.mark.parametrize(("check", "field", "message"), [
    (FactoryCheck(unique_prefixes=["ZB", "EBF1"]), "unique_prefixes",
     "Prefiks to trzy litery; popraw: ZB, EBF1."),
    (FactoryCheck(factory_masks=["#" * 33]), "factory_masks", "za długa"),
])
def test_factory_check_rules_are_field_errors(ids, check, field, message):
    producer = db.session.get(Party, ids["producer_id"])
    with pytest.raises(FieldError) as error:
        service.update_factory_check(producer, check)
    assert error.value.field == field and message in error.value.message
    db.session.rollback()
    assert db.session.get(Party, ids["producer_id"]).unique_prefixes == ["ZBF"]
