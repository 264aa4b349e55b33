"""Checking and importing a file's rows: clients with their installation sites, devices,
technicians. Every value goes through the rule the forms use (app/identifiers.py for NIP,
REGON and the numbers, app/devices/rules.check_values for a device with the producer's masks
and prefixes, app/days.py for dates, app/parties/rules.py for postal codes); the records the
rows refer to are read up front in a few queries, so thousands of rows cost no query each.

All or nothing: any error in any row and nothing is written; otherwise every row is written
in ONE transaction (the caller's session, one commit). A file of 30,000 rows is one INSERT
batch per table, well within one transaction on both databases, and a failure part-way (a
constraint, the worker dying) rolls back everything: nothing is half-imported, so there is no
resume to get right. Matching makes a second import of the same file change nothing: clients
by NIP, their sites by address, devices by unique number, technicians by seal number (or by
name when the seal number is new)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from sqlalchemy import ARRAY, String, bindparam, func, insert, select
from sqlalchemy.orm import selectinload

from app import audit, clock, tenancy
from app.days import parse_day
from app.devices import rules as device_rules
from app.devices import town
from app.devices.rules import DeviceInput
from app.extensions import db
from app.identifiers import (
    IdentifierError,
    normalize_nip,
    normalize_postal_code,
    normalize_regon,
)
from app.imports.columns import ImportKind, fields
from app.imports.files import Cell, Formula, header_and_rows
from app.models import Device, DeviceKind, DeviceStatus, Location, Party, Technician
from app.technicians.service import TAKEN as TECHNICIAN_TAKEN
from app.textfold import fold

PREVIEW_ROWS = 100
CHUNK = 5000  # values per IN (...) when reading the records the rows refer to: few scans
FORMULA = "Komórka zawiera formułę ({text}): formuły nie są importowane. Wpisz w niej wartość."
BAD_DATE = "„{text}” to nie jest poprawna data: podaj ją jak 31.12.2026."
DEVICE_KINDS = {"": None, "kasa": DeviceKind.REGISTER.value, "kasa fiskalna":
                DeviceKind.REGISTER.value, "drukarka": DeviceKind.PRINTER.value,
                "drukarka fiskalna": DeviceKind.PRINTER.value}


@dataclass(frozen=True)
class CellError:
    row: int  # as the spreadsheet numbers it (the header is row 1)
    field: str  # the import field; the screen names its column
    message: str


@dataclass(slots=True)
class Row:
    number: int
    values: dict[str, Cell]
    errors: dict[str, str] = field(default_factory=dict)

    def text(self, name: str) -> str:
        value = self.values.get(name, "")
        if isinstance(value, Formula):
            self.errors.setdefault(name, FORMULA.format(text=value.text[:40]))
            return ""
        if isinstance(value, date):
            return value.strftime("%d.%m.%Y")
        return " ".join(str(value or "").split())

    def day(self, name: str) -> date | None:
        value = self.values.get(name, "")
        if isinstance(value, date):
            return value
        text = self.text(name)
        if not text:
            return None
        day = parse_day(text)
        if day is None:
            self.errors.setdefault(name, BAD_DATE.format(text=text[:20]))
        return day

    def shown(self, name: str) -> str:
        """The cell as the preview shows it (a formula as written, a date the Polish way)."""
        value = self.values.get(name, "")
        if isinstance(value, date):
            return value.strftime("%d.%m.%Y")
        return str(value or "")

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, str(message))


@dataclass
class Outcome:
    """What checking (and, unless a dry run, importing) a file found."""

    kind: ImportKind
    rows: int = 0
    errors: list[CellError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    preview: list[Row] = field(default_factory=list)

    def count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def as_result(self, dry_run: bool, saved: bool, at_most: int = 500) -> dict:
        return {"kind": self.kind.value, "rows": self.rows, "dry_run": dry_run, "saved": saved,
                "counts": self.counts, "error_count": len(self.errors),
                "errors": [[e.row, e.field, e.message] for e in self.errors[:at_most]]}


Mapping = dict[str, int | None]


def read(path: Path, file_kind: str, kind: ImportKind, mapping: Mapping,
         limit: int | None = None) -> Iterator[Row]:
    """The file's data rows as fields (by the mapping: field -> column index)."""
    _, numbered = header_and_rows(path, file_kind)
    names = [f.name for f in fields(kind)]
    for count, (number, cells) in enumerate(numbered, start=1):
        if limit is not None and count > limit:
            return
        values = {}
        for name in names:
            index = mapping.get(name)
            values[name] = cells[index] if index is not None and index < len(cells) else ""
        yield Row(number, values)


