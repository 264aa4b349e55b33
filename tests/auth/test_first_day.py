"""A company's first day (issue 14, item 1): nobody is stranded by a lost confirmation
e-mail ("Wyślij link ponownie", a reset link confirms too), stale sign-ups expire and free
their NIP and e-mail, the terms and privacy notice accepted at sign-up are stored, the owner
corrects the NIP until the first transmission, and a new company starts with a catalogue."""

from datetime import timedelta

from sqlalchemy import func, select

from app import accounts, clock, tenancy
from app.accounts import consent, expiry
from app.extensions import db
from app.models import AuditEntry, Service, Tenant, User
from tests import factories
from tests.auth.test_signup_and_reset import SIGNUP, _link, mailbox  # noqa: F401 - fixture
from tests.platform.test_console import OP_EMAIL, OP_PASSWORD, _operator

RESEND = "/rejestracja/wyslij-ponownie"
NEUTRAL = "Jeśli konto z tym adresem czeka na potwierdzenie, wysłaliśmy na nie nowy link."


def _tenant(app, nip="5260250274"):
    with app.app_context(), tenancy.all_tenants():
        return db.session.scalar(select(Tenant).where(Tenant.nip == nip))


def _sign_in(client, email="szef@gamma.pl", password="dobre-haslo-123"):
    return client.post("/login", data={"email": email, "password": password})


def test_a_lost_first_email_is_sent_again_and_the_second_link_confirms(app, client, mailbox):  # noqa: F811
    done = client.post("/rejestracja", data=SIGNUP).get_data(as_text=True)
    assert "Wyślij link ponownie" in done and 'value="szef@gamma.pl"' in done
    [lost] = mailbox()
    again = client.post(RESEND, data={"email": "szef@gamma.pl"}).get_data(as_text=True)
    assert NEUTRAL in again
    first, second = mailbox()
    assert first is lost and second["To"] == "szef@gamma.pl"
    assert _tenant(app).confirmed_at is None
    confirmed = client.get(_link(second), follow_redirects=True).get_data(as_text=True)
    assert "Potwierdzono adres e-mail." in confirmed
    assert _tenant(app).confirmed_at is not None
    assert _sign_in(client).status_code == 303


def test_resend_answers_alike_for_any_address_and_mails_only_the_unconfirmed(
        app, client, tenant_a, mailbox):  # noqa: F811
    client.post("/rejestracja", data=SIGNUP)
    answers = [client.post(RESEND, data={"email": email}).get_data(as_text=True)
               for email in ("nikt@gamma.pl", tenant_a.owner_email, "szef@gamma.pl")]
    assert all(NEUTRAL in answer for answer in answers)
    # The sign-up's mail and one resent link: nothing to the unknown or confirmed address.
    assert [m["To"] for m in mailbox()] == ["szef@gamma.pl", "szef@gamma.pl"]
    bad = client.post(RESEND, data={"email": "nie-adres"}, follow_redirects=True)
    assert "To nie jest poprawny adres e-mail." in bad.get_data(as_text=True)


def test_sign_in_of_an_unconfirmed_account_offers_the_link_again(app, client, mailbox):  # noqa: F811
    client.post("/rejestracja", data=SIGNUP)
    page = _sign_in(client).get_data(as_text=True)
    assert "Potwierdź adres e-mail" in page and "Wyślij link ponownie" in page
    wrong = _sign_in(client, password="zle-haslo-000").get_data(as_text=True)
    assert "Wyślij link ponownie" not in wrong  # only the password's owner learns the state


def test_resend_is_rate_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNUP_RATE_LIMIT", "2 per hour")
    env = {"REMOTE_ADDR": "10.7.8.9"}
    codes = [client.post(RESEND, data={"email": "x@example.com"}, environ_base=env).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]


def test_a_password_reset_link_confirms_the_address(app, client, mailbox):  # noqa: F811
    client.post("/rejestracja", data=SIGNUP)
    client.post("/haslo/reset", data={"email": "szef@gamma.pl"})
    confirmation, reset = mailbox()
    assert reset["Subject"] == "Plomba: ustawienie nowego hasła"
    client.post(_link(reset), data={"password": "nowe-haslo-456", "repeat": "nowe-haslo-456"})
    assert _tenant(app).confirmed_at is not None
    assert _sign_in(client, password="nowe-haslo-456").status_code == 303
    # The confirmation link, opened afterwards, is spent: the address is confirmed already.
    later = client.get(_link(confirmation), follow_redirects=True).get_data(as_text=True)
    assert "Ten link został już użyty" in later


