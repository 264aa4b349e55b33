from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Tenant, User


def _counts(app):
    with app.app_context(), tenancy.all_tenants():
        return (db.session.scalar(select(func.count()).select_from(Tenant)),
                db.session.scalar(select(func.count()).select_from(User)))


def _create(runner, nip="1234563218", email="szef@alfa.pl", password="haslo-dobre-1"):
    return runner.invoke(args=["create-tenant", "--name", "Serwis Alfa", "--nip", nip,
                               "--owner-email", email, "--owner-password", password])


def test_create_tenant_prints_id_and_owner_can_sign_in(app, client):
    result = _create(app.test_cli_runner(), nip="123-456-32-18")
    assert result.exit_code == 0, result.output
    tenant_id = int(result.output.strip())
    with app.app_context(), tenancy.use_tenant(tenant_id):
        tenant = db.session.get(Tenant, tenant_id)
        assert tenant.nip == "1234563218"
        owner = db.session.scalar(select(User))
        assert (owner.email, owner.role) == ("szef@alfa.pl", "owner")
    response = client.post("/login", data={"email": "szef@alfa.pl", "password": "haslo-dobre-1"})
    assert response.status_code == 303


def test_create_tenant_refuses_bad_input_and_writes_nothing(app):
    runner = app.test_cli_runner()
    bad_nip = _create(runner, nip="1234563219")
    assert bad_nip.exit_code == 1 and "suma kontrolna" in bad_nip.output
    short_nip = _create(runner, nip="12345")
    assert short_nip.exit_code == 1 and "10 cyfr" in short_nip.output
    assert _counts(app) == (0, 0)
    assert _create(runner).exit_code == 0
    taken_nip = _create(runner, email="inny@alfa.pl")
    assert taken_nip.exit_code == 1 and "NIP jest już zarejestrowana" in taken_nip.output
    taken_email = _create(runner, nip="5260250274")
    assert taken_email.exit_code == 1 and "adresem e-mail już istnieje" in taken_email.output
    assert _counts(app) == (1, 1)


def test_create_user(app):
    runner = app.test_cli_runner()
    tenant_id = _create(runner).output.strip()
    ok = runner.invoke(args=["create-user", "--tenant", tenant_id, "--email", "Ja@Alfa.pl",
                             "--password", "haslo-dobre-2", "--role", "technician"])
    assert ok.exit_code == 0, ok.output
    with app.app_context(), tenancy.use_tenant(int(tenant_id)):
        user = db.session.get(User, int(ok.output.strip()))
        assert (user.email, user.role) == ("ja@alfa.pl", "technician")
    again = runner.invoke(args=["create-user", "--tenant", tenant_id, "--email", "ja@alfa.pl",
                                "--password", "haslo-dobre-2", "--role", "office"])
    assert again.exit_code == 1
    no_tenant = runner.invoke(args=["create-user", "--tenant", "999", "--email", "x@y.pl",
                                    "--password", "haslo-dobre-2", "--role", "office"])
    assert no_tenant.exit_code == 1 and "999" in no_tenant.output
    assert _counts(app) == (1, 2)