def missing_fields(kind: ImportKind, mapping: Mapping) -> list[str]:
    """Labels of required fields no column is mapped to."""
    return [f.label for f in fields(kind) if f.required and mapping.get(f.name) is None]


def check(path: Path, file_kind: str, kind: ImportKind, mapping: Mapping,
          limit: int | None = None) -> Outcome:
    """Check the rows (the first `limit` of them for a preview) without writing anything."""
    outcome, _ = _process(kind, list(read(path, file_kind, kind, mapping, limit)),
                          keep_rows=limit is not None)
    return outcome


def run(path: Path, file_kind: str, kind: ImportKind, mapping: Mapping, dry_run: bool,
        source: str, progress: Callable[[int, int | None], None] | None = None,
        note: Callable[[str], None] | None = None) -> dict:
    """Check every row; unless `dry_run` or any row has an error, write them all and commit
    (one transaction). The result dict is the job's report."""
    rows = list(read(path, file_kind, kind, mapping))
    outcome, importer = _process(kind, rows, progress=progress, source=source)
    del rows  # the plan holds what is written; the file's rows are not needed any more
    if outcome.errors or dry_run or not outcome.rows:
        _forget_loaded()
        db.session.rollback()
        return outcome.as_result(dry_run, saved=False)
    if note:
        note("Zapisywanie…")
    importer.write()
    db.session.flush()
    _forget_loaded()
    db.session.commit()
    return outcome.as_result(dry_run, saved=True)


def _forget_loaded() -> None:
    """Detach the records read for matching once what changed is flushed: a commit or a
    rollback expires every object in the session, and expiring the 10,000 clients with their
    sites and 20,000 devices that a re-import reads took ~50 MB at once (its peak, 337 MB).
    Nothing reads them afterwards; the job's own row is not one of them and stays."""
    for record in [o for o in db.session.identity_map.values()
                   if isinstance(o, (Party, Location, Device, Technician))]:
        db.session.expunge(record)


def _process(kind: ImportKind, rows: list[Row], keep_rows: bool = False, progress=None,
             source: str = ""):
    outcome = Outcome(kind, rows=len(rows))
    for row in rows:
        row.errors.clear()
    importer = {ImportKind.CLIENTS: _Clients, ImportKind.DEVICES: _Devices,
                ImportKind.TECHNICIANS: _Technicians}[kind](outcome, source)
    importer.load(rows)
    for done, row in enumerate(rows, start=1):
        importer.row(row)
        for name, message in row.errors.items():
            outcome.errors.append(CellError(row.number, name, message))
        if progress and done % 200 == 0:
            progress(done, len(rows))
    if progress:
        progress(len(rows), len(rows))
    if keep_rows:
        outcome.preview = rows
    return outcome, importer


