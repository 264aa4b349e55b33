"""Clients with their installation sites, and producers: create, update, delete. Plain values
in, records out; every entry point (screens, CLI, jobs, the API) calls these."""

from dataclasses import dataclass, field

from app import audit, secrets
from app.domain_errors import FieldError
from app.extensions import db
from app.identifiers import (
    IdentifierError,
    normalize_factory_masks,
    normalize_nip,
    normalize_postal_code,
    normalize_regon,
    normalize_unique_prefixes,
)
from app.models import Location, Party
from app.parties.rules import nip_problem
from app.records import delete, save
from app.rzs import dispatch

NIP_TAKEN = "Kontrahent z tym NIP już istnieje."


@dataclass
class PartyData:
    """What clients and producers share."""

    name: str
    nip: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    email: str = ""
    phone: str = ""


@dataclass
class ClientData(PartyData):
    regon: str = ""
    reminder_consent: bool = False
    notes: str = ""


@dataclass
class LocationData:
    street: str
    postal_code: str
    city: str
    name: str = ""


@dataclass
class FactoryCheck:
    """The producer's "Kontrola Nr-f." tab: number formats and the registry's API parameters.
    The API key is kept when `api_key` is empty, unless `clear_api_key`."""

    factory_masks: list[str] = field(default_factory=list)
    unique_prefixes: list[str] = field(default_factory=list)
    api_url: str = ""
    api_login: str = ""
    online: bool = False
    api_key: str = ""
    clear_api_key: bool = False


# --- clients -------------------------------------------------------------------------------

def create_client(data: ClientData) -> Party:
    client = Party(is_client=True)
    return _save_party(client, data, "client.created")


def update_client(client: Party, data: ClientData) -> Party:
    return _save_party(client, data, "client.updated")


def delete_client(client: Party, role: str) -> None:
    """The client goes with its installation sites; refused while orders or devices refer to
    it."""
    delete(client, "klient", "client.deleted", client.name, role, dependents=client.locations)


# --- installation sites --------------------------------------------------------------------

def create_location(client: Party, data: LocationData) -> Location:
    location = Location(client_id=client.id)
    return _save_location(location, data, "location.created")


def update_location(location: Location, data: LocationData) -> Location:
    return _save_location(location, data, "location.updated")


def delete_location(location: Location, role: str) -> None:
    delete(location, "miejsce instalacji", "location.deleted", location.address, role)


def _save_location(location: Location, data: LocationData, action: str) -> Location:
    postal_code = _postal_code(data.postal_code)
    location.name = data.name
    location.street, location.postal_code, location.city = (
        data.street, postal_code, data.city)
    return save(location, action, lambda: location.address)


# --- producers -----------------------------------------------------------------------------

def create_producer(data: PartyData) -> Party:
    producer = Party(is_producer=True, is_client=False)
    return _save_party(producer, data, "producer.created")


def update_producer(producer: Party, data: PartyData) -> Party:
    return _save_party(producer, data, "producer.updated")


def update_factory_check(producer: Party, data: FactoryCheck) -> Party:
    """Masks and prefixes (checked by app/identifiers.py), API parameters, the key encrypted."""
    try:
        masks = normalize_factory_masks(data.factory_masks)
    except IdentifierError as exc:
        raise FieldError("factory_masks", str(exc)) from None
    try:
        prefixes = normalize_unique_prefixes(data.unique_prefixes)
    except IdentifierError as exc:
        raise FieldError("unique_prefixes", str(exc)) from None
    producer.factory_masks, producer.unique_prefixes = masks, prefixes
    producer.api_url, producer.api_login = data.api_url, data.api_login
    producer.online = data.online
    if data.clear_api_key:
        producer.api_key_encrypted = ""
    elif data.api_key:
        producer.api_key_encrypted = secrets.encrypt(data.api_key)
    return save(producer, "producer.api_updated",
                lambda: f"tryb {'online' if producer.online else 'offline'}; "
                        f"klucz {'zapisany' if producer.api_key_set else 'brak'}")


def test_connection(producer: Party, user_id: int | None = None) -> tuple[bool, str]:
    """The registry's ping; its result is kept on the producer and audited (as the user who
    asked for it: the job runs it later, elsewhere)."""
    ok, message = dispatch.test_connection(producer)
    audit.record("producer.connection_test", producer, message, user_id=user_id)
    db.session.commit()
    return ok, message


def delete_producer(producer: Party, role: str) -> None:
    delete(producer, "producent", "producer.deleted", producer.name, role)


# --- shared --------------------------------------------------------------------------------

def _save_party(party: Party, data: PartyData, action: str) -> Party:
    """Check the identifiers first (before the record changes, so no flush writes it), fill,
    save; a NIP taken meanwhile by another request is the same field error."""
    nip = _free_nip(data.nip, party.id)
    regon = _regon(data.regon) if isinstance(data, ClientData) else None
    postal_code = _postal_code(data.postal_code)
    party.name, party.nip = data.name, nip  # name_key follows (Party._keep_name_key)
    party.street, party.postal_code, party.city = data.street, postal_code, data.city
    party.email, party.phone = data.email, data.phone
    if isinstance(data, ClientData):
        party.regon = regon
        party.reminder_consent = data.reminder_consent
        party.notes = data.notes
    return save(party, action, lambda: party.name, lambda exc: FieldError("nip", NIP_TAKEN))


def _free_nip(raw: str, exclude_id: int | None) -> str:
    """The normalised NIP, unless it is malformed or another party of the tenant has it (the
    same words as the inline check)."""
    problem = nip_problem(raw, exclude_id)
    if problem:
        raise FieldError("nip", problem)
    return normalize_nip(raw)


def _regon(raw: str) -> str:
    try:
        return normalize_regon(raw)
    except IdentifierError as exc:
        raise FieldError("regon", str(exc)) from None


def _postal_code(raw: str) -> str:
    """00-000 however it was typed (a future importer gets the same rule as the forms)."""
    try:
        return normalize_postal_code(raw)
    except IdentifierError as exc:
        raise FieldError("postal_code", str(exc)) from None
