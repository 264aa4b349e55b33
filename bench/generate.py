"""Benchmark data: one tenant "Bench Serwis" at production scale, written in seconds.

    python -m bench.generate --database-url URL [--orders 100000 --devices 20000 --clients 10000]

Runs the migrations (flask_migrate.upgrade) unless --no-upgrade, then writes one tenant with
3 producers, the clients (one location each), the devices, 10 technicians with authorisations,
the service catalogue, and the orders over 5 years with 1-3 items each, a book row for every
flagged order and RZS transmissions for part of the closed flagged ones. Everything goes through
SQLAlchemy Core `insert()` executemany in chunks with ids computed here (not ORM objects), in one
transaction; tenant_id is set explicitly because Core bypasses the ORM's tenant stamping. On
PostgreSQL the id sequences are moved past the inserted ids afterwards. The counts are verified
at the end. Deterministic for a given seed and day.

`generate(url, ...)` is importable for later benchmarks; it returns the tenant id, the row counts
and the seconds per table. The data is shaped for volume and distribution (statuses, kinds,
dates, producers), not for every business rule: devices' inspection dates follow their `P`
orders, but for example an order may fall before its device's fiscalization.
"""

import argparse
import os
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text

from app.textfold import fold

CHUNK = 5_000
TENANT_NAME = "Bench Serwis"
PASSWORD = "bench-plomba"

CITIES = (
    # (city, postal-code prefix, NIP tax-office prefixes)
    ("Warszawa", "0", ("521", "522", "524", "525", "526", "527")),
    ("Kraków", "3", ("676", "677", "678", "679")),
    ("Łódź", "9", ("725", "726", "727", "728", "729")),
    ("Wrocław", "5", ("894", "895", "896", "897", "898", "899")),
    ("Poznań", "6", ("777", "778", "779", "781", "782", "783")),
    ("Gdańsk", "8", ("583", "584", "604")),
    ("Szczecin", "7", ("851", "852", "955")),
    ("Bydgoszcz", "8", ("554", "953", "967")),
    ("Lublin", "2", ("712", "713", "946")),
    ("Białystok", "1", ("542", "966")),
    ("Katowice", "4", ("634", "954")),
    ("Gdynia", "8", ("586", "958")),
    ("Częstochowa", "4", ("573", "949")),
    ("Radom", "2", ("796", "948")),
    ("Toruń", "8", ("879", "956")),
    ("Kielce", "2", ("657", "959")),
    ("Rzeszów", "3", ("813", "517")),
    ("Olsztyn", "1", ("739",)),
    ("Opole", "4", ("754",)),
    ("Zielona Góra", "6", ("929", "973")),
)
TRADES = (
    "Sklep Spożywczy", "Piekarnia", "Apteka", "Kwiaciarnia", "Restauracja", "Kawiarnia",
    "Pizzeria", "Drogeria", "Księgarnia", "Salon Fryzjerski", "Warsztat Samochodowy",
    "Stacja Paliw", "Hurtownia", "Sklep Mięsny", "Cukiernia", "Bar", "Sklep Odzieżowy",
    "Sklep Zoologiczny", "Gabinet Stomatologiczny", "Optyk", "Taxi", "Hotel", "Pralnia",
    "Sklep Monopolowy", "Sklep Papierniczy", "Sklep Rowerowy", "Delikatesy", "Kiosk",
)
SURNAMES = (
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski",
    "Zieliński", "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur",
    "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski",
    "Michalski", "Nowicki", "Adamczyk", "Dudek", "Zając", "Wieczorek", "Jabłoński", "Król",
)
FORMS = ("Sp. z o.o.", "s.c.", "Sp. j.", "", "", "")
TECHNICIAN_NAMES = (
    "Jan Kowalski", "Piotr Nowak", "Marek Wiśniewski", "Tomasz Wójcik", "Paweł Kamiński",
    "Michał Lewandowski", "Krzysztof Zieliński", "Adam Szymański", "Łukasz Woźniak",
    "Grzegorz Dąbrowski", "Rafał Kozłowski", "Robert Jankowski",
)
FAULTS = (
    ("Drukarka nie drukuje paragonów.", "Wymieniono mechanizm drukujący.", "Mechanizm"),
    ("Brak połączenia z CRK.", "Wymieniono moduł komunikacyjny.", "Moduł komunikacyjny"),
    ("Uszkodzona klawiatura.", "Wymieniono folię klawiatury.", "Klawiatura"),
    ("Urządzenie nie włącza się.", "Wymieniono zasilacz.", "Zasilacz"),
    ("Błąd nośnika kopii elektronicznej.", "Wymieniono nośnik kopii.", "Karta pamięci"),
)
BOOK_FAULTS = {
    "P": "Przegląd techniczny okresowy (ustawowy).",
    "F": "Fiskalizacja nowego urządzenia.",
    "L": "Likwidacja urządzenia na wniosek podatnika.",
    "W": "Zapełnienie pamięci fiskalnej.",
}
EVENT_KINDS = {"P": "PU", "F": "F", "L": "L"}