def _chunks(values: Iterable, size: int = CHUNK) -> Iterator[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _too_long(row: Row, name: str, value: str, column) -> None:
    """The column's own length (the model) is the limit the forms state too."""
    limit = column.type.length
    if limit and len(value) > limit:
        row.error(name, f"Najwyżej {limit} znaków.")


def _nip(row: Row, name: str, required: bool = True) -> str:
    text = row.text(name)
    if not text:
        if required:
            row.error(name, "Podaj NIP.")
        return ""
    try:
        return normalize_nip(text)
    except IdentifierError as exc:
        row.error(name, str(exc))
        return ""


def _site_key(street: str, postal_code: str, city: str) -> tuple[str, str, str]:
    return street.lower(), postal_code, city.lower()


def _site(row: Row, prefix: str = "site_") -> tuple[str, str, str] | None:
    """The installation site named in the row (street, postal code, city), None when the row
    names none; each part is required once any is given (as on the site's form)."""
    street, postal, city = (row.text(prefix + "street"), row.text(prefix + "postal_code"),
                            row.text(prefix + "city"))
    if not (street or postal or city):
        return None
    for name, value, message in ((prefix + "street", street, "Podaj ulicę i numer."),
                                 (prefix + "postal_code", postal, "Podaj kod pocztowy."),
                                 (prefix + "city", city, "Podaj miejscowość.")):
        if not value:
            row.error(name, message)
    postal = _postal_code(row, prefix + "postal_code", postal)
    _too_long(row, prefix + "street", street, Location.street)
    _too_long(row, prefix + "city", city, Location.city)
    return street, postal, city


def _postal_code(row: Row, name: str, typed: str) -> str:
    """00-000 however it was typed ("99100", "99 100"), the forms' rule; an error at the cell
    when it cannot be a postal code."""
    try:
        return normalize_postal_code(typed)
    except IdentifierError as exc:
        row.error(name, str(exc))
        return typed


def _parties_by_nip(nips: Iterable[str]) -> dict[str, Party]:
    found: dict[str, Party] = {}
    for chunk in _chunks(sorted(set(n for n in nips if n))):
        stmt = (select(Party).where(Party.nip.in_(chunk))
                .options(selectinload(Party.locations)))
        found.update((p.nip, p) for p in db.session.scalars(stmt))
    return found


def _nip_of(row: Row, name: str) -> str:
    try:
        return normalize_nip(row.text(name)) if row.text(name) else ""
    except IdentifierError:
        return ""


class _Clients:
    """Rows: a client, and optionally one of its installation sites."""

    def __init__(self, outcome: Outcome, source: str):
        self.outcome, self.source = outcome, source
        self.first_row: dict[str, tuple[int, str]] = {}  # nip -> (row, name)
        self.seen_sites: dict[tuple, int] = {}
        self.plan: dict[str, dict] = {}  # nip -> {"party", "values", "sites": [...]}

    def load(self, rows: list[Row]) -> None:
        self.existing = _parties_by_nip(_nip_of(r, "nip") for r in rows)

    def row(self, row: Row) -> None:
        nip = _nip(row, "nip")
        name = row.text("name")
        if not name:
            row.error("name", "Podaj nazwę klienta.")
        values = {"name": name, "street": row.text("street"),
                  "postal_code": row.text("postal_code"), "city": row.text("city"),
                  "phone": row.text("phone")}
        for key, column in (("name", Party.name), ("street", Party.street),
                            ("city", Party.city), ("phone", Party.phone)):
            _too_long(row, key, values[key], column)
        values["postal_code"] = _postal_code(row, "postal_code", values["postal_code"])
        regon = row.text("regon")
        try:
            values["regon"] = normalize_regon(regon)
        except IdentifierError as exc:
            row.error("regon", str(exc))
        site = _site(row)
        site_name = row.text("site_name")
        _too_long(row, "site_name", site_name, Location.name)
        if not nip:
            return
        party = self.existing.get(nip)
        if party is not None and not party.is_client:
            row.error("nip", f"Ten NIP ma producent {party.name}: klient nie może mieć tego "
                             f"samego NIP.")
        first = self.first_row.get(nip)
        key = (nip, _site_key(*site) if site else None)
        if key in self.seen_sites:
            row.error("nip", f"Powtórzony wiersz: ten sam klient i miejsce instalacji co w "
                             f"wierszu {self.seen_sites[key]}.")
            return
        self.seen_sites[key] = row.number
        if first is not None and name and first[1].lower() != name.lower():
            row.error("name", f"Ten NIP jest już w wierszu {first[0]} z inną nazwą "
                              f"({first[1]}).")
        if row.errors:
            return
        if first is None:
            self.first_row[nip] = (row.number, name)
            self.plan[nip] = {"party": party, "values": values, "sites": []}
            self._count_client(party, values)
        if site:
            self._plan_site(nip, party, site, site_name)

    def _count_client(self, party: Party | None, values: dict) -> None:
        if party is None:
            self.outcome.count("clients_added")
        elif _changes(party, values):
            self.outcome.count("clients_updated")
        else:
            self.outcome.count("clients_unchanged")

    def _plan_site(self, nip: str, party: Party | None, site: tuple, site_name: str) -> None:
        known = {_site_key(loc.street, loc.postal_code, loc.city)
                 for loc in (party.locations if party else [])}
        if _site_key(*site) in known:
            self.outcome.count("sites_unchanged")
        else:
            self.plan[nip]["sites"].append((site, site_name))
            self.outcome.count("sites_added")

    def write(self) -> None:
        """New clients and sites as multi-row INSERTs (ids returned in order), changed ones
        through the session: ten thousand session objects would double the worker's memory."""
        tenant_id = _tenant_id()
        new = [(nip, item) for nip, item in self.plan.items() if item["party"] is None]
        updated = []
        for item in self.plan.values():
            party = item["party"]
            if party is not None and _changes(party, item["values"]):
                _assign(party, item["values"], only_filled=True)
                updated.append(party)
        db.session.flush()
        added_ids = _insert(Party, [
            _party_columns(nip, item["values"], tenant_id) for nip, item in new])
        client_ids = dict(zip((nip for nip, _ in new), added_ids, strict=True))
        site_ids = _insert(Location, [
            {"tenant_id": tenant_id, "client_id": item["party"].id if item["party"] is not None
             else client_ids[nip], "street": street, "postal_code": postal, "city": city,
             "name": site_name}
            for nip, item in self.plan.items()
            for (street, postal, city), site_name in item["sites"]])
        detail = f"Import z pliku {self.source}"
        audit.record_many("client.created", Party, added_ids, detail)
        _audit("client.updated", Party, updated, self.source)
        audit.record_many("location.created", Location, site_ids, detail)


def _party_columns(nip: str, values: dict, tenant_id: int) -> dict:
    columns = {"name": "", "street": "", "postal_code": "", "city": "", "phone": "", "regon": ""}
    columns.update(values)
    # Every row the same keys (one INSERT), which bypasses Party's validator: name_key folded
    # as it folds it, or "leczyca" would not find an imported "Łęczyca".
    return columns | {"tenant_id": tenant_id, "nip": nip, "is_client": True,
                      "is_producer": False, "name_key": fold(columns["name"])}


def _one_of(stmt, column, values: list[str]):
    """`stmt` narrowed to the rows whose `column` is one of `values` (a chunk of the file's
    numbers). On PostgreSQL a join against unnest() of ONE array parameter, not
    `column IN (...)`: the device's numbers also have trigram GIN indexes (fragment search),
    which serve `=` too, and the planner costs 5,000 trigram probes far below what they are,
    so an IN list of a file's numbers took that index: 1.7-2.9 s and ~297,000 buffers per
    chunk of 5,000 (a "000" trigram is in nearly every number), against 10-45 ms for the join
    (EXPLAIN ANALYZE as the app role, BENCHMARKS.md "import"). A join is matched by the
    (tenant_id, number) unique index or a hash of the tenant's rows, never by the GIN
    index. SQLite has neither unnest nor trigram indexes: IN, the same rows."""
    if db.session.get_bind().dialect.name != "postgresql":
        return stmt.where(column.in_(values))
    wanted = func.unnest(bindparam("wanted", values, type_=ARRAY(String))).table_valued(
        "value").render_derived()
    return stmt.join(wanted, column == wanted.c.value)


def _tenant_id() -> int:
    tenant_id = tenancy.current_tenant_id()
    if tenant_id is None:
        raise tenancy.TenancyError("no tenant set for the import")
    return tenant_id


def _insert(model: type, rows: list[dict]) -> list[int]:
    """Multi-row INSERTs of `rows` (tenant_id set: a bulk INSERT skips the flush that stamps
    it), in chunks; the new ids in the rows' order."""
    ids: list[int] = []
    for chunk in _chunks(rows, 1000):
        ids += db.session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True), chunk).all()
    return ids


