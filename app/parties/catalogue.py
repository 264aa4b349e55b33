"""The platform catalogue of producers: the operators keep its entries (each change a new
version, with a revision that says who changed what); a company adds a producer from an
entry, typing only its own API login and key, and later takes over the entry's changes.

The entry's values are checked by the same rules as a company's producer (app/identifiers.py,
app/parties/rules.py). A company's copy is its own row (tenant-owned Party); the entry is
shared by all companies and no company writes it."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import clock, secrets
from app.domain_errors import FieldError, FieldErrors, Refused
from app.extensions import db
from app.formatting import sentence
from app.identifiers import (
    IdentifierError,
    format_nip,
    normalize_factory_masks,
    normalize_nip,
    normalize_unique_prefixes,
)
from app.models import CATALOGUE_FIELDS, CatalogueProducer, CatalogueRevision, Party
from app.parties.rules import api_url_problem, nip_holder
from app.records import save

NIP_IN_CATALOGUE = "Producent z tym NIP jest już w katalogu."
CHANGED_MEANWHILE = "Inny operator właśnie zmienił ten wpis: otwórz go ponownie i zapisz zmiany."

LABELS = {
    "name": "nazwa", "nip": "NIP", "street": "ulica", "postal_code": "kod pocztowy",
    "city": "miejscowość", "api_url": "adres API",
}
# List fields: (the word for one added, for one removed)
LIST_WORDS = {
    "unique_prefixes": ("nowy prefiks", "usunięty prefiks"),
    "factory_masks": ("nowa maska", "usunięta maska"),
}


@dataclass
class CatalogueEntry:
    """An entry's values as an operator (or the demo seed) gives them."""

    name: str
    nip: str
    street: str = ""
    postal_code: str = ""
    city: str = ""
    factory_masks: list[str] | str = field(default_factory=list)
    unique_prefixes: list[str] | str = field(default_factory=list)
    api_url: str = ""
    online: bool = True


@dataclass(frozen=True)
class Operator:
    """Who changes the catalogue: an operator's id and e-mail (None, "" for the demo seed)."""

    id: int | None
    email: str


# --- the operators' side ---------------------------------------------------------------------

def entries() -> list[CatalogueProducer]:
    return list(db.session.scalars(select(CatalogueProducer).order_by(
        CatalogueProducer.name, CatalogueProducer.id)))


def create_entry(data: CatalogueEntry, by: Operator) -> CatalogueProducer:
    return _save_entry(CatalogueProducer(version=0), data, by)


def update_entry(entry: CatalogueProducer, data: CatalogueEntry,
                 by: Operator) -> CatalogueProducer:
    return _save_entry(entry, data, by)


def _save_entry(entry: CatalogueProducer, data: CatalogueEntry,
                by: Operator) -> CatalogueProducer:
    """Check every value first (nothing written on a refusal), then a new version with its
    revision, in one commit; an unchanged entry stays at its version."""
    values = _checked(data, entry.id)
    before = entry.values() if entry.id is not None else {}
    changed = [name for name in CATALOGUE_FIELDS if before.get(name) != values[name]]
    if entry.id is not None and not changed:
        return entry
    for name, value in values.items():
        setattr(entry, name, value)
    entry.version = (entry.version or 0) + 1
    db.session.add(entry)
    try:
        db.session.flush()  # the new entry's id; a NIP taken meanwhile fails here
        db.session.add(CatalogueRevision(
            entry_id=entry.id, version=entry.version, at=clock.now(), operator_id=by.id,
            author=by.email, snapshot=values,
            changes="; ".join(describe(before, values)) if before else "dodano do katalogu"))
        db.session.commit()
    except IntegrityError:
        # Another operator won meanwhile: with this NIP, or with this entry's next version
        # (the revision's unique version).
        db.session.rollback()
        if _nip_holder(values["nip"], entry.id if before else None) is not None:
            raise FieldError("nip", NIP_IN_CATALOGUE) from None
        raise FieldError("name", CHANGED_MEANWHILE) from None
    return entry


def _nip_holder(nip: str, entry_id: int | None) -> int | None:
    holder = db.session.scalar(select(CatalogueProducer.id).where(CatalogueProducer.nip == nip))
    return holder if holder != entry_id else None


def _checked(data: CatalogueEntry, entry_id: int | None) -> dict:
    """The entry's values normalised, or FieldErrors with every field's problem."""
    problems: dict[str, str] = {}
    values: dict = {"name": data.name.strip(), "street": data.street.strip(),
                    "postal_code": data.postal_code.strip(), "city": data.city.strip(),
                    "api_url": data.api_url.strip(), "online": bool(data.online)}
    if not values["name"]:
        problems["name"] = "Podaj nazwę producenta."
    for name, normalize in (("nip", normalize_nip), ("factory_masks", normalize_factory_masks),
                            ("unique_prefixes", normalize_unique_prefixes)):
        try:
            values[name] = normalize(getattr(data, name))
        except IdentifierError as exc:
            problems[name] = str(exc)
    url_problem = api_url_problem(values["api_url"])
    if url_problem:
        problems["api_url"] = url_problem
    if "nip" not in problems and _nip_holder(values["nip"], entry_id) is not None:
        problems["nip"] = NIP_IN_CATALOGUE
    if problems:
        raise FieldErrors(problems)
    return values


