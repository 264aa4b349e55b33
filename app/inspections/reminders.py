"""Reminders of the statutory inspection, e-mailed to taxpayers through the company's SMTP.

The company sets how many days before the due date the first (and an optional second)
reminder goes, and its subject and body with placeholders. A daily pass (workers/reminders.py,
run every hour; what it does depends on the day only) does, per active company:

1. plan: one `reminder` row per device, due date and step whose day has come, for clients
   with consent and an address; INSERT ... ON CONFLICT DO NOTHING against the unique
   (tenant, device, due date, step), so two passes at once, a rerun or a Redis that lost the
   schedule never make a second row;
2. send: each row is claimed by one atomic UPDATE (queued, a retry from an earlier day, or a
   claim older than LEASE whose run was killed) and committed BEFORE the mail goes out; only
   the process whose UPDATE matched sends it. The mail's outcome is committed right after.
   The one window left is a kill between the server's "250" and that commit: such a row is
   sent again after LEASE (at least once there, exactly once everywhere else).

A failed attempt is retried on a later day, at most MAX_ATTEMPTS times, then it is failed for
good. A suspended company, one without its own SMTP server or without reminder days sends
nothing. Every mail carries a signed one-click unsubscribe link (List-Unsubscribe and
List-Unsubscribe-Post too) that withdraws the client's consent."""

