"""The terms of service and the privacy notice (RODO) a company accepts at sign-up.

The versions are the dates of the texts in app/templates/legal/; a changed text gets a new
version here, so that what each company accepted, and when, stays on its tenant row."""

from app import clock
from app.models import Tenant

TERMS_VERSION = "2026-11-30"
PRIVACY_VERSION = "2026-11-30"


def record_acceptance(tenant: Tenant) -> None:
    """The current versions, accepted now (in the caller's transaction)."""
    now = clock.now()
    tenant.terms_version, tenant.terms_accepted_at = TERMS_VERSION, now
    tenant.privacy_version, tenant.privacy_accepted_at = PRIVACY_VERSION, now
