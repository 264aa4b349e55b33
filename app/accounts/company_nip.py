"""The company's own NIP: its owner may correct it (a typo at sign-up) until the company's
first event goes to a producer's registry. From then on every registry knows the company by
that NIP, so it stays; the operators change it if it really must."""

from sqlalchemy import exists, select

from app import audit, tenancy
from app.accounts import expiry
from app.extensions import db
from app.identifiers import IdentifierError, normalize_nip
from app.models import Tenant, Transmission

LOCKED = ("NIP nie można już zmienić: firma wysłała zdarzenia do RZS producentów, które znają "
          "ją pod tym NIP. Jeśli jest błędny, napisz do obsługi Plomby.")
TAKEN = "Firma z tym NIP jest już zarejestrowana w Plombie."


class NipRefused(ValueError):
    """Why the NIP was not changed; the message is for the owner."""


def locked_reason(tenant_id: int) -> str:
    """"" while the NIP may be corrected; otherwise why not. One EXISTS query: any
    transmission row means an event was queued for a registry with the company's NIP."""
    with tenancy.use_tenant(tenant_id):
        sent = db.session.scalar(select(exists().where(Transmission.tenant_id == tenant_id)))
    return LOCKED if sent else ""


def correct(tenant: Tenant, nip: str, actor_id: int | None = None) -> bool:
    """Set the company's NIP; False when it is the same. NipRefused for a wrong NIP, one of
    another company, or after the first transmission. Audited with the old and new value."""
    try:
        nip = normalize_nip(nip)
    except IdentifierError as exc:
        raise NipRefused(str(exc)) from None
    if nip == tenant.nip:
        return False
    reason = locked_reason(tenant.id)
    if reason:
        raise NipRefused(reason)
    expiry.expire_unconfirmed(nip=nip)  # a stale sign-up with that NIP does not hold it
    with tenancy.all_tenants():
        taken = db.session.scalar(select(Tenant.id).where(Tenant.nip == nip,
                                                          Tenant.id != tenant.id))
    if taken is not None:
        raise NipRefused(TAKEN)
    audit.record("tenant.nip_corrected", tenant, f"{tenant.nip} → {nip}", user_id=actor_id)
    tenant.nip = nip
    db.session.commit()
    return True