def _make_app(url: str):
    # Development settings (instance/ secrets) unless the environment chose otherwise.
    os.environ.setdefault("PLOMBA_ENV", "development")
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url})


def generate(url: str, orders: int = 100_000, devices: int = 20_000, clients: int = 10_000,
             technicians: int = 10, years: int = 5, seed: int = 2024, upgrade: bool = True,
             verbose: bool = False) -> dict:
    """Write one bench tenant into the database at `url`; returns
    {"tenant_id", "counts": {table: rows}, "seconds": {table: s}, "total_seconds"}."""
    app = _make_app(url)
    with app.app_context():
        from app.extensions import db

        started = time.perf_counter()
        seconds: dict[str, float] = {}
        if upgrade:
            from flask_migrate import upgrade as migrate_upgrade

            migrate_upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
            seconds["(schema upgrade)"] = time.perf_counter() - started
        gen = _Generator(db.engine, orders=orders, devices=devices, clients=clients,
                         technicians=technicians, years=years, seed=seed, verbose=verbose)
        result = gen.run()
        result["seconds"] = {**seconds, **result["seconds"]}
        result["total_seconds"] = time.perf_counter() - started
        # Fresh statistics, as a database that has lived with the rows would have (autovacuum
        # on PostgreSQL); without them a bench run right after the load measures bad plans
        # (the order page's item look-up: 5.5 ms instead of 0.2 ms). Not part of the load time.
        from sqlalchemy import text

        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        db.engine.dispose()
    return result