def _changes(record, values: dict) -> bool:
    """Whether a filled value differs from the record's (an empty cell keeps the record's)."""
    return any(value and getattr(record, key) != value for key, value in values.items())


def _assign(record, values: dict, only_filled: bool) -> None:
    for key, value in values.items():
        if value or not only_filled:
            setattr(record, key, value)


def _audit(action: str, model: type, records: list, source: str) -> None:
    audit.record_many(action, model, [r.id for r in records], f"Import z pliku {source}")


class _Devices:
    """Rows: a device of a client (by NIP), of one of the company's producers (by name or
    NIP), optionally at one of the client's installation sites (by address; a new address is
    a new site)."""

    def __init__(self, outcome: Outcome, source: str):
        self.outcome, self.source = outcome, source
        self.today = clock.today()
        self.unique_rows: dict[str, int] = {}
        self.factory_rows: dict[str, int] = {}
        self.new_sites: dict[tuple, Location] = {}
        self.plan: list[tuple[Device | None, DeviceInput, object]] = []

    def load(self, rows: list[Row]) -> None:
        producers = db.session.scalars(select(Party).where(Party.is_producer.is_(True))).all()
        self.producers: dict[str, Party] = {}
        for producer in producers:
            self.producers.setdefault(producer.name_key.strip(), producer)
            if producer.nip:
                self.producers.setdefault(producer.nip, producer)
        self.clients = _parties_by_nip(_nip_of(r, "client_nip") for r in rows)
        uniques = {"".join(r.text("unique_no").split()).upper() for r in rows}
        factories = {r.text("factory_no").upper() for r in rows}
        self.by_unique: dict[str, Device] = {}
        self.by_factory: dict[str, int] = {}
        for chunk in _chunks(sorted(uniques - {""})):
            self.by_unique.update((d.unique_no, d) for d in db.session.scalars(
                _one_of(select(Device), Device.unique_no, chunk)))
        for chunk in _chunks(sorted(factories - {""})):
            self.by_factory.update(db.session.execute(
                _one_of(select(Device.factory_no, Device.id), Device.factory_no, chunk)).all())

    def _producer(self, row: Row) -> Party | None:
        text = row.text("producer")
        if not text:
            row.error("producer", "Podaj producenta.")
            return None
        producer = self.producers.get(" ".join(text.lower().split()))
        if producer is None:
            try:
                producer = self.producers.get(normalize_nip(text))
            except IdentifierError:
                producer = None
        if producer is None:
            row.error("producer", f"Firma nie ma producenta „{text[:60]}”: dodaj go w "
                                  f"Kartoteki → Producenci albo popraw nazwę.")
        return producer

    def row(self, row: Row) -> None:
        nip = _nip(row, "client_nip")
        client = self.clients.get(nip) if nip else None
        if nip and (client is None or not client.is_client):
            row.error("client_nip", f"Nie ma klienta z NIP {nip}: zaimportuj najpierw "
                                    f"klientów albo dodaj go w Kartoteki → Klienci.")
        producer = self._producer(row)
        kind_text = row.text("kind").lower()
        if kind_text not in DEVICE_KINDS:
            row.error("kind", "Rodzaj to „kasa” albo „drukarka”.")
        interval_text = row.text("interval")
        interval = int(interval_text) if interval_text.isdigit() and len(interval_text) < 4 \
            else (0 if interval_text else None)
        data = DeviceInput(
            kind=DEVICE_KINDS.get(kind_text) or DeviceKind.REGISTER.value,
            model=row.text("model"), producer_id=producer.id if producer else None,
            factory_no=row.text("factory_no"), unique_no=row.text("unique_no"),
            registration_no=row.text("registration_no"),
            client_id=client.id if client else None,
            fiscalized_on=row.day("fiscalized_on"),
            last_inspection_on=row.day("last_inspection_on"),
            inspection_interval_months=interval if interval is not None else 24)
        data.status = (DeviceStatus.FISCALIZED.value if data.fiscalized_on
                       else DeviceStatus.NEW.value)
        site = _site(row)
        clean, problems = device_rules.check_values(data, producer, client, None, self.today)
        existing = self.by_unique.get(clean.unique_no) if "unique_no" not in problems else None
        if existing is not None:
            data = _over(existing, data, interval is not None, bool(row.text("kind")))
            clean, problems = device_rules.check_values(data, producer, client, None,
                                                        self.today)
        self._duplicates(row, clean, problems, existing)
        for name, problem in problems.items():
            row.error(_FIELD_OF.get(name, name), str(problem))
        if row.errors:
            return
        # A site named in the row (a Location, or the key of a new one), else the device's own
        # site id while it stays with its client: an id, so no device loads its site.
        if site:
            location = self._location(client, site)
        elif existing is not None and existing.client_id == client.id:
            location = existing.location_id
        else:
            location = None
        if not isinstance(location, tuple):
            clean = replace(clean, location_id=_location_id(location))
        if existing is None:
            self.outcome.count("devices_added")
        elif _device_changes(existing, clean, location):
            self.outcome.count("devices_updated")
        else:
            # Nothing to write: not planned, so a re-import of 20,000 unchanged devices does
            # not hold 20,000 checked copies of them as well (the peak memory of that run).
            self.outcome.count("devices_unchanged")
            return
        self.plan.append((existing, clean, location))

    def _duplicates(self, row: Row, clean: DeviceInput, problems: dict,
                    existing: Device | None) -> None:
        if "unique_no" not in problems and clean.unique_no:
            first = self.unique_rows.setdefault(clean.unique_no, row.number)
            if first != row.number:
                problems["unique_no"] = f"Powtórzony nr unikatowy: ten sam co w wierszu {first}."
        if "factory_no" not in problems and clean.factory_no:
            first = self.factory_rows.setdefault(clean.factory_no, row.number)
            holder = self.by_factory.get(clean.factory_no)
            if first != row.number:
                problems["factory_no"] = f"Powtórzony nr fabryczny: ten sam co w wierszu {first}."
            elif holder is not None and (existing is None or holder != existing.id):
                problems["factory_no"] = device_rules.taken("factory_no", clean.factory_no,
                                                            holder)

    def _location(self, client: Party, site: tuple):
        """The client's site at this address, or a new one (shared by the rows naming it)."""
        key = _site_key(*site)
        for location in client.locations:
            if _site_key(location.street, location.postal_code, location.city) == key:
                return location
        new_key = (client.id, key)
        if new_key not in self.new_sites:
            self.new_sites[new_key] = site
            self.outcome.count("sites_added")
        return new_key

    def write(self) -> None:
        added, updated = [], []
        sites: dict[tuple, Location] = {}
        for (client_id, _key), (street, postal, city) in self.new_sites.items():
            location = Location(client_id=client_id, street=street, postal_code=postal,
                                city=city)
            db.session.add(location)
            sites[(client_id, _key)] = location
        db.session.flush()
        tenant_id = _tenant_id()
        for existing, clean, location in self.plan:
            if isinstance(location, tuple):
                clean = replace(clean, location_id=sites[location].id)
            if existing is None:
                # A transient device, never added to the session: the rules fill it (the next
                # inspection included) and its columns go into one multi-row INSERT. Twenty
                # thousand session objects would double the worker's memory.
                device = Device()
                device_rules.apply(device, clean)
                added.append({key: value for key, value in vars(device).items()
                              if not key.startswith("_")} | {"tenant_id": tenant_id})
            else:  # only added and changed devices are planned
                device_rules.apply(existing, clean)
                updated.append(existing)
        db.session.flush()
        added_ids = _insert(Device, added)
        town.refresh_ids(db.session.connection(), added_ids)  # the INSERT skipped the flush
        _audit("location.created", Location, list(sites.values()), self.source)
        audit.record_many("device.created", Device, added_ids, f"Import z pliku {self.source}")
        _audit("device.updated", Device, updated, self.source)