import logging
import string
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from app import audit, clock, links, mailer, tenancy
from app.domain_errors import FieldErrors
from app.extensions import db
from app.formatting import date_pl
from app.models import (
    Device,
    DeviceStatus,
    Location,
    Party,
    Reminder,
    ReminderStatus,
    Tenant,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
LEASE = timedelta(minutes=15)
SEND_BATCH = 100  # claimed at once: sent well within LEASE

PLACEHOLDERS = {
    "urzadzenie": "rodzaj i model urządzenia",
    "nr_unikatowy": "numer unikatowy",
    "nr_fabryczny": "numer fabryczny",
    "miejsce": "adres miejsca instalacji",
    "termin": "termin przeglądu (DD.MM.RRRR)",
    "klient": "nazwa podatnika",
    "firma": "nazwa firmy serwisowej",
    "telefon_firmy": "telefon firmy serwisowej",
}
DEFAULT_SUBJECT = "Przypomnienie: przegląd kasy fiskalnej {nr_unikatowy} do {termin}"
DEFAULT_BODY = (
    "Dzień dobry,\n\n"
    "przypominamy, że {termin} mija termin obowiązkowego przeglądu technicznego urządzenia "
    "fiskalnego {urzadzenie} (nr unikatowy {nr_unikatowy}) w miejscu: {miejsce}.\n"
    "Brak przeglądu w terminie grozi karą dla podatnika.\n\n"
    "Prosimy o kontakt w celu umówienia wizyty serwisanta: {telefon_firmy}.\n\n"
    "{firma}"
)
MAX_DAYS = 180


# --- the template ----------------------------------------------------------------------------

def template_problem(text: str) -> str | None:
    """Why the subject or body cannot be a template (Polish), or None."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return "Nawias klamrowy bez pary: pola wpisuj jako {nazwa}, sam nawias jako {{ lub }}."
    unknown = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            unknown.append("{" + name + (f"!{conversion}" if conversion else "")
                           + (f":{spec}" if spec else "") + "}")
    if unknown:
        allowed = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        return f"Nieznane pole {', '.join(unknown)}. Dostępne pola: {allowed}."
    return None


def render(text: str, values: dict[str, str]) -> str:
    return text.format_map(values)


def values_for(tenant: Tenant, device: Device, client: Party,
               location: Location | None, due_on: date) -> dict[str, str]:
    place_source = location or client
    city = " ".join(p for p in (place_source.postal_code, place_source.city) if p)
    place = ", ".join(p for p in ((location.name if location else ""), place_source.street, city)
                      if p)
    return {
        "urzadzenie": " ".join(p for p in (device.kind_label, device.model) if p),
        "nr_unikatowy": device.unique_no,
        "nr_fabryczny": device.factory_no,
        "miejsce": place or "—",
        "termin": date_pl(due_on),
        "klient": client.name,
        "firma": tenant.name,
        "telefon_firmy": tenant.phone or tenant.email or "—",
    }


@dataclass
class Settings:
    days_first: int | None
    days_second: int | None
    subject: str
    body: str


def settings_problems(s: Settings) -> dict[str, str]:
    problems: dict[str, str] = {}
    for name, days in (("days_first", s.days_first), ("days_second", s.days_second)):
        if days is not None and not 1 <= days <= MAX_DAYS:
            problems[name] = f"Podaj liczbę dni od 1 do {MAX_DAYS}."
    if s.days_second is not None and s.days_first is None:
        problems["days_second"] = "Drugie przypomnienie wymaga pierwszego."
    elif (s.days_second is not None and s.days_first is not None
          and "days_first" not in problems and s.days_second >= s.days_first):
        problems["days_second"] = ("Drugie przypomnienie wysyłamy bliżej terminu: podaj mniej "
                                   "dni niż w pierwszym.")
    if s.days_first is not None:
        if not s.subject.strip():
            problems["subject"] = "Podaj temat wiadomości."
        if not s.body.strip():
            problems["body"] = "Podaj treść wiadomości."
    for name, text in (("subject", s.subject), ("body", s.body)):
        if name not in problems:
            problem = template_problem(text)
            if problem:
                problems[name] = problem
    if "\n" in s.subject or "\r" in s.subject:
        problems["subject"] = "Temat musi być jednym wierszem."
    return problems


def save_settings(tenant: Tenant, s: Settings, user_id: int | None) -> None:
    problems = settings_problems(s)
    if problems:
        raise FieldErrors(problems)
    tenant.reminder_days_first, tenant.reminder_days_second = s.days_first, s.days_second
    tenant.reminder_subject, tenant.reminder_body = s.subject.strip(), s.body.strip()
    audit.record("reminders.settings", tenant,
                 "wyłączone" if s.days_first is None else
                 f"{s.days_first}" + (f" i {s.days_second}" if s.days_second else "")
                 + " dni przed terminem", user_id)
    db.session.commit()


def settings_of(tenant: Tenant) -> Settings:
    return Settings(tenant.reminder_days_first, tenant.reminder_days_second,
                    tenant.reminder_subject or DEFAULT_SUBJECT,
                    tenant.reminder_body or DEFAULT_BODY)


def ready_problem(tenant: Tenant) -> str | None:
    """Why the company sends no reminders now (Polish), or None."""
    if not tenant.active:
        return "Firma jest zawieszona: przypomnienia nie są wysyłane."
    if not tenant.reminder_days_first:
        return "Przypomnienia są wyłączone: podaj, ile dni przed terminem je wysyłać."
    if not tenant.smtp_host:
        return ("Przypomnienia idą przez serwer poczty firmy: ustaw go w Administracja → "
                "Poczta (SMTP).")
    return None


# --- unsubscribing ---------------------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="plomba-reminder-unsubscribe")


def unsubscribe_token(tenant_id: int, client_id: int) -> str:
    return _serializer().dumps([tenant_id, client_id])


def read_unsubscribe_token(token: str) -> tuple[int, int] | None:
    """(tenant id, client id) of a token we signed, or None."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(type(v) is int for v in value)):
        return None
    return value[0], value[1]


def unsubscribe_url(tenant_id: int, client_id: int) -> str:
    return links.public_url("inspections.unsubscribe",
                            token=unsubscribe_token(tenant_id, client_id))


def withdraw_consent(client: Party) -> bool:
    """The client's consent withdrawn from the mail's link; False when it was withdrawn already.
    Reminders not sent yet are then not sent (checked when each is claimed)."""
    if not client.reminder_consent:
        return False
    client.reminder_consent = False
    audit.record("party.reminder_unsubscribed", client, "wypisanie z przypomnień (link z e-maila)")
    db.session.commit()
    return True


# --- the daily pass --------------------------------------------------------------------------

@dataclass
class Outcome:
    planned: int = 0
    sent: int = 0
    failed: int = 0
    retry: int = 0
    tenants: int = 0

    def add(self, other: "Outcome") -> None:
        self.planned += other.planned
        self.sent += other.sent
        self.failed += other.failed
        self.retry += other.retry
        self.tenants += other.tenants


def _windows(tenant: Tenant, today: date) -> list[tuple[int, date, date]]:
    """(step, first due date, last due date) whose reminder day has come: the second step
    covers due dates up to its days ahead, the first the dates beyond that up to its days."""
    first, second = tenant.reminder_days_first, tenant.reminder_days_second
    if not first:
        return []
    if second:
        return [(2, today, today + timedelta(days=second)),
                (1, today + timedelta(days=second + 1), today + timedelta(days=first))]
    return [(1, today, today + timedelta(days=first))]


def plan(tenant: Tenant, today: date) -> int:
    """Write the rows of reminders whose day has come; existing ones stay as they are."""
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    now = clock.now()
    planned = 0
    for step, start, end in _windows(tenant, today):
        due = (select(Device.tenant_id, Device.id, Device.client_id, Device.next_inspection_due,
                      Party.email)
               .join(Party, Party.id == Device.client_id)
               .where(Device.tenant_id == tenant.id,  # an INSERT's SELECT gets no criteria
                      Device.status != DeviceStatus.LIQUIDATED.value,
                      Device.next_inspection_due >= start, Device.next_inspection_due <= end,
                      Party.reminder_consent.is_(True), Party.email != ""))
        rows = [dict(tenant_id=t, device_id=d, client_id=c, due_on=on, step=step, email=email,
                     status=ReminderStatus.QUEUED.value, attempts=0, error="", created_at=now)
                for t, d, c, on, email in db.session.execute(due)]
        for chunk in range(0, len(rows), 1000):
            # RETURNING counts the rows written (rowcount is not reliable here on psycopg).
            planned += len(db.session.execute(
                insert(Reminder).values(rows[chunk:chunk + 1000])
                .on_conflict_do_nothing(index_elements=["tenant_id", "device_id", "due_on",
                                                        "step"])
                .returning(Reminder.id)).all())
    db.session.commit()
    return planned


def _claimable(today: date, now):
    return and_(
        Reminder.attempts < MAX_ATTEMPTS,
        or_(Reminder.status == ReminderStatus.QUEUED.value,
            and_(Reminder.status == ReminderStatus.RETRY.value, Reminder.attempted_on < today),
            and_(Reminder.status == ReminderStatus.SENDING.value,
                 Reminder.claimed_at < now - LEASE)))


def _give_up(today: date, now) -> None:
    """Rows out of attempts (a retry or a claim whose run was killed) are failed for good."""
    db.session.execute(
        update(Reminder).where(
            Reminder.attempts >= MAX_ATTEMPTS,
            or_(Reminder.status == ReminderStatus.RETRY.value,
                and_(Reminder.status == ReminderStatus.SENDING.value,
                     Reminder.claimed_at < now - LEASE)))
        .values(status=ReminderStatus.FAILED.value,
                error=func.substr(
                    "Nie wysłano po " + str(MAX_ATTEMPTS) + " próbach. " + Reminder.error,
                    1, 500))
        .execution_options(synchronize_session=False))
    db.session.commit()


def claim(reminder_id: int, today: date, now) -> bool:
    """Take the row for this process: one atomic UPDATE, committed before sending."""
    result = db.session.execute(
        update(Reminder).where(Reminder.id == reminder_id, _claimable(today, now))
        .values(status=ReminderStatus.SENDING.value, claimed_at=now, attempted_on=today,
                attempts=Reminder.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def _message(tenant: Tenant, reminder: Reminder):
    device, client = reminder.device, reminder.client
    values = values_for(tenant, device, client, device.location, reminder.due_on)
    settings = settings_of(tenant)
    url = unsubscribe_url(tenant.id, client.id)
    body = (render(settings.body, values)
            + "\n\n--\nNie chcesz otrzymywać przypomnień o przeglądach? Wypisz się jednym "
            f"kliknięciem: {url}\n")
    message = mailer.build(tenant, [reminder.email], render(settings.subject, values), body)
    message.extra_headers = {"List-Unsubscribe": f"<{url}>",
                             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return message


def claim_batch(today: date, now, limit: int) -> list[int]:
    """Take up to `limit` claimable rows for this process in one UPDATE ... RETURNING,
    committed before any is sent. Two runs at once: PostgreSQL re-checks the condition on a
    row another run updated meanwhile, so each row goes to one of them."""
    chosen = (select(Reminder.id).where(_claimable(today, now)).order_by(Reminder.id)
              .limit(limit).scalar_subquery())
    ids = list(db.session.scalars(
        update(Reminder).where(Reminder.id.in_(chosen), _claimable(today, now))
        .values(status=ReminderStatus.SENDING.value, claimed_at=now, attempted_on=today,
                attempts=Reminder.attempts + 1)
        .returning(Reminder.id).execution_options(synchronize_session=False)))
    db.session.commit()
    return sorted(ids)


def _send(tenant: Tenant, reminder: Reminder) -> str:
    """Send one claimed reminder and commit its outcome at once (the only window for a
    second mail is between the server's acceptance and this commit)."""
    client = reminder.client
    if not client.reminder_consent or not client.email:
        reminder.status = ReminderStatus.FAILED.value
        reminder.error = ("Klient wycofał zgodę na przypomnienia." if not client.reminder_consent
                          else "Klient nie ma adresu e-mail.")
    elif reminder.device.next_inspection_due != reminder.due_on \
            or reminder.device.status == DeviceStatus.LIQUIDATED.value:
        reminder.status = ReminderStatus.FAILED.value
        reminder.error = "Termin przeglądu zmienił się: przypomnienie nieaktualne."
    else:
        reminder.email = client.email
        try:
            mailer.send(tenant, _message(tenant, reminder))
        except mailer.MailError as exc:
            reminder.error = str(exc)[:500]
            reminder.status = (ReminderStatus.FAILED.value if reminder.attempts >= MAX_ATTEMPTS
                               else ReminderStatus.RETRY.value)
        else:
            reminder.status = ReminderStatus.SENT.value
            reminder.sent_at = clock.now()
            reminder.error = ""
    db.session.commit()
    return reminder.status


def run_tenant(tenant: Tenant, today: date) -> Outcome:
    """Plan and send the company's reminders of the day (inside its tenancy)."""
    if ready_problem(tenant):
        return Outcome()
    outcome = Outcome(tenants=1)
    outcome.planned = plan(tenant, today)
    now = clock.now()
    _give_up(today, now)
    session = db.session()
    # The company and each batch's rows are read once; a commit per mail must not expire them
    # (a reload per attribute would be most of the run's time).
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        while ids := claim_batch(today, now, SEND_BATCH):
            batch = db.session.scalars(
                select(Reminder).options(
                    joinedload(Reminder.device).joinedload(Device.location),
                    joinedload(Reminder.client))
                .where(Reminder.id.in_(ids)).order_by(Reminder.id)
                .execution_options(populate_existing=True)).all()
            for reminder in batch:
                status = _send(tenant, reminder)
                if status == ReminderStatus.SENT.value:
                    outcome.sent += 1
                elif status == ReminderStatus.RETRY.value:
                    outcome.retry += 1
                else:
                    outcome.failed += 1
    finally:
        session.expire_on_commit = expire
    return outcome


def run_all(today: date | None = None) -> Outcome:
    """Every active company with reminders on and its own SMTP server, one after another."""
    today = today or clock.today()
    with tenancy.all_tenants():
        tenant_ids = list(db.session.scalars(
            select(Tenant.id).where(Tenant.suspended_at.is_(None),
                                    Tenant.reminder_days_first.is_not(None),
                                    Tenant.smtp_host != "").order_by(Tenant.id)))
        db.session.commit()
    total = Outcome()
    for tenant_id in tenant_ids:
        with tenancy.use_tenant(tenant_id):
            try:
                tenant = db.session.get(Tenant, tenant_id)
                total.add(run_tenant(tenant, today))
            except Exception:  # one company's broken data must not stop the others' mail
                log.exception("reminders of tenant %s failed", tenant_id)
                db.session.rollback()
            finally:
                db.session.remove()
    return total


# --- what the pages show ---------------------------------------------------------------------

def of_device(device_id: int, limit: int = 20) -> list[Reminder]:
    return list(db.session.scalars(select(Reminder).where(Reminder.device_id == device_id)
                                   .order_by(Reminder.id.desc()).limit(limit)))


def of_client(client_id: int, limit: int = 20) -> list[Reminder]:
    return list(db.session.scalars(
        select(Reminder).options(joinedload(Reminder.device))
        .where(Reminder.client_id == client_id).order_by(Reminder.id.desc()).limit(limit)))
