"""Reminders to taxpayers through the company's SMTP server (a real aiosmtpd sink): exactly the
expected mails, nothing twice (second run, a run killed after claiming, two runs at once),
retries on later days, the unsubscribe link, a suspended company."""

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update

from app import clock, tenancy
from app.extensions import db
from app.inspections import reminders
from app.models import Party, Reminder, ReminderStatus, Tenant
from tests.inspections.conftest import configure_reminders


def _rows(app, tenant_id: int) -> list[Reminder]:
    with app.app_context(), tenancy.use_tenant(tenant_id):
        rows = list(db.session.scalars(select(Reminder).order_by(Reminder.id)))
        db.session.expunge_all()
        return rows


def _run(app, today=None):
    with app.app_context():
        return reminders.run_all(today)


def test_the_daily_run_sends_exactly_the_expected_reminders_once(app, due, tenant_a,
                                                                  mail_server):
    with app.app_context():
        configure_reminders(tenant_a.id, mail_server)
    outcome = _run(app)
    # in3 (second step: 3 <= 7 days) to Bolek, in20 (first step: 8..30 days) to Anna; not the
    # overdue, the 40 and 75 days ahead, the client without consent or without an address.
    assert (outcome.planned, outcome.sent, outcome.failed) == (2, 2, 0)
    by_to = {m["To"]: m for m in mail_server.messages}
    assert set(by_to) == {"bolek@klient.pl", "anna@klient.pl"}
    anna = by_to["anna@klient.pl"]
    due_on = clock.today() + timedelta(days=20)
    assert anna["Subject"] == f"Przegląd ZBF0000000004 do {due_on:%d.%m.%Y}"
    body = anna.get_body().get_content()
    assert "Kasa fiskalna Ergo w Sklep Anna Kowalska, Długa 2, 30-001 Kraków" in body
    assert "Tel. 12 345 67 89" in body
    assert anna["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = anna["List-Unsubscribe"].strip().strip("<>")
    assert link.startswith("http://plomba.test/przeglady/wypisz/") and link in body
    rows = _rows(app, tenant_a.id)
    assert sorted((r.step, r.status) for r in rows) == [(1, "sent"), (2, "sent")]
    # The second run of the day, and the next day's: nothing new.
    assert _run(app).sent == 0
    assert _run(app, clock.today() + timedelta(days=1)).sent == 0
    assert len(mail_server.messages) == 2


def test_a_run_killed_after_claiming_is_finished_once(app, due, tenant_a, mail_server):
    with app.app_context():
        configure_reminders(tenant_a.id, mail_server)
        with tenancy.use_tenant(tenant_a.id):
            tenant = db.session.get(Tenant, tenant_a.id)
            assert reminders.plan(tenant, clock.today()) == 2
            first, second = db.session.scalars(select(Reminder.id).order_by(Reminder.id))
            # The killed run claimed both and had sent the first when it died.
            assert reminders.claim(first, clock.today(), clock.now() - timedelta(hours=1))
            assert reminders.claim(second, clock.today(), clock.now() - timedelta(hours=1))
            # Another run at the same moment: the row is taken.
            assert not reminders.claim(second, clock.today(), clock.now() - timedelta(hours=1))
            db.session.execute(update(Reminder).where(Reminder.id == first)
                               .values(status=ReminderStatus.SENT.value))
            db.session.commit()
    outcome = _run(app)
    assert outcome.sent == 1 and len(mail_server.messages) == 1
    assert _run(app).sent == 0 and len(mail_server.messages) == 1
    assert {r.status for r in _rows(app, tenant_a.id)} == {"sent"}


def test_a_fresh_claim_of_another_run_is_left_to_it(app, due, tenant_a, mail_server):
    with app.app_context():
        configure_reminders(tenant_a.id, mail_server, second=None)
        with tenancy.use_tenant(tenant_a.id):
            tenant = db.session.get(Tenant, tenant_a.id)
            reminders.plan(tenant, clock.today())
            ids = list(db.session.scalars(select(Reminder.id)))
            for reminder_id in ids:
                assert reminders.claim(reminder_id, clock.today(), clock.now())
    # Another run is sending them right now: this one sends nothing.
    assert _run(app).sent == 0 and mail_server.messages == []


def test_a_refused_mail_is_retried_next_day_then_failed(app, due, tenant_a, mail_server):
    with app.app_context():
        configure_reminders(tenant_a.id, mail_server, first=5, second=None)  # in3 only
    mail_server.refuse = "550 Mailbox unavailable"
    today = clock.today()
    assert _run(app, today).retry == 1
    [row] = _rows(app, tenant_a.id)
    assert row.status == "retry" and row.attempts == 1 and "550" in row.error
    assert _run(app, today).retry == 0  # not again the same day
    assert _run(app, today + timedelta(days=1)).sent == 1
    [row] = _rows(app, tenant_a.id)
    assert (row.status, row.attempts, row.error) == ("sent", 2, "")
    assert len(mail_server.messages) == 1


def test_the_attempts_run_out(app, due, tenant_a, mail_server):
    with app.app_context():
        configure_reminders(tenant_a.id, mail_server, first=5, second=None)
    today = clock.today()
    for day in range(reminders.MAX_ATTEMPTS):
        mail_server.refuse = "550 Mailbox unavailable"
        _run(app, today + timedelta(days=day))
    [row] = _rows(app, tenant_a.id)
    assert (row.status, row.attempts) == ("failed", reminders.MAX_ATTEMPTS)
    assert _run(app, today + timedelta(days=reminders.MAX_ATTEMPTS)).sent == 0
    assert mail_server.messages == []


def test_a_suspended_company_sends_nothing(app, due, tenant_a, mail_server):
    with app.app_context():
        configure_reminders(tenant_a.id, mail_server)
        with tenancy.use_tenant(tenant_a.id):
            db.session.get(Tenant, tenant_a.id).suspended_at = clock.now()
            db.session.commit()
    assert _run(app).sent == 0
    assert mail_server.messages == [] and _rows(app, tenant_a.id) == []


def test_unsubscribe_from_the_mail_without_signing_in(app, client, due, tenant_a, tenant_b,
                                                      mail_server):
    with app.app_context():
        configure_reminders(tenant_a.id, mail_server)
    _run(app)
    anna = next(m for m in mail_server.messages if m["To"] == "anna@klient.pl")
    path = urlsplit(anna["List-Unsubscribe"].strip().strip("<>")).path
    page = client.get(path)
    assert page.status_code == 200 and "Wypisz z przypomnień" in page.get_data(as_text=True)
    # The mail client's one-click POST (RFC 8058): no session, no form token.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "nie będzie już otrzymywać" in done.get_data(as_text=True)
    with app.app_context():
        with tenancy.use_tenant(tenant_a.id):
            consents = dict(db.session.execute(select(Party.name, Party.reminder_consent)
                                               .where(Party.email != "")).all())
    assert consents["Anna Kowalska"] is False and consents["Bolek Sp. z o.o."] is True
    assert client.get(path[:-3] + "xyz").status_code == 404  # a token not signed by us
    with app.app_context():
        # A signed token naming a client of another company is not found in that company.
        forged = reminders.unsubscribe_token(tenant_b.id, due["clients"]["bolek"])
    assert client.post(f"/przeglady/wypisz/{forged}").status_code == 404


def test_the_settings_refuse_an_unknown_placeholder_at_its_field(app, client, login, due,
                                                                 tenant_a):
    login(tenant_a.owner_email)
    response = client.post("/przeglady/przypomnienia", data={
        "days_first": "30", "days_second": "40", "subject": "Przegląd {nr_unikatowego}",
        "body": "Termin {termin}"})
    html = response.get_data(as_text=True)
    assert "Nieznane pole {nr_unikatowego}" in html
    assert "podaj mniej dni niż w pierwszym" in html
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        assert db.session.get(Tenant, tenant_a.id).reminder_days_first is None
    response = client.post("/przeglady/przypomnienia", data={
        "days_first": "30", "days_second": "7", "subject": "Przegląd {nr_unikatowy}",
        "body": "Termin {termin}, {{ nawias }}"})
    assert response.status_code == 303
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        tenant = db.session.get(Tenant, tenant_a.id)
        assert (tenant.reminder_days_first, tenant.reminder_days_second) == (30, 7)


def test_reminders_show_on_the_device_and_client_pages(app, client, login, due, tenant_a,
                                                       mail_server):
    with app.app_context():
        configure_reminders(tenant_a.id, mail_server)
    _run(app)
    login(tenant_a.owner_email)
    device = client.get(f"/urzadzenia/{due['devices']['in20']}").get_data(as_text=True)
    assert "Przypomnienia" in device and "Wysłane" in device and "anna@klient.pl" in device
    page = client.get(f"/klienci/{due['clients']['anna']}").get_data(as_text=True)
    assert "ZBF0000000004" in page and "Wysłane" in page


def test_operators_see_how_many_went_out_and_failed(app, client, due, tenant_a, mail_server):
    from app.accounts.passwords import hash_password
    from app.models import Operator

    with app.app_context():
        configure_reminders(tenant_a.id, mail_server)
        db.session.add(Operator(email="op@plomba.pl", password_hash=hash_password("haslo-op-1")))
        db.session.commit()
    mail_server.refuse = "550 Mailbox unavailable"  # the first of the two fails
    _run(app)
    client.post("/platform/logowanie", data={"email": "op@plomba.pl", "password": "haslo-op-1"})
    page = client.get("/platform").get_data(as_text=True)
    assert "wysłane: 1, nieudane: 1" in page and "wysłane: 0, nieudane: 0" in page