# check_values names fields as the API does; the import's columns have their own names.
_FIELD_OF = {"producer_id": "producer", "client_id": "client_nip",
             "inspection_interval_months": "interval", "location_id": "site_street",
             "status": "fiscalized_on", "liquidated_on": "fiscalized_on"}
_DEVICE_FIELDS = ("kind", "model", "producer_id", "factory_no", "unique_no", "registration_no",
                  "client_id", "status", "fiscalized_on", "liquidated_on",
                  "inspection_interval_months", "last_inspection_on")


def _over(device: Device, data: DeviceInput, interval_given: bool,
          kind_given: bool) -> DeviceInput:
    """The device as it is, with what the row fills in: an empty cell keeps the stored value,
    and a liquidated device stays liquidated."""
    status = device.status
    fiscalized_on = data.fiscalized_on or device.fiscalized_on
    if status == DeviceStatus.NEW.value and fiscalized_on:
        status = DeviceStatus.FISCALIZED.value
    return replace(
        data, kind=data.kind if kind_given else device.kind,
        model=data.model or device.model,
        registration_no=data.registration_no or device.registration_no,
        status=status, fiscalized_on=fiscalized_on, liquidated_on=device.liquidated_on,
        last_inspection_on=data.last_inspection_on or device.last_inspection_on,
        inspection_interval_months=(data.inspection_interval_months if interval_given
                                    else device.inspection_interval_months))


