"""The outbox of registry events and its delivery.

Closing or settling a flagged order writes one transmission row per event in the same
transaction (write_outbox). After that commit, online producers' orders are enqueued for
sending; offline producers' rows wait for "Wyślij zlecenia". Sending claims rows atomically
(pending -> sending), posts them, and records one outcome per event. Transient faults put the
rows back to pending with a backoff (`next_attempt_at`); the sweeper finds what is due, per
producer, and rescues rows left "sending" by a dead worker. Re-sending is always safe: the
registry recognises an event by id.
"""

import json
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from operator import itemgetter

from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from app import clock, secrets, tenancy
from app.extensions import db
from app.models import Order, Party, Tenant, Transmission, TransmissionStatus
from app.rzs import client, fixes, payload, preflight, responses

PENDING, SENDING, DELIVERED, REJECTED, UNKNOWN, VOID, HELD = (
    s.value for s in (TransmissionStatus.PENDING, TransmissionStatus.SENDING,
                      TransmissionStatus.DELIVERED, TransmissionStatus.REJECTED,
                      TransmissionStatus.UNKNOWN, TransmissionStatus.VOID,
                      TransmissionStatus.HELD))
BACKOFF_BASE = 30.0
BACKOFF_CAP = 3600.0
STUCK_AFTER = timedelta(minutes=2)  # longer than a request may take (5 s + 30 s)
ORDERS_TO_SEND = "rzs_orders"  # session.info key


# --- the outbox ----------------------------------------------------------------------------

def write_outbox(order: Order) -> list[Transmission]:
    """Rows for the order's events, idempotently: an event already delivered stays delivered;
    a voided, rejected, unknown or held one is taken up again with the current data. An event
    that fails the pre-flight check is held ("do poprawy") instead of waiting to be sent."""
    tenant = db.session.get(Tenant, order.tenant_id)
    events = payload.build_events(order, tenant)
    if not events:
        return []
    producer_id = order.device.producer_id
    existing = {t.event_id: t for t in db.session.scalars(
        select(Transmission).where(Transmission.order_id == order.id))}
    rows = []
    for ev in events:
        row = existing.get(ev["id"])
        if row is None or row.status != DELIVERED:
            row = stage(order, ev, row, producer_id)
        rows.append(row)
    producer = db.session.get(Party, producer_id)
    if producer.online and any(row.status == PENDING for row in rows):
        _enqueue_after_commit(order.tenant_id, order.id)
    logging.getLogger(__name__).info("RZS events of the order in the outbox", extra={
        "order": order.number, "events": len(rows), "online": producer.online})
    return rows


def stage(order: Order, ev: dict, row: Transmission | None,
          producer_id: int) -> Transmission:
    """The event's row made ready to send with this data (pending), or held with the reason
    when the data breaks a field rule of the protocol."""
    if row is None:
        row = Transmission(order_id=order.id, producer_id=producer_id, event_id=ev["id"],
                           kind=ev["kind"], payload=ev)
        db.session.add(row)
    found = preflight.problems(ev)
    # (a stored event kept from before may lack fields: the check below holds it)
    row.payload, row.kind, row.producer_id = ev, ev.get("kind") or row.kind, producer_id
    row.next_attempt_at = None
    row.reply_tokens = row.reply_text = ""
    if found:
        row.status = HELD
        row.meaning = preflight.reason(found)[:1000]
        row.last_error = preflight.paths(found)[:1000]
    else:
        row.status, row.meaning, row.last_error = PENDING, "", ""
    return row


def _enqueue_after_commit(tenant_id: int, order_id: int) -> None:
    """Note that the order has rows to send once this transaction commits; the job layer's
    after_commit hook (workers.jobs) takes the notes and enqueues them."""
    db.session.info.setdefault(ORDERS_TO_SEND, set()).add((tenant_id, order_id))


def take_orders_to_send(session: Session) -> set[tuple[int, int]]:
    """(tenant id, order id) of the orders a committed transaction left to send."""
    return session.info.pop(ORDERS_TO_SEND, None) or set()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(ORDERS_TO_SEND, None)


