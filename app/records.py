"""Saving and deleting registry records, the one way every service does it: the audit entry
in the same transaction, one commit, a unique constraint turned into a field error, a delete
refused while anything refers to the record or when the role may not delete."""

from collections.abc import Callable, Iterable

from sqlalchemy.exc import IntegrityError

from app import audit
from app.domain_errors import FieldErrors, Refused
from app.extensions import db
from app.references import may_delete, refusal

NOT_ALLOWED = "Usuwać wpisy kartotek mogą tylko właściciel i biuro."


def save(record, action: str, detail: Callable[[], str],
         conflict: Callable[[IntegrityError], FieldErrors | None] | None = None):
    """Add or update `record`, audit it as `action` and commit. A unique constraint that another
    request won since the checks rolls everything back and raises `conflict(error)`; when there
    is no `conflict` or it returns None, the IntegrityError itself (a fault, not the user's)."""
    db.session.add(record)
    try:
        db.session.flush()  # a new record's id for the audit entry; constraints fire here
        audit.record(action, record, detail())
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        error = conflict(exc) if conflict else None
        if error is None:
            raise
        raise error from None
    return record


def delete(record, what: str, action: str, detail: str, role: str,
           dependents: Iterable = (), hint: str = "") -> None:
    """Delete `record` (with its `dependents`, e.g. a client's sites), audited, unless the role
    may not delete or something refers to it: then Refused with the reason, and the `hint`
    (what to do instead) after it."""
    if not may_delete(role):
        raise Refused(NOT_ALLOWED)
    reason = refusal(record, what)
    if reason:
        raise Refused(f"{reason} {hint}".strip())
    audit.record(action, record, detail)
    for dependent in list(dependents):
        db.session.delete(dependent)
    db.session.delete(record)
    db.session.commit()