def _counts(app, tenant_id):
    with app.app_context(), tenancy.all_tenants():
        return tuple(db.session.scalar(select(func.count()).select_from(model)
                                       .where(model.tenant_id == tenant_id))
                     for model in (User, Service, AuditEntry))


def test_unconfirmed_companies_expire_after_7_days_and_free_nip_and_email(
        app, client, tenant_a, mailbox):  # noqa: F811
    client.post("/rejestracja", data=SIGNUP)
    stale = _tenant(app)
    assert _counts(app, stale.id)[:2] == (1, 8)
    with app.app_context(), clock.shifted_to(clock.now() + timedelta(days=6, hours=23)):
        assert expiry.expire_unconfirmed() == 0  # within the week: kept
        # ...and a second sign-up with the NIP is still told "taken" (by mail to the owner).
        again = client.post("/rejestracja", data={**SIGNUP, "email": "inny@gamma.pl"})
        assert "Sprawdź pocztę" in again.get_data(as_text=True)
        assert _tenant(app).id == stale.id
    with app.app_context(), clock.shifted_to(clock.now() + timedelta(days=7, hours=1)):
        # The sign-up frees them at once: the same NIP and e-mail make a new company.
        client.post("/rejestracja", data=SIGNUP)
        fresh = _tenant(app)
        # (SQLite may give the new row the old id: the time tells them apart)
        assert fresh.created_at > stale.created_at + timedelta(days=7)
        assert fresh.confirmed_at is None and _counts(app, fresh.id)[:2] == (1, 8)
        assert _tenant(app, tenant_a.nip) is not None  # confirmed companies never expire
    with app.app_context(), clock.shifted_to(clock.now() + timedelta(days=15)):
        assert expiry.expire_unconfirmed() == 1  # the periodic clean-up takes the rest
        assert expiry.expire_unconfirmed() == 0  # idempotent
        assert _tenant(app) is None and _tenant(app, tenant_a.nip) is not None
        assert _counts(app, fresh.id) == (0, 0, 0)
        with tenancy.all_tenants():
            assert db.session.scalar(select(User.id).where(User.email == "szef@gamma.pl")) \
                is None


def test_terms_and_privacy_notice_accepted_with_version_and_time(app, client, mailbox):  # noqa: F811
    refused = client.post("/rejestracja", data={**SIGNUP, "accept_terms": ""})
    assert "zaakceptuj Regulamin i Politykę prywatności" in refused.get_data(as_text=True)
    assert _tenant(app) is None
    before = clock.now()
    client.post("/rejestracja", data=SIGNUP)
    tenant = _tenant(app)
    assert (tenant.terms_version, tenant.privacy_version) == (consent.TERMS_VERSION,
                                                              consent.PRIVACY_VERSION)
    assert before - timedelta(seconds=1) <= tenant.terms_accepted_at <= clock.now()
    assert tenant.privacy_accepted_at == tenant.terms_accepted_at
    form = client.get("/rejestracja").get_data(as_text=True)
    assert 'href="/regulamin"' in form and 'href="/polityka-prywatnosci"' in form
    terms = client.get("/regulamin").get_data(as_text=True)
    privacy = client.get("/polityka-prywatnosci").get_data(as_text=True)
    assert "Regulamin serwisu Plomba" in terms and "§ 3. Konto" in terms
    assert "Polityka prywatności serwisu Plomba" in privacy and "RODO" in privacy
    assert "30.11.2026" in terms and "30.11.2026" in privacy  # the version, as a date


