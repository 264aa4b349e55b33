"""Technicians and their authorisations: create, update, delete. Plain values in, records out;
the screens, the CLI, jobs and the API call these."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from app import audit
from app.domain_errors import FieldError
from app.extensions import db
from app.formatting import sentence
from app.models import Authorisation, Party, Role, Technician, User
from app.records import delete, save

# The database keeps identifiers and seal numbers unique per tenant; these say it at the field
# when another request took one between the check and the commit.
TAKEN = {
    "seal_no": "Ten numer plomby ma już inny serwisant.",
    "identifier": "Ten identyfikator ma już inny serwisant.",
}


@dataclass
class TechnicianData:
    name: str
    identifier: str
    seal_no: str
    user_id: int | None = None
    active: bool = True


def holder(field: str, value, exclude_id: int | None = None) -> Technician | None:
    """The other technician of this tenant with this identifier, seal number or user account
    (`field` names the column), if any: for a message that names them."""
    stmt = select(Technician).where(getattr(Technician, field) == value)
    if exclude_id is not None:
        stmt = stmt.where(Technician.id != exclude_id)
    return db.session.scalar(stmt.limit(1))


def create_technician(data: TechnicianData) -> Technician:
    return _save(Technician(), data, "technician.created")


def update_technician(technician: Technician, data: TechnicianData) -> Technician:
    return _save(technician, data, "technician.updated")


def delete_technician(technician: Technician, role: str) -> None:
    """Refused while orders name them: marking them inactive keeps them out of new orders."""
    delete(technician, "serwisant", "technician.deleted", _label(technician), role,
           hint="Możesz oznaczyć go jako nieaktywnego.")


def add_authorisation(technician: Technician, producer_id: int, device_kind: str | None,
                      expires_on: date) -> Authorisation:
    producer = db.session.get(Party, producer_id)
    if producer is None or not producer.is_producer:
        raise FieldError("producer_id", "Wybierz producenta z listy.")
    if any((a.producer_id, a.device_kind, a.expires_on) == (producer_id, device_kind, expires_on)
           for a in technician.authorisations):
        raise FieldError("expires_on", "Takie uprawnienia już są na liście.")
    authorisation = Authorisation(producer_id=producer_id, device_kind=device_kind,
                                  expires_on=expires_on)
    technician.authorisations.append(authorisation)
    return save(authorisation, "authorisation.created",
                lambda: _authorisation_label(technician, authorisation))


def remove_authorisation(technician: Technician, authorisation: Authorisation) -> None:
    audit.record("authorisation.deleted", authorisation,
                 _authorisation_label(technician, authorisation))
    technician.authorisations.remove(authorisation)
    db.session.commit()


def _save(technician: Technician, data: TechnicianData, action: str) -> Technician:
    # No constraint keeps one account to one technician, so it is checked here, before the
    # record changes (a query now would flush it).
    if data.user_id is not None:
        user = db.session.get(User, data.user_id)
        if user is None or user.role != Role.TECHNICIAN.value:
            raise FieldError("user_id", "Wybierz konto serwisanta z listy.")
        other = holder("user_id", data.user_id, technician.id)
        if other is not None:
            raise FieldError("user_id",
                             "To konto jest już przypisane do serwisanta " + sentence(other.name))
    technician.name, technician.identifier = data.name, data.identifier
    technician.seal_no, technician.user_id = data.seal_no, data.user_id
    technician.active = data.active
    return save(technician, action, lambda: _label(technician), _conflict)


def _conflict(exc) -> FieldError | None:
    message = str(exc.orig)
    for field, text in TAKEN.items():
        if field in message:
            return FieldError(field, text)
    return None


def _label(technician: Technician) -> str:
    return f"{technician.identifier} {technician.name}"


def _authorisation_label(technician: Technician, authorisation: Authorisation) -> str:
    return (f"{technician.identifier}: {authorisation.producer.name}, "
            f"do {authorisation.expires_on:%d.%m.%Y}")