def _location_id(location) -> int | None:
    return location.id if isinstance(location, Location) else location


def _device_changes(device: Device, clean: DeviceInput, location) -> bool:
    if isinstance(location, tuple):
        return True
    return any(getattr(device, name) != getattr(clean, name) for name in _DEVICE_FIELDS) or \
        device.location_id != _location_id(location)


class _Technicians:
    """Rows: a technician with the seal number the registry knows them by."""

    def __init__(self, outcome: Outcome, source: str):
        self.outcome, self.source = outcome, source
        self.rows_by: dict[str, dict[str, int]] = {"seal_no": {}, "identifier": {}}
        self.plan: list[tuple[Technician | None, dict]] = []

    def load(self, rows: list[Row]) -> None:
        technicians = db.session.scalars(select(Technician)).all()
        self.by_seal = {t.seal_no: t for t in technicians}
        self.by_identifier = {t.identifier: t for t in technicians}
        self.by_name: dict[str, list[Technician]] = {}
        for technician in technicians:
            self.by_name.setdefault(technician.name.lower(), []).append(technician)

    def row(self, row: Row) -> None:
        values = {"name": row.text("name"), "identifier": row.text("identifier"),
                  "seal_no": row.text("seal_no")}
        for key, message in (("name", "Podaj imię i nazwisko serwisanta."),
                             ("identifier", "Podaj identyfikator serwisanta."),
                             ("seal_no", "Podaj numer plomby.")):
            if not values[key]:
                row.error(key, message)
            _too_long(row, key, values[key], getattr(Technician, key))
        if row.errors:
            return
        existing = self.by_seal.get(values["seal_no"])
        if existing is None:
            namesakes = self.by_name.get(values["name"].lower(), [])
            existing = namesakes[0] if len(namesakes) == 1 else None
        for key in ("seal_no", "identifier"):
            first = self.rows_by[key].setdefault(values[key], row.number)
            holder = (self.by_seal if key == "seal_no" else self.by_identifier).get(values[key])
            if first != row.number:
                row.error(key, f"Powtórzona wartość: ta sama co w wierszu {first}.")
            elif holder is not None and holder is not existing:
                row.error(key, TECHNICIAN_TAKEN[key])
        if row.errors:
            return
        self.plan.append((existing, values))
        if existing is None:
            self.outcome.count("technicians_added")
        elif any(getattr(existing, k) != v for k, v in values.items()):
            self.outcome.count("technicians_updated")
        else:
            self.outcome.count("technicians_unchanged")

    def write(self) -> None:
        added, updated = [], []
        for existing, values in self.plan:
            if existing is None:
                technician = Technician(active=True, **values)
                db.session.add(technician)
                added.append(technician)
            elif any(getattr(existing, k) != v for k, v in values.items()):
                _assign(existing, values, only_filled=False)
                updated.append(existing)
        db.session.flush()
        _audit("technician.created", Technician, added, self.source)
        _audit("technician.updated", Technician, updated, self.source)