# --- sending -------------------------------------------------------------------------------

@dataclass
class SendResult:
    sent: int = 0
    delivered: int = 0
    rejected: int = 0
    unknown: int = 0
    waiting: int = 0  # back to pending after a transient fault
    held: int = 0  # failed the pre-flight check: "do poprawy"
    counters: dict[str, int] = field(default_factory=dict)
    error: str = ""
    retry_in: float | None = None

    def add(self, other: "SendResult") -> None:
        for name in ("sent", "delivered", "rejected", "unknown", "waiting", "held"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key, value in other.counters.items():
            self.counters[key] = self.counters.get(key, 0) + value
        self.error = other.error or self.error
        if other.retry_in is not None:
            self.retry_in = max(self.retry_in or 0, other.retry_in)


def endpoint_of(producer: Party, tenant: Tenant) -> client.Endpoint:
    return client.Endpoint(url=producer.api_url, login=producer.api_login,
                           key=secrets.decrypt(producer.api_key_encrypted),
                           service_nip=tenant.nip, producer_nip=producer.nip or "")


def backoff(attempts: int, retry_after: float | None = None) -> float:
    """Capped exponential backoff with jitter; never sooner than the registry's Retry-After."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    delay *= random.uniform(0.8, 1.2)
    return max(delay, retry_after or 0)


def claim(ids: list[int], with_payload: bool = False) -> list[tuple]:
    """pending -> sending, atomically: a second worker on the same rows gets none of them.
    Returns (id, event_id, attempts[, payload as JSON text]) of the rows now owned, by id.
    Commits (and with it whatever the session wrote before: send_many records the previous
    chunk in the same transaction).

    Straight to the driver, one statement, the tenant named in it: built through the ORM, its
    500 bound ids cost more to compile than the database takes to run it (issue 13)."""
    if not ids:
        return []
    tenant_id = tenancy.current_tenant_id()
    if tenant_id is None:
        raise tenancy.TenancyError("no tenant set for a claim of outbox rows")
    connection = db.session.connection()
    dialect = connection.dialect.name
    stamp = _db_time(clock.now(), dialect)
    if dialect == "postgresql":
        sql = ("UPDATE transmission SET status = %s, attempts = attempts + 1, sent_at = %s, "
               "updated_at = %s WHERE tenant_id = %s AND status = %s AND id = ANY(%s::bigint[]) "
               "RETURNING id, event_id, attempts" + (", payload::text" if with_payload else ""))
        params: tuple = (SENDING, stamp, stamp, tenant_id, PENDING, _id_array(ids))
    else:
        marks = ",".join("?" * len(ids))
        sql = ("UPDATE transmission SET status = ?, attempts = attempts + 1, sent_at = ?, "
               f"updated_at = ? WHERE tenant_id = ? AND status = ? AND id IN ({marks}) "
               "RETURNING id, event_id, attempts" + (", payload" if with_payload else ""))
        params = (SENDING, stamp, stamp, tenant_id, PENDING, *ids)
    claimed = connection.exec_driver_sql(sql, params).all()
    db.session.commit()
    return sorted(tuple(row) for row in claimed)


def _id_array(ids) -> str:
    """Row ids as one PostgreSQL array literal: psycopg adapts a list element by element."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"


@dataclass
class Prepared:
    """Claimed rows of one producer and the events that carry them (JSON text each, as
    stored); rows whose stored event fails the pre-flight check are held, not sent."""

    tenant_id: int
    claimed: list[tuple[int, str, int]]
    payloads: list[str]
    endpoint: client.Endpoint | None
    allow_private: bool
    key_error: str = ""
    held: dict[int, list[preflight.Problem]] = field(default_factory=dict)  # index -> why

    @property
    def body(self) -> bytes:
        return _body(self.payloads[i] for i in range(len(self.claimed)) if i not in self.held)


def _body(payloads) -> bytes:
    """The request body: the stored payloads joined as the JSON text they are (no decoding and
    encoding again)."""
    return ('{"events":[' + ",".join(payloads) + "]}").encode()


@dataclass
class Transmitted:
    """What the registry made of a request: its reply (or the failure) for the events `sent`,
    and the events it refused one by one (a 422 naming one event) before the others went."""

    sent: list[int]  # indexes into Prepared.claimed
    reply: str | client.RegistryError | None
    dropped: dict[int, client.RegistryError] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """Where a producer's events go, worked out once per batch (not once per chunk: after each
    chunk's commit the producer and the tenant would be loaded and the key decrypted again)."""

    tenant_id: int
    endpoint: client.Endpoint | None
    allow_private: bool
    key_error: str = ""


def target_of(producer_id: int) -> Target:
    producer = db.session.get(Party, producer_id)
    tenant = db.session.get(Tenant, producer.tenant_id)
    allow_private = current_app.config["RZS_ALLOW_PRIVATE_HOSTS"]
    try:
        return Target(producer.tenant_id, endpoint_of(producer, tenant), allow_private)
    except ValueError as exc:  # an API key that no longer decrypts
        return Target(producer.tenant_id, None, allow_private, str(exc))


def prepare(producer_id: int, ids: list[int], target: Target | None = None) -> Prepared | None:
    """Claim the rows and find the endpoint. None when another worker had them all. (Events
    were checked when staged; a stored one that still fails is found on the registry's 422.)"""
    rows = claim(ids, with_payload=True)
    if not rows:
        return None
    claimed = [(row_id, event_id, attempts) for row_id, event_id, attempts, _p in rows]
    payloads = [text for *_r, text in rows]
    target = target or target_of(producer_id)
    return Prepared(target.tenant_id, claimed, payloads, target.endpoint, target.allow_private,
                    target.key_error)


def transmit(prepared: Prepared) -> Transmitted:
    """The HTTP part alone: no database, so a batch can run it beside the next chunk's work.
    A 422 that names one event rejects that event alone and sends the others again at once,
    so one malformed event does not take the whole request down with it."""
    sending = [i for i in range(len(prepared.claimed)) if i not in prepared.held]
    if not sending:
        return Transmitted([], None)
    if prepared.endpoint is None:
        return Transmitted(sending, client.RegistryError(prepared.key_error, transient=False))
    dropped: dict[int, client.RegistryError] = {}
    checked = False
    while sending:
        try:
            text = client.post_raw(prepared.endpoint, "events",
                                   _body(prepared.payloads[i] for i in sending),
                                   prepared.allow_private)
            return Transmitted(sending, text, dropped)
        except client.RegistryError as exc:
            position = responses.invalid_event_index(exc.body) if exc.status == 422 else None
            if position is None or position >= len(sending):
                return Transmitted(sending, exc, dropped)
            if not checked:
                # Stored events staged before the checks existed: hold every malformed one
                # now, in one go, rather than paying a request for each.
                checked = True
                held = _check_stored(prepared, sending)
                if held:
                    prepared.held.update(held)
                    sending = [i for i in sending if i not in held]
                    continue
            dropped[sending.pop(position)] = exc
    return Transmitted([], None, dropped)


def _check_stored(prepared: Prepared, indexes: list[int]) -> dict[int, list]:
    held = {}
    for index in indexes:
        found = preflight.problems(json.loads(prepared.payloads[index]))
        if found:
            held[index] = found
    return held


def record(prepared: Prepared, transmitted: Transmitted, commit: bool = True) -> SendResult:
    """Write the outcome of each claimed row; `commit=False` leaves the transaction open for
    the next claim to commit with it (send_many: one transaction per chunk, not two)."""
    result = SendResult(sent=len(prepared.claimed) - len(prepared.held))  # held after transmit
    changes = _held_changes(prepared, result)
    for index, exc in transmitted.dropped.items():
        changes += _failure_changes([prepared.claimed[index]], exc, result)
    sent = [prepared.claimed[i] for i in transmitted.sent]
    if isinstance(transmitted.reply, client.RegistryError):
        changes += _failure_changes(sent, transmitted.reply, result)
    elif transmitted.reply is not None:
        changes += _reply_changes(sent, transmitted.reply, result)
    _write(prepared.tenant_id, changes)
    if commit:
        db.session.commit()
    return result


def _held_changes(prepared: Prepared, result: SendResult) -> list[dict]:
    changes = []
    for index, found in prepared.held.items():
        changes.append({"id": prepared.claimed[index][0], "status": HELD, "reply_tokens": "",
                        "reply_text": "", "meaning": preflight.reason(found)[:1000],
                        "last_error": preflight.paths(found)[:1000], "next_attempt_at": None,
                        "delivered_at": None})
        result.held += 1
    return changes


def send_rows(producer_id: int, ids: list[int]) -> SendResult:
    """Send up to 500 pending rows of one producer (current tenant) and record the outcome."""
    prepared = prepare(producer_id, ids)
    if prepared is None:
        return SendResult()
    return record(prepared, transmit(prepared))


def send_many(producer_id: int, ids: list[int], progress=None) -> SendResult:
    """A batch in requests of up to 500, pipelined two deep: while one request is on the wire
    the next is queued behind it, and the main thread records the outcome of the one before
    and claims the chunk after in one transaction, so the one HTTP thread never waits for the
    database. Requests still go one at a time, in order (one thread). A claimed chunk waits
    behind at most one request: far inside STUCK_AFTER."""
    from collections import deque
    from concurrent.futures import ThreadPoolExecutor

    total = SendResult()
    chunks = [ids[i:i + client.MAX_EVENTS] for i in range(0, len(ids), client.MAX_EVENTS)]
    if not chunks:
        return total
    target = target_of(producer_id)
    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rzs-http") as http:
        queued: deque = deque()  # (prepared or None, future or None, size), oldest first
        for chunk in chunks:
            recorded = None
            if len(queued) == 2:
                # The oldest is back (or nearly): its outcome goes into the transaction that
                # claims this chunk; the next request is on the wire meanwhile.
                recorded = _record(queued.popleft(), total, commit=False)
            prepared = prepare(producer_id, chunk, target)  # commits the record above too
            queued.append((prepared, http.submit(transmit, prepared), len(chunk))
                          if prepared is not None else (None, None, len(chunk)))
            if recorded is not None:
                done += recorded
                if progress is not None:
                    progress(done, total)
        while queued:
            done += _record(queued.popleft(), total, commit=True)
            if progress is not None:
                progress(done, total)
    return total


def _record(in_flight, total: SendResult, commit: bool) -> int:
    prepared, future, size = in_flight
    if prepared is not None:
        total.add(record(prepared, future.result(), commit=commit))
    return size


_CHANGED = ("status", "reply_tokens", "reply_text", "meaning", "last_error", "next_attempt_at",
            "delivered_at")


def _write(tenant_id: int, changes: list[dict]) -> None:
    """One UPDATE for many rows, each with its own values (rows of this tenant).

    Straight to the driver (SQLAlchemy's per-parameter processing cost more than the
    registry's own work per event): on SQLite one executemany; on PostgreSQL one statement
    over the rows as one JSON document (see _WRITE_PG): psycopg's executemany sends a
    statement per row, and its array parameters escape every element in Python (issue 13)."""
    if not changes:
        return
    connection = db.session.connection()
    dialect = connection.dialect.name
    stamp = _db_time(clock.now(), dialect)
    converted: dict = {None: None}  # a batch's rows share a few datetimes: convert each once
    if dialect == "postgresql":
        def text_of(v):
            if v not in converted:
                converted[v] = v.isoformat()
            return converted[v]

        document = json.dumps({
            str(c["id"]): {**c, "next_attempt_at": text_of(c["next_attempt_at"]),
                           "delivered_at": text_of(c["delivered_at"])} for c in changes})
        connection.exec_driver_sql(_WRITE_PG, (document, stamp, tenant_id, _id_array(
            c["id"] for c in changes)))
        return
    rows = list(map(_CHANGES_OF, changes))

    def value(v):
        if v not in converted:
            converted[v] = _db_time(v, dialect)
        return converted[v]

    marks = ", ".join(f"{name} = ?" for name in (*_CHANGED, "updated_at"))
    connection.exec_driver_sql(
        f"UPDATE transmission SET {marks} WHERE id = ? AND tenant_id = ?",
        [(status, tokens, text, meaning, error, value(next_at), value(delivered), stamp,
          row_id, tenant_id)
         for status, tokens, text, meaning, error, next_at, delivered, row_id in rows])


_CHANGES_OF = itemgetter(*_CHANGED, "id")
# The outcomes as one jsonb object keyed by row id, each row's values found by key (a binary
# search): joined to a row source instead (json_to_recordset, unnest), the planner guesses 100
# rows, and on a table whose statistics lag it picked a nested loop that re-read the whole
# document once per row (500 x 500 rows, 250 ms a chunk under row-level security).
_WRITE_PG = (
    "WITH d AS (SELECT %s::jsonb AS doc) UPDATE transmission AS t SET "
    + ", ".join(f"{name} = (d.doc -> t.id::text ->> '{name}')"
                + ("::timestamptz" if name.endswith("_at") else "") for name in _CHANGED)
    + ", updated_at = %s FROM d WHERE t.tenant_id = %s AND t.id = ANY(%s::bigint[])")


def _db_time(value, dialect_name: str):
    """Datetimes as UTCDateTime stores them: naive UTC text on SQLite, aware on PostgreSQL."""
    if isinstance(value, datetime) and dialect_name == "sqlite":
        naive = value.astimezone(UTC).replace(tzinfo=None)
        return naive.isoformat(sep=" ", timespec="microseconds")
    return value


def _failure_changes(claimed, exc: client.RegistryError, result: SendResult) -> list[dict]:
    now = clock.now()
    result.error = exc.message
    changes = []
    # One wait for the whole request: rows that failed together are due together, so the
    # sweeper resends them as the one request they were (jitter per row would split a chunk
    # of 500 over several sweeps).
    delay = backoff(max((attempts for *_r, attempts in claimed), default=1), exc.retry_after)
    for row_id, _event_id, _attempts in claimed:
        change = {"id": row_id, "last_error": exc.message[:1000], "delivered_at": None,
                  "reply_tokens": "", "next_attempt_at": None}
        if exc.transient:
            change.update(status=PENDING, reply_text="", meaning="",
                          next_attempt_at=now + timedelta(seconds=delay))
            result.waiting += 1
            result.retry_in = min(result.retry_in or delay, delay)
        else:
            # Wrong parameters, NIP, a refused body: nothing was stored; the user corrects the
            # producer's data and resends.
            change.update(status=REJECTED, reply_text=(exc.body or exc.message)[:4000],
                          meaning=_refusal_meaning(exc))
            result.rejected += 1
        changes.append(change)
    return changes


def _refusal_meaning(exc: client.RegistryError) -> str:
    """A final refusal in the user's words; a 422 names the field of this event."""
    path = responses.invalid_field(exc.body) if exc.status == 422 else None
    if path:
        return (f"{exc.message}: RZS nie przyjął pola „{preflight.label(path)}” ({path}). "
                "Popraw dane i wyślij ponownie.")
    return exc.message


def _reply_changes(claimed, text: str, result: SendResult) -> list[dict]:
    reply = responses.parse_events_reply(text, [event_id for _i, event_id, _a in claimed])
    result.counters = reply.counters
    now = clock.now()
    changes = []
    # The reply's tokens and their meaning, worked out once per distinct reply.
    shown: dict[tuple, tuple[str, str]] = {}
    for row_id, event_id, _attempts in claimed:
        outcome = reply.outcomes[event_id]
        key = (outcome.status, outcome.meaning, *outcome.tokens)
        if key not in shown:
            advice = responses.advice(outcome.tokens) if outcome.status == REJECTED else ""
            shown[key] = (" ".join(outcome.tokens)[:500],
                          (outcome.meaning + (f" {advice}" if advice else ""))[:1000])
        tokens, meaning = shown[key]
        changes.append({
            "id": row_id, "status": outcome.status, "reply_tokens": tokens,
            "reply_text": (outcome.line or reply.malformed)[:4000], "meaning": meaning,
            "last_error": "", "next_attempt_at": None,
            "delivered_at": now if outcome.status == DELIVERED else None,
        })
        setattr(result, outcome.status, getattr(result, outcome.status) + 1)
    return changes


def transmissions_of(order_id: int) -> list[Transmission]:
    return list(db.session.scalars(select(Transmission).where(Transmission.order_id == order_id)
                                   .order_by(Transmission.id)))


def due_rows_of_order(order_id: int) -> dict[int, list[int]]:
    """Pending rows of an order that are due now, by producer."""
    now = clock.now()
    rows = db.session.execute(
        select(Transmission.id, Transmission.producer_id).where(
            Transmission.order_id == order_id, Transmission.status == PENDING, _due(now))
        .order_by(Transmission.id)).all()
    grouped: dict[int, list[int]] = {}
    for row_id, producer_id in rows:
        grouped.setdefault(producer_id, []).append(row_id)
    return grouped


def _due(now: datetime):
    return (Transmission.next_attempt_at.is_(None)) | (Transmission.next_attempt_at <= now)


def _unattended():
    """Rows that go without anyone pressing a button: every row of an online producer, and
    an offline producer's rows sent once already (a batch, a resend). An offline row never
    sent waits for "Wyślij zlecenia"."""
    return (Transmission.attempts > 0) | Party.online.is_(True)


def send_order(order_id: int) -> SendResult:
    total = SendResult()
    for producer_id, ids in due_rows_of_order(order_id).items():
        for start in range(0, len(ids), client.MAX_EVENTS):
            total.add(send_rows(producer_id, ids[start:start + client.MAX_EVENTS]))
    return total


class Unchanged(ValueError):
    """A resend of the data the registry refused, unchanged: it would be refused again."""

    def __init__(self, fix: "fixes.Fix"):
        super().__init__("Dane zdarzenia się nie zmieniły, więc RZS odrzuciłby je ponownie. "
                         f"Najpierw popraw: {fix.label[0].lower()}{fix.label[1:]}.")
        self.fix = fix


def resend(row: Transmission) -> None:
    """Take a rejected, unknown or held event up again, rebuilt from the current (corrected)
    data. Refused (Unchanged) when the refusal is one that only corrected data can cure and
    nothing it depends on changed since it was sent."""
    if row.status not in (REJECTED, UNKNOWN, HELD):
        raise ValueError("only rejected, unknown or held events are resent")
    order = row.order
    tenant = db.session.get(Tenant, row.tenant_id)
    fresh = {ev["id"]: ev for ev in payload.build_events(order, tenant)}
    event = fresh.get(row.event_id, row.payload)
    if row.status == REJECTED:
        fix = fixes.for_row(row)
        if fix is not None and fix.needs_change and event == row.payload \
                and not _producer_changed_since(order.device.producer_id, row.sent_at):
            raise Unchanged(fix)
    stage(order, event, row, order.device.producer_id)
    if row.status == PENDING:
        _enqueue_after_commit(row.tenant_id, row.order_id)


def _producer_changed_since(producer_id: int, moment: datetime | None) -> bool:
    """The producer's record (API parameters, NIP) saved after the event was sent."""
    producer = db.session.get(Party, producer_id)
    return moment is None or (producer.updated_at is not None and producer.updated_at > moment)


# --- the sweeper ---------------------------------------------------------------------------

def sweep(now: datetime | None = None) -> dict:
    """Across tenants: rows left "sending" by a dead worker go back to pending, and the
    (tenant, producer) pairs that have rows due now (see `_unattended`) are returned for the
    job layer to enqueue one `send_due` each. The outbox's `next_attempt_at` is the only
    schedule of retries: nothing waits in Redis for its time (docs/architecture.md)."""
    now = now or clock.now()
    with tenancy.all_tenants():
        rescued = db.session.execute(
            update(Transmission)
            .where(Transmission.status == SENDING, Transmission.sent_at < now - STUCK_AFTER)
            .values(status=PENDING, next_attempt_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        due = db.session.execute(
            select(Transmission.tenant_id, Transmission.producer_id).distinct()
            .join(Party, Party.id == Transmission.producer_id)
            .join(Tenant, Tenant.id == Transmission.tenant_id)
            .where(Transmission.status == PENDING, Tenant.suspended_at.is_(None),
                   _unattended(), _due(now))
            .order_by(Transmission.tenant_id, Transmission.producer_id)
        ).all()
        db.session.commit()
    return {"rescued": rescued or 0, "producers": [tuple(pair) for pair in due]}


def next_wake(now: datetime | None = None) -> datetime | None:
    """Across tenants: when the sweeper next has work, the earliest of a waiting row's
    `next_attempt_at` and the moment a "sending" row counts as stuck (None: nothing waits).
    The sweeper runs then, if sooner than its minute, so a retry is not late by up to a
    minute and a dead worker's rows are not left for one more round."""
    with tenancy.all_tenants():
        waiting = db.session.scalar(
            select(func.min(Transmission.next_attempt_at))
            .join(Party, Party.id == Transmission.producer_id)
            .join(Tenant, Tenant.id == Transmission.tenant_id)
            .where(Transmission.status == PENDING, Tenant.suspended_at.is_(None),
                   _unattended(), Transmission.next_attempt_at > (now or clock.now())))
        sending = db.session.scalar(
            select(func.min(Transmission.sent_at)).where(Transmission.status == SENDING))
        db.session.commit()
    found = [t for t in (waiting, sending and sending + STUCK_AFTER) if t is not None]
    return min(found) if found else None


def send_due(producer_id: int, now: datetime | None = None) -> SendResult:
    """Every row of the producer (current tenant) due now, in requests of up to 500 by row id:
    a failed chunk of a batch goes again as one request, and retries of many orders of one
    producer share requests instead of one each."""
    now = now or clock.now()
    ids = list(db.session.scalars(
        select(Transmission.id).join(Party, Party.id == Transmission.producer_id)
        .where(Transmission.producer_id == producer_id, Transmission.status == PENDING,
               _unattended(), _due(now))
        .order_by(Transmission.id)))
    db.session.commit()
    return send_many(producer_id, ids)


# --- the connection test -------------------------------------------------------------------

def test_connection(producer: Party) -> tuple[bool, str]:
    """"Test połączenia": the registry's ping; the result and its time are kept on the
    producer. The message says why it failed: parameters, producer NIP, connection, time-out,
    TLS, or the registry's own words."""
    tenant = db.session.get(Tenant, producer.tenant_id)
    missing = [label for label, value in (("adres API", producer.api_url),
                                          ("login API", producer.api_login),
                                          ("klucz API", producer.api_key_encrypted),
                                          ("NIP producenta", producer.nip)) if not value]
    if missing:
        ok, message = False, f"Błąd: uzupełnij parametry: {', '.join(missing)}."
    else:
        try:
            reply = client.ping(endpoint_of(producer, tenant),
                                current_app.config["RZS_ALLOW_PRIVATE_HOSTS"])
            first = reply.split("\n", 1)[0].strip()
            ok = first == "OK"
            message = "OK: połączenie udane" if ok else f"Nieoczekiwana odpowiedź: {first[:200]}"
        except client.RegistryError as exc:
            ok, message = False, exc.message
        except ValueError as exc:
            ok, message = False, f"Błąd: zapisanego klucza API nie da się odczytać ({exc})."
    producer.last_test_at = clock.now()
    producer.last_test_ok = ok
    producer.last_test_message = message[:500]
    return ok, message