# --- what changed ----------------------------------------------------------------------------

def describe(before: dict, after: dict) -> list[str]:
    """The differences of two versions in words: "nowy prefiks XYZ", "adres API: …"."""
    out = []
    for name in CATALOGUE_FIELDS:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in LIST_WORDS:
            added_word, removed_word = LIST_WORDS[name]
            out += [f"{added_word} {v}" for v in new or [] if v not in (old or [])]
            out += [f"{removed_word} {v}" for v in old or [] if v not in (new or [])]
        elif name == "online":
            out.append("tryb domyślny: " + ("Online" if new else "Offline"))
        elif name == "nip":
            out.append(f"NIP: {format_nip(new)}")
        else:
            out.append(f"{LABELS[name]}: {new or '(pusty)'}")
    return out


@dataclass(frozen=True)
class PendingChanges:
    """What the catalogue entry changed since the company's producer took it over."""

    entry: CatalogueProducer
    fields: tuple[str, ...]
    words: tuple[str, ...]

    @property
    def sentence(self) -> str:
        """The changes as one sentence: "nowy prefiks BFG; tryb domyślny: Offline."."""
        return sentence("; ".join(self.words))


def pending_changes(producer: Party) -> PendingChanges | None:
    """None when the producer is not from the catalogue, took over the entry's version, or
    nothing the entry says differs from what it took."""
    entry = linked_entry(producer)
    if entry is None or producer.catalogue_version == entry.version:
        return None
    if producer.catalogue_version is None:
        # Linked but never taken over (a producer added by hand before): its own values.
        taken = {name: getattr(producer, name) for name in CATALOGUE_FIELDS}
    else:
        taken = db.session.scalar(select(CatalogueRevision.snapshot).where(
            CatalogueRevision.entry_id == entry.id,
            CatalogueRevision.version == producer.catalogue_version)) or {}
    current = entry.values()
    if not any(taken.get(name) != current[name] for name in CATALOGUE_FIELDS):
        return None
    fields = tuple(name for name in CATALOGUE_FIELDS if taken.get(name) != current[name])
    return PendingChanges(entry, fields, tuple(describe(taken, current)))


def linked_entry(producer: Party) -> CatalogueProducer | None:
    if producer.catalogue_producer_id is None:
        return None
    return db.session.get(CatalogueProducer, producer.catalogue_producer_id)


# --- the company's side ----------------------------------------------------------------------

def producer_from(entry: CatalogueProducer) -> Party:
    """A new (unsaved) producer of the current tenant with the entry's values, linked to it."""
    producer = Party(is_producer=True, is_client=False, catalogue_producer_id=entry.id,
                     catalogue_version=entry.version)
    for name, value in entry.values().items():
        setattr(producer, name, list(value) if isinstance(value, list) else value)
    return producer


def taken_by(entry: CatalogueProducer) -> Party | None:
    """The company's party that already has the entry's NIP (a producer added before)."""
    return nip_holder(entry.nip)


def add_from_catalogue(entry: CatalogueProducer, api_login: str, api_key: str) -> Party:
    """The company's own producer from the entry; only its API login and key are its own."""
    holder = taken_by(entry)
    if holder is not None:
        raise Refused(f"Kontrahent z NIP {format_nip(entry.nip)} już jest w kartotece: "
                      + sentence(holder.name))
    producer = producer_from(entry)
    producer.api_login = api_login
    producer.api_key_encrypted = secrets.encrypt(api_key) if api_key else ""
    return save(producer, "producer.created",
                lambda: f"{producer.name} z katalogu (wersja {entry.version})",
                lambda exc: Refused("Ten producent został właśnie dodany."))


def entry_for(producer: Party) -> CatalogueProducer | None:
    """The catalogue's entry with the NIP of a producer added by hand, not linked yet."""
    if producer.catalogue_producer_id is not None or not producer.nip:
        return None
    return db.session.scalar(select(CatalogueProducer).where(
        CatalogueProducer.nip == producer.nip))


def link(producer: Party) -> CatalogueProducer:
    """Link a producer added by hand to the catalogue's entry of its NIP; nothing of its data
    changes: what differs from the entry is then shown and taken over like any change."""
    entry = entry_for(producer)
    if entry is None:
        raise Refused("W katalogu nie ma producenta z tym NIP.")
    producer.catalogue_producer_id, producer.catalogue_version = entry.id, None
    save(producer, "producer.catalogue_linked", lambda: f"{entry.name} z katalogu")
    return entry


def accept_changes(producer: Party) -> PendingChanges | None:
    """Take over what the entry changed since the producer's version (the company's API login
    and key stay); audited with the changes in words. None when nothing was pending."""
    pending = pending_changes(producer)
    if pending is None:
        return None
    entry = pending.entry
    if "nip" in pending.fields:
        holder = nip_holder(entry.nip, producer.id)
        if holder is not None:
            raise Refused("Nowy NIP z katalogu ma już kontrahent " + sentence(holder.name))
    for name in pending.fields:
        value = getattr(entry, name)
        setattr(producer, name, list(value) if isinstance(value, list) else value)
    producer.catalogue_version = entry.version
    save(producer, "producer.catalogue_accepted",
         lambda: f"wersja {entry.version}: " + "; ".join(pending.words),
         lambda exc: Refused("Nowy NIP z katalogu ma już inny kontrahent."))
    return pending
