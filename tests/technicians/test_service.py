"""The technicians service called directly, as the CLI, jobs and the API call it (no HTTP)."""

from datetime import date

import pytest
from sqlalchemy import func, select

from app import tenancy
from app.domain_errors import FieldError, Refused
from app.extensions import db
from app.models import AuditEntry, Role, Technician
from app.technicians import service
from app.technicians.service import TechnicianData
from tests import factories


@pytest.fixture
def ids(app, tenant_a):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        ids["tech_user_id"] = factories.make_user(tenant_a, "jan@alfa.pl", Role.TECHNICIAN)
        ids["office_user_id"] = factories.make_user(tenant_a, "biuro@alfa.pl", Role.OFFICE)
        with tenancy.use_tenant(tenant_a.id):
            yield ids


def _technicians() -> int:
    return db.session.scalar(select(func.count()).select_from(Technician))


def _actions(action: str) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.detail).where(AuditEntry.action == action)))


def test_create_is_audited(ids):
    anna = service.create_technician(TechnicianData(name="Anna Nowak", identifier="AN-01",
                                                    seal_no="S-1", user_id=ids["tech_user_id"]))
    assert anna.user_id == ids["tech_user_id"]
    assert _actions("technician.created") == ["AN-01 Anna Nowak"]


@pytest.mark.parametrize(("field", "value"), [("identifier", "T-Alfa"), ("seal_no", "P-Alfa")])
def test_a_taken_number_is_a_field_error_from_the_constraint_and_nothing_saved(ids, field,
                                                                               value):
    data = TechnicianData(name="Anna", identifier="AN-01", seal_no="S-1")
    setattr(data, field, value)
    with pytest.raises(FieldError) as error:
        service.create_technician(data)
    assert (error.value.field, error.value.message) == (field, service.TAKEN[field])
    assert _technicians() == 1 and _actions("technician.created") == []


@pytest.mark.parametrize(("user", "message"), [
    ("office_user_id", "Wybierz konto serwisanta z listy."),
    ("taken", "To konto jest już przypisane do serwisanta Jan Alfa."),
])
def test_the_account_must_be_a_free_technician_account(ids, user, message):
    if user == "taken":
        db.session.get(Technician, ids["technician_id"]).user_id = ids["tech_user_id"]
        db.session.commit()
        user = "tech_user_id"
    with pytest.raises(FieldError) as error:
        service.create_technician(TechnicianData(name="Anna", identifier="AN-01", seal_no="S-1",
                                                 user_id=ids[user]))
    assert (error.value.field, error.value.message) == ("user_id", message)
    assert _technicians() == 1


def test_delete_refused_while_orders_name_them(ids):
    jan = db.session.get(Technician, ids["technician_id"])
    with pytest.raises(Refused) as refused:
        service.delete_technician(jan, Role.OWNER.value)
    assert refused.value.message == ("Nie można usunąć: serwisant występuje w 1 zleceniu. "
                                     "Możesz oznaczyć go jako nieaktywnego.")
    assert _technicians() == 1 and _actions("technician.deleted") == []


def test_authorisations_added_once_and_removed_audited(ids):
    jan = db.session.get(Technician, ids["technician_id"])
    added = service.add_authorisation(jan, ids["producer_id"], None, date(2027, 3, 1))
    with pytest.raises(FieldError) as error:
        service.add_authorisation(jan, ids["producer_id"], None, date(2027, 3, 1))
    assert error.value.field == "expires_on"
    with pytest.raises(FieldError) as error:
        service.add_authorisation(jan, ids["client_id"], None, date(2027, 3, 1))
    assert error.value.field == "producer_id"
    service.remove_authorisation(jan, added)
    assert len(jan.authorisations) == 1
    assert _actions("authorisation.created") == ["T-Alfa: Producent Alfa, do 01.03.2027"]
    assert _actions("authorisation.deleted") == ["T-Alfa: Producent Alfa, do 01.03.2027"]