def test_operator_console_shows_the_confirmation_state(app, client, tenant_a, tenant_b,
                                                       mailbox):  # noqa: F811
    client.post("/rejestracja", data={**SIGNUP, "nip": "9510002008"})  # B has SIGNUP's NIP
    with app.app_context(), tenancy.all_tenants():
        db.session.get(Tenant, tenant_b.id).suspended_at = clock.now()
        db.session.commit()
    _operator(app)
    client.post("/platform/logowanie", data={"email": OP_EMAIL, "password": OP_PASSWORD})
    page = client.get("/platform").get_data(as_text=True)
    rows = {name: page.split(name, 1)[1].split("</tr>", 1)[0]
            for name in ("Serwis Alfa", "Serwis Beta", "Serwis Gamma")}
    assert "aktywna" in rows["Serwis Alfa"]
    assert "zawieszona" in rows["Serwis Beta"]
    assert "niepotwierdzona" in rows["Serwis Gamma"]


def test_a_new_company_starts_with_the_starter_catalogue_editable(app, client, login):
    with app.app_context():
        tenant_id = accounts.create_tenant("Serwis Delta", "5260250274", "szef@delta.pl",
                                           factories.PASSWORD)
        with tenancy.use_tenant(tenant_id):
            services = {s.name: s for s in db.session.scalars(select(Service))}
            special = {s.special_kind: s.service_book for s in services.values()
                       if s.special_kind}
            battery = services["Wymiana akumulatora"].id
    assert special == {"P": True, "F": True, "L": True, "W": True}
    assert {"Dojazd do klienta", "Programowanie nagłówka"} <= set(services)
    login("szef@delta.pl")
    listing = client.get("/uslugi").get_data(as_text=True)
    assert "Fiskalizacja" in listing and "Dojazd do klienta" in listing
    edited = client.post(f"/uslugi/{battery}/edycja", data={
        "name": "Wymiana akumulatora 12 V", "price": "110,00", "vat_rate": "23",
        "special_kind": "", "active": "y"})
    assert edited.status_code in (302, 303)
    with app.app_context(), tenancy.use_tenant(tenant_id):
        service = db.session.get(Service, battery)
        assert (service.name, str(service.price)) == ("Wymiana akumulatora 12 V", "110.00")


NIP_URL = "/administracja/nip"


def test_owner_corrects_the_nip_until_the_first_transmission(app, client, tenant_a, tenant_b,
                                                            login):
    login(tenant_a.owner_email)
    assert "Popraw NIP" in client.get("/administracja").get_data(as_text=True)
    wrong = client.post(NIP_URL, data={"nip": "5260250275"}).get_data(as_text=True)
    assert "Nieprawidłowy NIP" in wrong
    taken = client.post(NIP_URL, data={"nip": tenant_b.nip}).get_data(as_text=True)
    assert "już zarejestrowana" in taken
    assert _tenant(app, tenant_a.nip) is not None  # nothing changed
    assert client.post(NIP_URL, data={"nip": "118-000-10-06"}).status_code == 303
    tenant = _tenant(app, "1180001006")
    assert tenant.id == tenant_a.id
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "tenant.nip_corrected"))
        assert entry.detail == f"{tenant_a.nip} → 1180001006"
    # The first transmission (populate makes one): from now on the NIP stays.
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
    page = client.get(NIP_URL).get_data(as_text=True)
    assert "readonly" in page and "NIP nie można już zmienić" in page
    client.post(NIP_URL, data={"nip": tenant_a.nip})
    assert _tenant(app, "1180001006").id == tenant_a.id


def test_only_the_owner_corrects_the_nip(app, client, tenant_a, login):
    with app.app_context():
        factories.make_user(tenant_a, "biuro@alfa.pl")
    login("biuro@alfa.pl")
    assert client.post(NIP_URL, data={"nip": "1180001006"}).status_code == 403
    assert _tenant(app, tenant_a.nip) is not None


def test_the_workers_maintenance_expires_stale_sign_ups(app, tenant_a, redis_client):
    from workers import queue, redis_connection
    from workers.__main__ import PlombaWorker

    with app.app_context():
        accounts.create_tenant("Serwis Gamma", "5260250274", "szef@gamma.pl",
                               "dobre-haslo-123", confirmed=False)
        connection = redis_connection()
        worker = PlombaWorker([queue("mail", connection)], connection=connection)
        worker.run_maintenance_tasks()
        assert _tenant(app) is not None  # a fresh sign-up stays
        with clock.shifted_to(clock.now() + timedelta(days=8)):
            worker._exports_swept_at = None  # the ten-minute pace has come round
            worker.run_maintenance_tasks()
    assert _tenant(app) is None and _tenant(app, tenant_a.nip) is not None