class _Generator:
    def __init__(self, engine: Engine, *, orders: int, devices: int, clients: int,
                 technicians: int, years: int, seed: int, verbose: bool):
        from app import clock
        from app.extensions import db

        self.engine = engine
        self.tables = db.metadata.tables
        self.n_orders, self.n_devices, self.n_clients = orders, devices, clients
        self.n_technicians = technicians
        self.rng = random.Random(seed)
        self.today = clock.today()
        self.now = clock.now().replace(microsecond=0)
        self.start = self.today - timedelta(days=365 * years)
        self.seconds: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self.verbose = verbose

    # -- plumbing ---------------------------------------------------------------------------

    def _insert(self, conn, table: str, rows: list[dict]) -> None:
        t0 = time.perf_counter()
        target = self.tables[table]
        for i in range(0, len(rows), CHUNK):
            conn.execute(insert(target), rows[i:i + CHUNK])
        self.seconds[table] += time.perf_counter() - t0
        self.counts[table] += len(rows)

    def _build(self, table: str, t0: float) -> None:
        # Python time spent building rows, apart from the inserts' time per table
        self.seconds["(build rows)"] += time.perf_counter() - t0

    def _next_ids(self, conn) -> dict[str, int]:
        return {
            name: (conn.scalar(select(func.max(self.tables[name].c.id))) or 0) + 1
            for name in ("tenant", "user_account", "party", "location", "service", "technician",
                         "authorisation", "device", "service_order", "order_item",
                         "order_book", "order_counter", "transmission")
        }

    def _at(self, day: date, minutes: int) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(minutes=minutes)

    # -- the run ----------------------------------------------------------------------------

    def run(self) -> dict:
        with self.engine.begin() as conn:
            self.ids = self._next_ids(conn)
            self.tenant_id = self.ids["tenant"]
            self._tenant(conn)
            self._producers_and_catalogue(conn)
            self._clients(conn)
            self._technicians(conn)
            plan = self._plan_orders()
            self._devices(conn, plan)
            self._orders(conn, plan)
            if conn.dialect.name == "postgresql":
                t0 = time.perf_counter()
                for name in self.ids:
                    conn.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT max(id) FROM {name}))"))
                self.seconds["(sequences)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        self._verify()
        self.seconds["(verify)"] = time.perf_counter() - t0
        return {"tenant_id": self.tenant_id, "counts": dict(self.counts),
                "seconds": dict(self.seconds)}

    def _tenant(self, conn) -> None:
        from app.accounts.passwords import hash_password
        from app.demo import nip_with_check

        t0 = time.perf_counter()
        taken = set(conn.scalars(select(self.tables["tenant"].c.nip)))
        n = 0
        while True:
            nip = nip_with_check(f"725{n:06d}")
            if nip and nip not in taken:
                break
            n += 1
        emails = set(conn.scalars(select(self.tables["user_account"].c.email)))
        suffix = "" if "bench@example.com" not in emails else f"-{self.tenant_id}"
        created = self._at(self.start, 8 * 60)
        tenant = {"id": self.tenant_id, "name": TENANT_NAME, "nip": nip,
                  "street": "ul. Marszałkowska 100", "postal_code": "00-026", "city": "Warszawa",
                  "email": f"bench{suffix}@example.com", "phone": "22 100 20 30",
                  "created_at": created, "updated_at": created}
        password_hash = hash_password(PASSWORD)
        uid = self.ids["user_account"]
        self.users = {"owner": uid, "office": uid + 1, "technician": uid + 2}
        users = [
            {"id": uid + i, "tenant_id": self.tenant_id,
             "email": f"bench{part}{suffix}@example.com", "name": name,
             "password_hash": password_hash, "role": role,
             "active": True, "session_token": f"bench-{self.tenant_id}-{i}",
             "created_at": created, "updated_at": created}
            for i, (part, name, role) in enumerate((("", "Właściciel Bench", "owner"),
                                                    ("-biuro", "Biuro Bench", "office"),
                                                    ("-serwisant", TECHNICIAN_NAMES[0],
                                                     "technician")))
        ]
        self._build("tenant", t0)
        self._insert(conn, "tenant", [tenant])
        self._insert(conn, "user_account", users)

    def _producers_and_catalogue(self, conn) -> None:
        from app import secrets
        from app.demo import DEMO_PRODUCERS, DEMO_SERVICES

        t0 = time.perf_counter()
        created = self._at(self.start, 9 * 60)
        pid = self.ids["party"]
        self.producers = []
        rows = []
        for i, p in enumerate(DEMO_PRODUCERS):
            self.producers.append((pid + i, p))
            rows.append(self._party(
                pid + i, p.name, p.nip, created, street=p.street, postal_code=p.postal_code,
                city=p.city, is_client=False, is_producer=True,
                factory_masks=list(p.factory_masks), unique_prefixes=list(p.unique_prefixes),
                api_url=p.api_url, api_login=p.api_login,
                api_key_encrypted=secrets.encrypt(p.api_key), online=p.online))
        self.ids["party"] += len(rows)
        self._build("party", t0)
        self._insert(conn, "party", rows)

        t0 = time.perf_counter()
        sid = self.ids["service"]
        self.services = {}
        rows = []
        for i, s in enumerate(DEMO_SERVICES):
            self.services[s.key] = (sid + i, s)
            rows.append({"id": sid + i, "tenant_id": self.tenant_id, "name": s.name,
                         "price": s.price, "vat_rate": s.vat_rate,
                         "special_kind": s.special_kind, "service_book": s.service_book,
                         "active": True, "created_at": created, "updated_at": created})
        self._build("service", t0)
        self._insert(conn, "service", rows)

    def _party(self, pid: int, name: str, nip: str, created: datetime, **extra) -> dict:
        row = {"id": pid, "tenant_id": self.tenant_id, "name": name, "name_key": fold(name),
               "nip": nip, "regon": "", "street": "", "postal_code": "", "city": "",
               "email": "", "phone": "", "reminder_consent": False, "notes": "",
               "is_client": True, "is_producer": False, "factory_masks": [],
               "unique_prefixes": [], "api_url": "", "api_login": "", "api_key_encrypted": "",
               "online": True, "last_test_at": None, "last_test_ok": None,
               "last_test_message": "", "created_at": created, "updated_at": created}
        row.update(extra)
        return row

    def _clients(self, conn) -> None:
        from app.demo import STREETS, nip_with_check, regon_with_check

        rng = self.rng
        t0 = time.perf_counter()
        first_client = self.ids["party"]
        first_location = self.ids["location"]
        producer_nips = {p.nip for _, p in self.producers}
        parties, locations = [], []
        counter = 0
        span = (self.today - self.start).days
        for i in range(self.n_clients):
            city, postal, offices = CITIES[min(int(rng.expovariate(0.25)), len(CITIES) - 1)]
            while True:  # unique within the tenant: each counter value gives another NIP
                office = offices[counter % len(offices)]
                nip = nip_with_check(f"{office}{counter // len(offices) % 10**6:06d}")
                counter += 1
                if nip and nip not in producer_nips:
                    break
            name = f"{rng.choice(TRADES)} {rng.choice(SURNAMES)}"
            form = rng.choice(FORMS)
            if form:
                name = f"{name} {form}"
            street = f"ul. {rng.choice(STREETS)} {rng.randint(1, 200)}"
            postal_code = f"{postal}{rng.randint(0, 9)}-{rng.randint(0, 999):03d}"
            created = self._at(self.start + timedelta(days=rng.randint(0, span)), 9 * 60)
            cid = first_client + i
            parties.append(self._party(
                cid, name, nip, created,
                regon=regon_with_check(f"{rng.randint(10, 99)}{i % 10**6:06d}")
                if i % 4 else "",
                street=street, postal_code=postal_code, city=city,
                email=f"klient{cid}@example.com", phone=f"{rng.randint(500, 899)} "
                f"{rng.randint(100, 999)} {rng.randint(100, 999)}",
                reminder_consent=bool(i % 3)))
            locations.append({"id": first_location + i, "tenant_id": self.tenant_id,
                              "client_id": cid, "name": f"{name[:60]} – {city}",
                              "street": street, "postal_code": postal_code, "city": city,
                              "created_at": created, "updated_at": created})
        self.clients = (first_client, first_location)
        self._build("party", t0)
        self._insert(conn, "party", parties)
        self._insert(conn, "location", locations)

    def _technicians(self, conn) -> None:
        t0 = time.perf_counter()
        created = self._at(self.start, 10 * 60)
        tid, aid = self.ids["technician"], self.ids["authorisation"]
        techs, auths = [], []
        for i in range(self.n_technicians):
            name = TECHNICIAN_NAMES[i % len(TECHNICIAN_NAMES)]
            if i >= len(TECHNICIAN_NAMES):
                name = f"{name} {i // len(TECHNICIAN_NAMES) + 1}"
            techs.append({"id": tid + i, "tenant_id": self.tenant_id, "name": name,
                          "identifier": f"SRW-{i + 1:03d}", "seal_no": f"P-{1000 + i * 37}",
                          "user_id": self.users["technician"] if i == 0 else None,
                          "active": True, "created_at": created, "updated_at": created})
            for j, (producer_id, _) in enumerate(self.producers):
                # one expired and one expiring soon, the rest valid for a year or two
                days = -30 if (i, j) == (1, 2) else 20 if (i, j) == (2, 1) else \
                    365 + (i * 53 + j * 97) % 400
                auths.append({"id": aid + len(auths), "tenant_id": self.tenant_id,
                              "technician_id": tid + i, "producer_id": producer_id,
                              "device_kind": None,
                              "expires_on": self.today + timedelta(days=days)})
        self.technicians = [(t["id"], t["seal_no"]) for t in techs]
        self._build("technician", t0)
        self._insert(conn, "technician", techs)
        self._insert(conn, "authorisation", auths)

    # -- orders: a cheap plan first (devices need their last inspection), rows later --------

    def _plan_orders(self) -> dict:
        """Per order: device index, created_at, status, primary service key."""
        rng = self.rng
        t0 = time.perf_counter()
        span_minutes = (self.today - self.start).days * 24 * 60
        # Working hours only: spread over days, then shift into 06:00-15:00 UTC.
        offsets = sorted(rng.randrange(span_minutes) for _ in range(self.n_orders))
        created = []
        start = self._at(self.start, 0)
        for off in offsets:
            day, minute = divmod(off, 24 * 60)
            created.append(start + timedelta(days=day, minutes=6 * 60 + minute * 9 // 24))
        # 3% of devices are new (no orders yet); the others get orders.
        n_active = max(1, self.n_devices - self.n_devices * 3 // 100)
        device_of = [rng.randrange(n_active) for _ in range(self.n_orders)]
        kinds = rng.choices(("P", "repair", "F", "L", "W", "battery", "update", "training"),
                            weights=(45, 20, 5, 2, 2, 10, 8, 8), k=self.n_orders)
        recent = self.now - timedelta(days=14)
        statuses = []
        for at in created:
            r = rng.random()
            if at >= recent and r < 0.5:
                statuses.append("new" if r < 0.25 else "started")
            elif r < 0.85:
                statuses.append("settled")
            elif r < 0.96:
                statuses.append("closed")
            else:
                statuses.append("cancelled")
        last_p: dict[int, date] = {}
        for dev, kind, status, at in zip(device_of, kinds, statuses, created, strict=True):
            if kind == "P" and status in ("closed", "settled"):
                last_p[dev] = at.date()  # chronological, so the last one wins
        self._build("service_order", t0)
        return {"created": created, "device": device_of, "kind": kinds, "status": statuses,
                "last_p": last_p, "n_active": n_active}

    def _devices(self, conn, plan: dict) -> None:
        from app.devices.inspection import next_due

        rng = self.rng
        t0 = time.perf_counter()
        first = self.ids["device"]
        first_client, first_location = self.clients
        last_p = plan["last_p"]
        rows = []
        self.device_info = []  # (producer_id, client_id, location_id, factory, unique, interval)
        span = (self.today - self.start).days
        for i in range(self.n_devices):
            producer_id, producer = self.producers[
                0 if i % 20 < 9 else 1 if i % 20 < 16 else 2]
            client = rng.randrange(self.n_clients)
            kind = "register" if rng.random() < 0.8 else "printer"
            old = i % 20 == 7  # 5% older devices with 8-digit unique numbers
            models = producer.old_models if old else (
                producer.register_models if kind == "register" else producer.printer_models)
            fiscalized = self.start - timedelta(days=rng.randint(0, 3 * 365))
            if old:
                fiscalized -= timedelta(days=4 * 365)
            yy = fiscalized.year % 100
            scrambled = i * 7919 + 1234
            prefix = producer.unique_prefixes[i % len(producer.unique_prefixes)]
            unique = f"{prefix}{yy:02d}{scrambled % 10**6:06d}" if old else \
                f"{prefix}{yy:02d}{scrambled % 10**8:08d}"
            mask = producer.factory_masks[0]
            serial = i * 7927 + 4321  # another bijection, so factory numbers are unique too
            if mask.startswith("PO"):
                factory = f"PO{serial % 10**9:09d}"
            elif mask.startswith("@@@"):
                factory = f"{'BCDFGHJKLM'[i % 10]}{'NPRSTUWXYZ'[i // 10 % 10]}A" \
                          f"{serial % 10**8:08d}"
            else:
                factory = f"ZE{serial % 10**6:06d}"
            interval = 12 if i % 10 == 3 else 24
            status, liquidated = "fiscalized", None
            if i >= plan["n_active"]:
                status, fiscalized = "new", None
            elif i % 33 == 5:
                status = "liquidated"
                liquidated = self.start + timedelta(days=rng.randint(span // 2, span))
            last = last_p.get(i)
            due = next_due(status, fiscalized, last, interval)
            created = self._at(fiscalized or self.today - timedelta(days=5), 11 * 60)
            rows.append({
                "id": first + i, "tenant_id": self.tenant_id, "kind": kind,
                "model": models[i % len(models)], "producer_id": producer_id,
                "factory_no": factory, "unique_no": unique,
                "registration_no": f"{fiscalized.year}/{scrambled % 10**9:09d}"
                if fiscalized else "",
                "client_id": first_client + client, "location_id": first_location + client,
                "status": status, "fiscalized_on": fiscalized, "liquidated_on": liquidated,
                "memory_replaced_on": None, "inspection_interval_months": interval,
                "last_inspection_on": last, "next_inspection_due": due,
                "created_at": created, "updated_at": created,
            })
            self.device_info.append((producer_id, first_client + client,
                                     first_location + client, factory, unique, interval))
        self._build("device", t0)
        self._insert(conn, "device", rows)
        from app.devices import town
        from app.models import Device

        town.refresh(conn, Device.tenant_id == self.tenant_id)  # the INSERTs skip the flush

    def _orders(self, conn, plan: dict) -> None:
        from app.days import add_months

        rng = self.rng
        services = self.services
        extras = [services[k] for k in ("travel", "battery", "update", "travel")]
        tenant_id = self.tenant_id
        oid, iid = self.ids["service_order"], self.ids["order_item"]
        bid, xid = self.ids["order_book"], self.ids["transmission"]
        first_device = self.ids["device"]
        seq_per_year: dict[int, int] = defaultdict(int)
        invoice_per_year: dict[int, int] = defaultdict(int)
        transmit_from = self.now - timedelta(days=365)
        office, owner = self.users["office"], self.users["owner"]
        created_l, device_l = plan["created"], plan["device"]
        kind_l, status_l = plan["kind"], plan["status"]
        one = Decimal("1")
        for chunk_start in range(0, self.n_orders, CHUNK):
            t0 = time.perf_counter()
            orders, items, books, transmissions = [], [], [], []
            for n in range(chunk_start, min(chunk_start + CHUNK, self.n_orders)):
                created, dev, kind, status = created_l[n], device_l[n], kind_l[n], status_l[n]
                producer_id, client_id, location_id, factory, unique, interval = \
                    self.device_info[dev]
                tech_id, seal = self.technicians[n % len(self.technicians)]
                year = created.year
                seq_per_year[year] += 1
                seq = seq_per_year[year]
                started = finished = closed = settled = cancelled = None
                if status == "cancelled":
                    cancelled = created + timedelta(hours=rng.randint(1, 48))
                elif status != "new":
                    started = created + timedelta(minutes=rng.randint(10, 240))
                    if status != "started":
                        finished = started + timedelta(minutes=rng.randint(30, 200))
                        closed = finished + timedelta(minutes=rng.randint(5, 60))
                        if status == "settled":
                            settled = closed + timedelta(days=rng.randint(0, 14))
                            if settled > self.now:
                                settled, status = None, "closed"
                day = (started or created).date()
                order_id = oid + n
                lines = [] if status == "cancelled" else [(services[kind], one)]
                if lines:
                    for _ in range(rng.choice((0, 0, 1, 1, 2))):
                        extra = rng.choice(extras)
                        if all(extra[0] != line[0][0] for line in lines):
                            lines.append((extra, one))
                flagged = False
                total = Decimal("0.00")
                for (service_id, s), qty in lines:
                    flagged = flagged or s.service_book
                    total += s.price * qty
                    items.append({
                        "id": iid, "tenant_id": tenant_id, "order_id": order_id,
                        "service_id": service_id, "name": s.name,
                        "special_kind": s.special_kind, "service_book": s.service_book,
                        "quantity": qty, "price": s.price, "vat_rate": s.vat_rate,
                        "performed_on": day})
                    iid += 1
                doc, settled_on, settled_total = "", None, None
                if settled is not None:
                    invoice_per_year[settled.year] += 1
                    doc = f"FV/{invoice_per_year[settled.year]}/{settled.year}"
                    settled_on, settled_total = settled.date(), total
                stamps = [s for s in (created, started, finished, closed, settled, cancelled)
                          if s is not None]
                orders.append({
                    "id": order_id, "tenant_id": tenant_id,
                    "number": f"ZL/{year}/{seq:06d}", "year": year, "seq": seq,
                    "status": status, "client_id": client_id, "location_id": location_id,
                    "device_id": first_device + dev, "technician_id": tech_id,
                    "seal_no": seal, "description": "", "service_book": flagged,
                    "started_at": started, "finished_at": finished, "closed_at": closed,
                    "settled_at": settled, "cancelled_at": cancelled,
                    "settlement_doc_no": doc, "settlement_date": settled_on,
                    "settlement_total": settled_total,
                    "created_by_id": office if n % 5 else owner, "version": 1,
                    "created_at": created, "updated_at": stamps[-1]})
                if not flagged:
                    continue
                fault, work, part = FAULTS[n % len(FAULTS)]
                done = closed is not None
                books.append({
                    "id": bid, "tenant_id": tenant_id, "order_id": order_id,
                    "fault": fault if kind == "repair" else BOOK_FAULTS.get(kind, ""),
                    "work_done": (work if kind == "repair" else "Wykonano czynności "
                                  "serwisowe zgodnie z instrukcją producenta.") if done else "",
                    "result": "Urządzenie sprawne." if done else "",
                    "seals_removed": f"{seal}/{n % 10000:04d}" if done else "",
                    "seals_applied": f"{seal}/{(n + 1) % 10000:04d}" if done else "",
                    "program_version": f"{1 + n % 3}.{n % 10}{n % 7}",
                    "parts": part if kind == "repair" else "",
                    "old_memory_no": f"PF{n:010d}" if kind == "W" else "",
                    "new_memory_no": f"PF{n + 1:010d}" if kind == "W" else "",
                    "next_inspection_on": add_months(day, interval) if kind == "P" else None})
                bid += 1
                if done and closed >= transmit_from and n % 2 == 0:
                    events = [EVENT_KINDS[s.special_kind] for (_, s), _ in lines
                              if s.special_kind in EVENT_KINDS]
                    if any(s.service_book and s.special_kind not in EVENT_KINDS
                           for (_, s), _ in lines):
                        events.append("N")
                    for k, event in enumerate(events):
                        r = n % 20
                        tstatus = "pending" if r == 0 else "rejected" if r == 1 else "delivered"
                        sent = closed + timedelta(seconds=5)
                        transmissions.append({
                            "id": xid, "tenant_id": tenant_id, "order_id": order_id,
                            "producer_id": producer_id,
                            "event_id": f"B{order_id}-{k}-{event}", "kind": event,
                            "status": tstatus,
                            "payload": {"kind": event, "factory_no": factory,
                                        "unique_no": unique, "seal_no": seal,
                                        "date": day.isoformat(), "order": orders[-1]["number"]},
                            "attempts": 0 if tstatus == "pending" else 1,
                            "reply_tokens": "OK" if tstatus == "delivered" else
                            "Błąd: Nieznany prefix" if tstatus == "rejected" else "",
                            "reply_text": "", "meaning": "", "last_error": "",
                            "next_attempt_at": closed if tstatus == "pending" else None,
                            "sent_at": None if tstatus == "pending" else sent,
                            "delivered_at": sent if tstatus == "delivered" else None,
                            "created_at": closed, "updated_at": sent})
                        xid += 1
            self._build("service_order", t0)
            self._insert(conn, "service_order", orders)
            self._insert(conn, "order_item", items)
            self._insert(conn, "order_book", books)
            self._insert(conn, "transmission", transmissions)
            if self.verbose:
                print(f"  orders {chunk_start + len(orders):>9,}", file=sys.stderr)
        cid = self.ids["order_counter"]
        counters = [{"id": cid + i, "tenant_id": tenant_id, "year": year, "last_seq": seq}
                    for i, (year, seq) in enumerate(sorted(seq_per_year.items()))]
        self._insert(conn, "order_counter", counters)

    # -- verification ------------------------------------------------------------------------

    def _verify(self) -> None:
        with self.engine.connect() as conn:
            for name, expected in self.counts.items():
                table = self.tables[name]
                column = table.c.id if name == "tenant" else table.c.tenant_id
                found = conn.scalar(select(func.count()).select_from(table)
                                    .where(column == self.tenant_id))
                if found != expected:
                    raise RuntimeError(f"{name}: {found} rows written, {expected} expected")
            orders = self.tables["service_order"]
            counters = self.tables["order_counter"]
            per_year = dict(conn.execute(
                select(orders.c.year, func.max(orders.c.seq))
                .where(orders.c.tenant_id == self.tenant_id).group_by(orders.c.year)).all())
            kept = dict(conn.execute(
                select(counters.c.year, counters.c.last_seq)
                .where(counters.c.tenant_id == self.tenant_id)).all())
            if per_year != kept:
                raise RuntimeError(f"order counters {kept} do not match the orders {per_year}")


def _report(result: dict, url: str) -> str:
    lines = [f"database: {url.split('@')[-1]}", f"tenant id: {result['tenant_id']}",
             f"{'table':<18} {'rows':>10} {'seconds':>9}"]
    for name, secs in result["seconds"].items():
        rows = result["counts"].get(name, "")
        lines.append(f"{name:<18} {rows:>10,} {secs:>9.2f}" if rows != "" else
                     f"{name:<18} {'':>10} {secs:>9.2f}")
    total_rows = sum(result["counts"].values())
    lines.append(f"{'total':<18} {total_rows:>10,} {result['total_seconds']:>9.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--technicians", type=int, default=10)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--no-upgrade", action="store_true",
                        help="the schema exists already (flask db upgrade was run)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    result = generate(args.database_url, orders=args.orders, devices=args.devices,
                      clients=args.clients, technicians=args.technicians, years=args.years,
                      seed=args.seed, upgrade=not args.no_upgrade, verbose=args.verbose)
    print(_report(result, args.database_url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
