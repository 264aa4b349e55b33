"""The registry's state: one SQLite file in the data directory (stdlib sqlite3, WAL,
synchronous=NORMAL), per producer code: devices (paired unique and factory numbers, the holding
service company, the current taxpayer and location), taxpayers (by NIP), locations (by
taxpayer and normalised address), events and a log of /events requests.

`Store.process(producer, company, events)` applies "What the registry does with each event" of
rzs-api.md to a validated request: one write transaction for the whole request (BEGIN
IMMEDIATE under a process-wide lock), committed before the reply is returned, so a reply lost
afterwards loses nothing but the reply.
"""

from __future__ import annotations

import json
import queue
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rzs_emulator import protocol
from rzs_emulator.config import Config, Producer, ServiceCompany

DB_NAME = "rzs.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS taxpayers (
    id INTEGER PRIMARY KEY,
    producer TEXT NOT NULL,
    nip TEXT NOT NULL,
    name TEXT NOT NULL,
    street TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS taxpayers_by_nip ON taxpayers (producer, nip);

CREATE TABLE IF NOT EXISTS locations (
    id INTEGER PRIMARY KEY,
    taxpayer_id INTEGER NOT NULL REFERENCES taxpayers (id),
    match_key TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    street TEXT NOT NULL,
    postal_code TEXT NOT NULL,
    city TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS locations_by_address ON locations (taxpayer_id, match_key);

CREATE TABLE IF NOT EXISTS devices (
    id INTEGER PRIMARY KEY,
    producer TEXT NOT NULL,
    unique_no TEXT NOT NULL,
    factory_no TEXT NOT NULL,
    service_nip TEXT NOT NULL,
    taxpayer_id INTEGER REFERENCES taxpayers (id),
    location_id INTEGER REFERENCES locations (id),
    source TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS devices_by_unique_no ON devices (producer, unique_no);
CREATE UNIQUE INDEX IF NOT EXISTS devices_by_factory_no ON devices (producer, factory_no);

CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    producer TEXT NOT NULL,
    service_nip TEXT NOT NULL,
    received_at TEXT NOT NULL,
    events INTEGER NOT NULL,
    reply TEXT NOT NULL,
    reply_lost INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS requests_by_producer ON requests (producer, id);

CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    producer TEXT NOT NULL,
    service_nip TEXT NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    device_id INTEGER NOT NULL REFERENCES devices (id),
    performed_on TEXT NOT NULL,
    seal_no TEXT NOT NULL,
    technician_name TEXT NOT NULL DEFAULT '',
    taxpayer_id INTEGER NOT NULL REFERENCES taxpayers (id),
    location_id INTEGER NOT NULL REFERENCES locations (id),
    started_at TEXT NOT NULL DEFAULT '',
    finished_at TEXT NOT NULL DEFAULT '',
    book TEXT,
    request_id INTEGER NOT NULL REFERENCES requests (id),
    received_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS events_by_id ON events (producer, service_nip, event_id);
CREATE INDEX IF NOT EXISTS events_by_device ON events (device_id, kind, performed_on);
CREATE INDEX IF NOT EXISTS events_by_producer ON events (producer, id);
"""

_SPACES = re.compile(r"\s+")


def address_key(street: str, postal_code: str, city: str) -> str:
    """Street, postal code and city compared without case, runs of spaces folded (and the
    ends trimmed)."""
    return "\x1f".join(_SPACES.sub(" ", part).strip().casefold()
                       for part in (street, postal_code, city))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Outcome:
    """What one /events request did: the reply lines and the counters."""

    lines: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    request_id: int | None = None

    @property
    def reply(self) -> str:
        return "\n".join(self.lines)


class Store:
    def __init__(self, data_dir: str | Path, pool_size: int = 16):
        self.dir = Path(data_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / DB_NAME
        self._pool: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._pool_size = pool_size
        self._write_lock = threading.Lock()
        with self.connection() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(SCHEMA)

    # -- connections -----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0,
            cached_statements=256,
        )
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA cache_size=-32000")
        conn.execute("PRAGMA temp_store=MEMORY")
        return conn

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            conn = self._connect()
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.rollback()
            raise
        finally:
            if self._pool.qsize() < self._pool_size:
                self._pool.put(conn)
            else:
                conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed on leaving (rolled back on an exception)."""
        with self._write_lock, self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return

    # -- configuration devices and reset ----------------------------------------------------

    def seed_devices(self, config: Config) -> list[str]:
        """Register the configuration's devices. A device not yet in the registry is added,
        held by its `service_nip`; one already paired the same way keeps its data but is held
        by the company the file names (the file is the producer's word); a device that
        contradicts the registry's pairing is skipped with a warning (returned)."""
        warnings = []
        stamp = now()
        with self.write() as conn:
            for producer in config.producers:
                for d in producer.devices:
                    by_unique = conn.execute(
                        "SELECT id, factory_no FROM devices WHERE producer=? AND unique_no=?",
                        (producer.code, d.unique_no),
                    ).fetchone()
                    by_factory = conn.execute(
                        "SELECT id, unique_no FROM devices WHERE producer=? AND factory_no=?",
                        (producer.code, d.factory_no),
                    ).fetchone()
                    if by_unique is None and by_factory is None:
                        conn.execute(
                            "INSERT INTO devices (producer, unique_no, factory_no, service_nip,"
                            " source, registered_at, updated_at)"
                            " VALUES (?, ?, ?, ?, 'config', ?, ?)",
                            (producer.code, d.unique_no, d.factory_no, d.service_nip,
                             stamp, stamp),
                        )
                    elif (by_unique is not None and by_factory is not None
                          and by_unique[0] == by_factory[0]):
                        conn.execute(
                            "UPDATE devices SET service_nip=? WHERE id=? AND service_nip<>?",
                            (d.service_nip, by_unique[0], d.service_nip),
                        )
                    else:
                        warnings.append(
                            f"{producer.code}: device {d.unique_no}/{d.factory_no} of the "
                            "configuration contradicts the registry's pairing; skipped"
                        )
        return warnings

    def reset(self, config: Config) -> None:
        with self.write() as conn:
            for table in ("events", "requests", "devices", "locations", "taxpayers"):
                conn.execute(f"DELETE FROM {table}")  # fixed table names
        self.seed_devices(config)

    # -- /events ----------------------------------------------------------------------------

    def process(
        self,
        producer: Producer,
        company: ServiceCompany,
        events: list[dict],
        reply_lost: bool = False,
    ) -> Outcome:
        counts = {"taxpayers": 0, "locations": 0, "PU": 0, "F": 0, "L": 0, "N": 0}
        lines = [protocol.OK]
        code, sender = producer.code, company.nip
        stamp = now()
        with self.write() as conn:
            ex = conn.execute
            request_id = ex(
                "INSERT INTO requests (producer, service_nip, received_at, events, reply,"
                " reply_lost) VALUES (?, ?, ?, ?, '', ?)",
                (code, sender, stamp, len(events), int(reply_lost)),
            ).lastrowid
            for ev in events:
                eid, kind = ev["id"], ev["kind"]
                unique_no, factory_no = ev["unique_no"], ev["factory_no"]
                # 1. the unique number's prefix is this producer's
                if unique_no[:3] not in producer.prefixes:
                    lines.append(f"{eid}: {protocol.UNKNOWN_PREFIX}")
                    continue
                # 2. a unique and a factory number once paired stay paired
                by_unique = ex(
                    "SELECT id, factory_no, service_nip, taxpayer_id, location_id FROM devices"
                    " WHERE producer=? AND unique_no=?",
                    (code, unique_no),
                ).fetchone()
                if by_unique is not None:
                    if by_unique[1] != factory_no:
                        lines.append(f"{eid}: {protocol.PAIRING}")
                        continue
                    device = by_unique
                else:
                    if ex(
                        "SELECT 1 FROM devices WHERE producer=? AND factory_no=?",
                        (code, factory_no),
                    ).fetchone() is not None:
                        lines.append(f"{eid}: {protocol.PAIRING}")
                        continue
                    device = None
                # 3. a new device, or one held by the sending company
                if device is not None and device[2] != sender:
                    lines.append(f"{eid}: {protocol.OTHER_SERVICE}")
                    continue
                # 4. the seal is registered for the sending company on this producer
                if ev["seal_no"] not in company.seals:
                    lines.append(f"{eid}: {protocol.UNKNOWN_SEAL.format(seal=ev['seal_no'])}")
                    continue
                # the same event: the id, or for PU/F/L the device, kind and date
                if ex(
                    "SELECT 1 FROM events WHERE producer=? AND service_nip=? AND event_id=?",
                    (code, sender, eid),
                ).fetchone() is not None or (
                    device is not None
                    and kind != "N"
                    and ex(
                        "SELECT 1 FROM events WHERE device_id=? AND kind=? AND performed_on=?",
                        (device[0], kind, ev["performed_on"]),
                    ).fetchone() is not None
                ):
                    lines.append(f"{eid}: Kasa {kind}")
                    continue

                tokens = []
                # 1. the device
                if device is None:
                    tokens.append("+Kasa")
                    device_id = ex(
                        "INSERT INTO devices (producer, unique_no, factory_no, service_nip,"
                        " source, registered_at, updated_at) VALUES (?, ?, ?, ?, 'event', ?, ?)",
                        (code, unique_no, factory_no, sender, stamp, stamp),
                    ).lastrowid
                    old_taxpayer_id = old_location_id = None
                else:
                    tokens.append("Kasa")
                    device_id, old_taxpayer_id, old_location_id = device[0], device[3], device[4]
                # 2. the taxpayer
                tp = ev["taxpayer"]
                row = ex(
                    "SELECT id, name, street, postal_code, city FROM taxpayers"
                    " WHERE producer=? AND nip=?",
                    (code, tp["nip"]),
                ).fetchone()
                if row is None:
                    tokens.append("+Podatnik")
                    counts["taxpayers"] += 1
                    taxpayer_id = ex(
                        "INSERT INTO taxpayers (producer, nip, name, street, postal_code, city,"
                        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (code, tp["nip"], tp["name"], tp["street"], tp["postal_code"],
                         tp["city"], stamp, stamp),
                    ).lastrowid
                else:
                    taxpayer_id = row[0]
                    # A known NIP with a new name or address: updated silently (an address
                    # field left out keeps what the registry has).
                    new = (
                        tp["name"],
                        tp["street"] or row[2],
                        tp["postal_code"] or row[3],
                        tp["city"] or row[4],
                    )
                    if new != tuple(row[1:]):
                        ex(
                            "UPDATE taxpayers SET name=?, street=?, postal_code=?, city=?,"
                            " updated_at=? WHERE id=?",
                            (*new, stamp, taxpayer_id),
                        )
                if old_taxpayer_id is not None and old_taxpayer_id != taxpayer_id:
                    tokens.append("+uEP")
                # 3. the location
                loc = ev["location"]
                key = address_key(loc["street"], loc["postal_code"], loc["city"])
                row = ex(
                    "SELECT id, name FROM locations WHERE taxpayer_id=? AND match_key=?",
                    (taxpayer_id, key),
                ).fetchone()
                if row is None:
                    tokens.append("+Lokalizacja")
                    counts["locations"] += 1
                    location_id = ex(
                        "INSERT INTO locations (taxpayer_id, match_key, name, street,"
                        " postal_code, city, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (taxpayer_id, key, loc["name"], loc["street"], loc["postal_code"],
                         loc["city"], stamp),
                    ).lastrowid
                else:
                    location_id = row[0]
                    if loc["name"] and loc["name"] != row[1]:
                        ex("UPDATE locations SET name=? WHERE id=?", (loc["name"], location_id))
                if old_location_id is not None and old_location_id != location_id:
                    tokens.append("+uEL")
                if device is not None and (
                    old_taxpayer_id != taxpayer_id or old_location_id != location_id
                ):
                    ex(
                        "UPDATE devices SET taxpayer_id=?, location_id=?, updated_at=?"
                        " WHERE id=?",
                        (taxpayer_id, location_id, stamp, device_id),
                    )
                elif device is None:
                    ex(
                        "UPDATE devices SET taxpayer_id=?, location_id=? WHERE id=?",
                        (taxpayer_id, location_id, device_id),
                    )
                # 4. the event
                ex(
                    "INSERT INTO events (producer, service_nip, event_id, kind, device_id,"
                    " performed_on, seal_no, technician_name, taxpayer_id, location_id,"
                    " started_at, finished_at, book, request_id, received_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (code, sender, eid, kind, device_id, ev["performed_on"], ev["seal_no"],
                     ev["technician_name"], taxpayer_id, location_id, ev["started_at"],
                     ev["finished_at"],
                     None if ev["book"] is None else json.dumps(ev["book"], ensure_ascii=False),
                     request_id, stamp),
                )
                tokens.append(f"+{kind}")
                counts[kind] += 1
                lines.append(f"{eid}: {' '.join(tokens)}")
            lines.extend(protocol.summary_lines(counts))
            outcome = Outcome(lines=lines, counts=counts, request_id=request_id)
            ex("UPDATE requests SET reply=? WHERE id=?", (outcome.reply, request_id))
        return outcome

    # -- reading (the page and the admin endpoints) -----------------------------------------

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self.connection() as conn:
            conn.row_factory = sqlite3.Row
            try:
                return conn.execute(sql, params).fetchall()
            finally:
                conn.row_factory = None

    def counts(self, producer: str | None = None) -> dict[str, int]:
        where, params = ("WHERE producer=?", (producer,)) if producer else ("", ())
        out = {}
        with self.connection() as conn:
            for name, sql in (
                ("devices", f"SELECT count(*) FROM devices {where}"),
                ("taxpayers", f"SELECT count(*) FROM taxpayers {where}"),
                ("locations", "SELECT count(*) FROM locations JOIN taxpayers t"
                              " ON t.id = locations.taxpayer_id"
                              + (" WHERE t.producer=?" if producer else "")),
                ("events", f"SELECT count(*) FROM events {where}"),
                ("requests", f"SELECT count(*) FROM requests {where}"),
            ):
                out[name] = conn.execute(sql, params).fetchone()[0]
            for kind in protocol.KINDS:
                sql = "SELECT count(*) FROM events WHERE kind=?" + (
                    " AND producer=?" if producer else "")
                out[f"events_{kind}"] = conn.execute(
                    sql, (kind, producer) if producer else (kind,)).fetchone()[0]
        return out
