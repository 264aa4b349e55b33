"""The demo tenant: a service company near Łódź with realistic, deterministic Polish data.

`seed_demo()` is what `flask --app wsgi seed-demo` runs. Everything comes from one
`random.Random(SEED)` and dates relative to `clock.today()`, so two runs on the same day give the
same data. Every identifier is valid under app/identifiers.py: checksum-valid NIPs and REGONs,
unique numbers with the producer's prefixes, factory numbers matching the producer's masks.

The producers (with their RZS logins and keys) and the technicians (with their seal numbers) are
module constants, `DEMO_PRODUCERS` and `DEMO_TECHNICIANS`, so the RZS emulator's configuration
can be generated from the same data.
"""

import os
import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import delete, func, select
from stdnum.pl import nip as _nip
from stdnum.pl import regon as _regon

from app import clock, secrets, tenancy
from app.accounts import create_tenant
from app.accounts.passwords import hash_password
from app.catalog.service import STARTER_SERVICES, StarterService
from app.days import add_months
from app.devices.inspection import next_due
from app.extensions import db
from app.identifiers import normalize_nip
from app.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Authorisation,
    CatalogueProducer,
    CatalogueRevision,
    Device,
    DeviceKind,
    DeviceStatus,
    Location,
    Order,
    OrderBook,
    OrderCounter,
    OrderItem,
    OrderStatus,
    Party,
    Role,
    Service,
    Technician,
    Tenant,
    User,
)
from app.parties import catalogue
from app.textfold import fold

SEED = 20_240_611
DEMO_RZS_BASE_URL = "http://127.0.0.1:5050"
# `make run --emulator-port N` (scripts/run_dev.py) starts the emulator elsewhere and says so here.
DEMO_RZS_URL_ENV = "PLOMBA_DEMO_RZS_URL"


def demo_rzs_base_url() -> str:
    return os.environ.get(DEMO_RZS_URL_ENV, DEMO_RZS_BASE_URL).rstrip("/")
OFFICE_EMAIL = "biuro@example.com"
TECHNICIAN_EMAIL = "serwisant@example.com"


@dataclass(frozen=True)
class DemoInfo:
    tenant_id: int
    name: str
    nip: str


@dataclass(frozen=True)
class DemoProducer:
    """A producer of the demo, with what its registry (the RZS emulator) must know."""

    code: str
    name: str
    nip: str
    street: str
    postal_code: str
    city: str
    unique_prefixes: tuple[str, ...]
    factory_masks: tuple[str, ...]
    api_login: str
    api_key: str
    online: bool
    register_models: tuple[str, ...]
    printer_models: tuple[str, ...]
    old_models: tuple[str, ...]

    @property
    def api_url(self) -> str:
        return f"{demo_rzs_base_url()}/{self.code}"


@dataclass(frozen=True)
class DemoTechnician:
    name: str
    identifier: str
    seal_no: str
    # (producer code, days from today to the authorisation's expiry; negative: expired)
    authorisations: tuple[tuple[str, int], ...]
    user_email: str | None = None


# The demo's services are the starter catalogue's kind of entry, keyed for its orders.
DemoService = StarterService


DEMO_TENANT = {
    "name": "Fiskal-Serwis Łódź Sp. z o.o.",
    "nip": "7251860910",
    "street": "ul. Piotrkowska 148",
    "postal_code": "90-063",
    "city": "Łódź",
    "email": "kontakt@example.com",
    "phone": "42 636 21 40",
}

# The NIPs are made up (checksum-valid), the addresses are the producers' real head offices.
DEMO_PRODUCERS: tuple[DemoProducer, ...] = (
    DemoProducer(
        code="posnet", name="Posnet Polska S.A.", nip="5275260184",
        street="ul. Municypalna 33", postal_code="02-281", city="Warszawa",
        unique_prefixes=("ZBF", "EBF"), factory_masks=("PO#########",),
        api_login="demo-posnet", api_key="posnet-demo-3f9c2a71e4b8", online=True,
        register_models=("Ergo Online", "Temo Online", "Neo XL Online", "Pospay Online"),
        printer_models=("Thermal XL2 Online", "Trio Online"),
        old_models=("Ergo", "Thermal HS FV EJ"),
    ),
    DemoProducer(
        code="novitus", name="Novitus S.A.", nip="7341590839",
        street="ul. Nawojowska 118", postal_code="33-300", city="Nowy Sącz",
        unique_prefixes=("BCD", "BDE"), factory_masks=("@@@########",),
        api_login="demo-novitus", api_key="novitus-demo-8d41b6c09a2e", online=True,
        register_models=("Bono Online", "Nano Online", "HD Online", "Deon Online"),
        printer_models=("HD II Online", "Point Online"),
        old_models=("Nano E", "Bono E"),
    ),
    DemoProducer(
        code="elzab", name="Elzab S.A.", nip="6480166139",
        street="ul. Kruczkowskiego 39", postal_code="41-813", city="Zabrze",
        unique_prefixes=("ACG", "ABA"), factory_masks=("ZE######",),
        api_login="demo-elzab", api_key="elzab-demo-5e07f3d2c816", online=False,
        register_models=("K10 Online", "Jota Online", "Mini Online"),
        printer_models=("D10 Online", "Zeta Online"),
        old_models=("Mini E", "Jota E"),
    ),
)

DEMO_TECHNICIANS: tuple[DemoTechnician, ...] = (
    DemoTechnician("Tomasz Lewandowski", "TLEWANDOWSKI", "P-2417",
                   (("posnet", 540), ("novitus", 610), ("elzab", 400)), TECHNICIAN_EMAIL),
    # Authorisation for Novitus expiring within 30 days: the dashboard shows it.
    DemoTechnician("Piotr Kaczmarek", "PKACZMAREK", "P-1385",
                   (("posnet", 300), ("novitus", 19))),
    DemoTechnician("Michał Zieliński", "MZIELINSKI", "P-3052",
                   (("novitus", 700), ("elzab", 250))),
    # Authorisation for Elzab expired 45 days ago.
    DemoTechnician("Krzysztof Wójcik", "KWOJCIK", "P-1990",
                   (("posnet", 450), ("elzab", -45))),
    DemoTechnician("Adam Nowak", "ANOWAK", "P-4176",
                   (("posnet", 380), ("novitus", 480), ("elzab", 520))),
    DemoTechnician("Łukasz Dąbrowski", "LDABROWSKI", "P-2864",
                   (("posnet", 200), ("novitus", 650))),
)

# The catalogue every new company starts with, and a few more the demo's orders use.
DEMO_SERVICES: tuple[DemoService, ...] = (
    *STARTER_SERVICES,
    DemoService("update", "Aktualizacja oprogramowania", Decimal("80.00"), None, False),
    DemoService("training", "Szkolenie obsługi", Decimal("100.00"), None, False),
)

DEMO_USERS = (
    # (e-mail or None for the owner's given one, name, role)
    (None, "Marek Jankowski", Role.OWNER),
    (OFFICE_EMAIL, "Agnieszka Mazur", Role.OFFICE),
    (TECHNICIAN_EMAIL, "Tomasz Lewandowski", Role.TECHNICIAN),
)

# (name, the short name used for its sites and e-mail)
CLIENT_NAMES = (
    ("Piekarnia Kowalczyk Sp. z o.o.", "Piekarnia Kowalczyk"),
    ("Apteka Pod Lipami s.c. Anna i Piotr Nowak", "Apteka Pod Lipami"),
    ("Sklep Spożywczy Jagódka Maria Wiśniewska", "Sklep Jagódka"),
    ("Kwiaciarnia Róża Barbara Lewandowska", "Kwiaciarnia Róża"),
    ("Stacja Paliw Dąbek Sp. j.", "Stacja Paliw Dąbek"),
    ("Restauracja Stary Młyn Sp. z o.o.", "Restauracja Stary Młyn"),
    ("Auto-Części Marek Szymański", "Auto-Części"),
    ("Zakład Fryzjerski Elegancja Joanna Kamińska", "Salon Elegancja"),
    ("Księgarnia Literka Sp. z o.o.", "Księgarnia Literka"),
    ("Bud-Mat Hurtownia Budowlana Sp. z o.o.", "Bud-Mat"),
    ("Cukiernia Słodki Zakątek Krzysztof Zając", "Cukiernia Słodki Zakątek"),
    ("Sklep Mięsny U Rzeźnika Tadeusz Król", "U Rzeźnika"),
    ("Salon Optyczny Okular s.c.", "Salon Okular"),
    ("Kawiarnia Ziarenko Sp. z o.o.", "Kawiarnia Ziarenko"),
    ("Pizzeria Bella Napoli Sp. z o.o.", "Bella Napoli"),
    ("Drogeria Natura Plus Ewa Wróbel", "Drogeria Natura Plus"),
    ("Salon Meblowy Dębowy Dwór Sp. j.", "Dębowy Dwór"),
    ("Sklep Zoologiczny Azor Michał Kozłowski", "Zoologiczny Azor"),
    ("Gabinet Weterynaryjny Zdrowy Pupil Sp. p.", "Zdrowy Pupil"),
    ("Warsztat Samochodowy Motor-Serwis Jan Mazur", "Motor-Serwis"),
    ("Delikatesy Pod Ratuszem Sp. z o.o.", "Delikatesy Pod Ratuszem"),
    ("Sklep Rowerowy Szprycha Paweł Krawczyk", "Rowery Szprycha"),
    ("Taxi Express Łódź Sp. z o.o.", "Taxi Express"),
    ("Bar Mleczny Smakosz Halina Piotrowska", "Bar Smakosz"),
    ("Pralnia Chemiczna Biel s.c.", "Pralnia Biel"),
    ("Sklep Odzieżowy Moda Katarzyna Grabowska", "Sklep Moda"),
    ("Hotel Pod Lasem Sp. z o.o.", "Hotel Pod Lasem"),
    ("Studio Fotograficzne Kadr Tomasz Pawłowski", "Studio Kadr"),
    ("Centrum Ogrodnicze Zielony Zakątek Sp. j.", "Zielony Zakątek"),
    ("Gabinet Stomatologiczny Dentalis Sp. p.", "Dentalis"),
    ("Sklep Wędkarski Karaś Zbigniew Michalski", "Wędkarski Karaś"),
    ("Piekarnia-Cukiernia Złoty Kłos Sp. z o.o.", "Złoty Kłos"),
    ("Salon Prasowy Kiosk24 Dorota Nowicka", "Kiosk24"),
    ("Sklep Elektryczny Iskra Sp. z o.o.", "Elektryczny Iskra"),
    ("Apteka Centrum Sp. z o.o.", "Apteka Centrum"),
    ("Sklep Monopolowy Winnica Robert Adamczyk", "Winnica"),
    ("Lodziarnia Bambino Agnieszka Dudek", "Lodziarnia Bambino"),
    ("Zakład Szewski Stanisław Jabłoński", "Szewc Jabłoński"),
    ("Sklep Papierniczy Ołówek s.c.", "Papierniczy Ołówek"),
    ("Bistro Pod Arkadami Sp. z o.o.", "Bistro Pod Arkadami"),
)

# (city, postal codes to choose from, NIP tax-office prefixes of the area)
CITIES = (
    ("Łódź", ("90-006", "90-113", "90-361", "91-065", "92-332", "93-172", "94-048"),
     ("725", "726", "727", "728", "729")),
    ("Zgierz", ("95-100",), ("732",)),
    ("Pabianice", ("95-200",), ("731",)),
    ("Piotrków Trybunalski", ("97-300",), ("771",)),
    ("Skierniewice", ("96-100",), ("836",)),
    ("Kutno", ("99-300",), ("775",)),
    ("Bełchatów", ("97-400",), ("769",)),
    ("Tomaszów Mazowiecki", ("97-200",), ("773",)),
    ("Sieradz", ("98-200",), ("827",)),
    ("Zduńska Wola", ("98-220",), ("829",)),
    ("Radomsko", ("97-500",), ("772",)),
    ("Aleksandrów Łódzki", ("95-070",), ("732",)),
    ("Łowicz", ("99-400",), ("834",)),
    ("Ozorków", ("95-035",), ("732",)),
)
STREETS = (
    "Piotrkowska", "Kościuszki", "Mickiewicza", "Słowackiego", "Sienkiewicza", "Narutowicza",
    "Żeromskiego", "Kilińskiego", "Pomorska", "Zielona", "Lipowa", "Polna", "Ogrodowa",
    "Długa", "Kolejowa", "Warszawska", "Łódzka", "3 Maja", "Wojska Polskiego", "Konopnickiej",
    "Reymonta", "Traugutta", "Jana Pawła II", "Legionów", "Plac Wolności", "Rzgowska",
)

REPAIRS = (
    ("Drukarka nie drukuje paragonów, papier nie jest podawany.",
     "Wymieniono mechanizm drukujący, sprawdzono czujnik papieru.", "Mechanizm drukujący"),
    ("Nie działa część klawiszy klawiatury.",
     "Wymieniono folię klawiatury, wyczyszczono styki.", "Klawiatura membranowa"),
    ("Brak połączenia z CRK, urządzenie zgłasza błąd komunikacji.",
     "Wymieniono moduł komunikacyjny, skonfigurowano połączenie, wysłano zaległe dokumenty "
     "do CRK.", "Moduł komunikacyjny"),
    ("Wyświetlacz klienta nie pokazuje kwot.",
     "Wymieniono wyświetlacz klienta i taśmę połączeniową.", "Wyświetlacz klienta"),
    ("Urządzenie nie włącza się.",
     "Wymieniono zasilacz i bezpiecznik, sprawdzono płytę główną.", "Zasilacz"),
    ("Błąd nośnika kopii elektronicznej.",
     "Wymieniono nośnik kopii elektronicznej, zweryfikowano zapis dokumentów.",
     "Karta pamięci kopii elektronicznej"),
    ("Nieprawidłowa data i godzina na paragonach.",
     "Wymieniono baterię podtrzymania zegara, ustawiono zegar w trybie serwisowym.",
     "Bateria zegara RTC"),
)
CANCEL_REASONS = (
    "Klient zrezygnował z naprawy.",
    "Usterka ustąpiła, klient odwołał wizytę.",
    "Zlecenie wprowadzone podwójnie.",
    "Klient oddał urządzenie do innego serwisu.",
)


# ----------------------------------------------------------------------------------------------
# Identifier helpers (also used by bench/generate.py)


def nip_with_check(first9: str) -> str | None:
    """The NIP with its check digit (stdnum's checksum), or None when none exists (10)."""
    check = _nip.checksum(first9 + "0")
    return None if check == 10 else first9 + str(check)


def random_nip(rng: random.Random, office: str = "725") -> str:
    while True:
        nip = nip_with_check(office + "".join(str(rng.randint(0, 9)) for _ in range(6)))
        if nip is not None:
            return normalize_nip(nip)


def regon_with_check(first8: str) -> str:
    return first8 + _regon.calc_check_digit(first8)


_TRANSLIT = str.maketrans("ąćęłńóśźż", "acelnoszz")


def slug(text: str) -> str:
    text = unicodedata.normalize("NFC", text.lower()).translate(_TRANSLIT)
    return re.sub(r"[^a-z0-9]+", ".", text).strip(".")


# ----------------------------------------------------------------------------------------------
# The plan: plain Python objects first, rows afterwards


@dataclass
class _Device:
    producer: DemoProducer
    kind: str
    model: str
    client: int
    location: int
    status: str = DeviceStatus.FISCALIZED.value
    old: bool = False
    interval: int = 24
    fiscalized_on: date | None = None
    liquidated_on: date | None = None
    memory_replaced_on: date | None = None
    last_inspection_on: date | None = None
    next_inspection_due: date | None = None
    factory_no: str = ""
    unique_no: str = ""
    registration_no: str = ""
    last_seal: str = ""
    role: str = "normal"
    p_days: list[date] = field(default_factory=list)  # the inspections (P orders) done
    id: int | None = None


@dataclass
class _Order:
    device: _Device
    kind: str  # P F L W repair battery update training cancelled
    day: date  # the service day (items' performed_on)
    status: str = OrderStatus.SETTLED.value
    items: list[tuple[DemoService, Decimal]] = field(default_factory=list)
    technician: int = 0
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    closed_at: datetime | None = None
    settled_at: datetime | None = None
    cancelled_at: datetime | None = None


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


class _Planner:
    def __init__(self, today: date):
        self.rng = random.Random(SEED)
        self.today = today
        self.window_start = add_months(today, -24)
        self.services = {s.key: s for s in DEMO_SERVICES}
        self.used_nips: set[str] = {p.nip for p in DEMO_PRODUCERS} | {DEMO_TENANT["nip"]}
        self.used_numbers: set[str] = set()

    def days_ago(self, lo: int, hi: int) -> date:
        return self.today - timedelta(days=self.rng.randint(lo, hi))

    def nip(self, office: str) -> str:
        while True:
            nip = random_nip(self.rng, office)
            if nip not in self.used_nips:
                self.used_nips.add(nip)
                return nip

    def unique_number(self, make) -> str:
        while True:
            value = make()
            if value not in self.used_numbers:
                self.used_numbers.add(value)
                return value

    def address(self, city_index: int | None = None) -> tuple[str, str, str, tuple[str, ...]]:
        rng = self.rng
        if city_index is None:
            # Most clients are in Łódź itself, the rest in the region.
            city_index = 0 if rng.random() < 0.45 else rng.randrange(1, len(CITIES))
        city, codes, offices = CITIES[city_index]
        number = str(rng.randint(1, 180))
        if rng.random() < 0.3:
            number += f"/{rng.randint(1, 40)}"
        return f"ul. {rng.choice(STREETS)} {number}", rng.choice(codes), city, offices

    def phone(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return f"42 6{rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
        return f"{rng.choice('5678')}{rng.randint(0, 99):02d} {rng.randint(100, 999)} " \
               f"{rng.randint(100, 999)}"

    # -- clients --------------------------------------------------------------------------

    def clients(self) -> list[dict]:
        rng = self.rng
        out = []
        for name, short in CLIENT_NAMES:
            street, postal_code, city, offices = self.address()
            client = {
                "name": name, "name_key": fold(name), "nip": self.nip(rng.choice(offices)),
                "regon": "" if rng.random() < 0.2
                else regon_with_check(f"{rng.choice(('10', '47', '73'))}"
                                      f"{rng.randint(0, 999999):06d}"),
                "street": street, "postal_code": postal_code, "city": city,
                "email": f"{slug(short)}@example.com", "phone": self.phone(),
                "reminder_consent": rng.random() < 0.6,
            }
            count = rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
            locations = [{"name": f"{short} – {city}", "street": street,
                          "postal_code": postal_code, "city": city}]
            for n in range(2, count + 1):
                l_street, l_code, l_city, _ = self.address()
                locations.append({"name": f"{short} – punkt nr {n}", "street": l_street,
                                  "postal_code": l_code, "city": l_city})
            client["locations"] = locations
            out.append(client)
        return out

    # -- devices --------------------------------------------------------------------------

    def devices(self, clients: list[dict]) -> list[_Device]:
        rng = self.rng
        devices = []
        for i in range(120):
            client = i if i < len(clients) else rng.randrange(len(clients))
            producer = rng.choices(DEMO_PRODUCERS, weights=(45, 35, 20))[0]
            kind = DeviceKind.REGISTER.value if rng.random() < 0.8 else DeviceKind.PRINTER.value
            models = producer.register_models if kind == "register" else producer.printer_models
            devices.append(_Device(
                producer=producer, kind=kind, model=rng.choice(models), client=client,
                location=rng.randrange(len(clients[client]["locations"])),
            ))
        order = list(range(len(devices)))
        rng.shuffle(order)
        roles = (["new"] * 6 + ["liquidated"] * 6 + ["overdue"] * 9 + ["due_soon"] * 12
                 + ["fresh"] * 20 + ["old"] * 8)
        roles += ["normal"] * (len(devices) - len(roles))
        for index, role in zip(order, roles, strict=True):
            self._device_history(devices[index], role)
        for dev in devices:
            self._device_numbers(dev)
        return devices

    def _device_history(self, dev: _Device, role: str) -> None:
        rng, today = self.rng, self.today
        dev.role = role
        if role == "new":
            dev.status = DeviceStatus.NEW.value
            return
        if role == "fresh":
            dev.interval = 12 if rng.random() < 0.15 else 24
            span = (today - add_months(today, -dev.interval)).days
            # Not inspected yet: the first inspection is due an interval after fiscalization.
            dev.fiscalized_on = self.days_ago(20, span - 40)
            dev.next_inspection_due = next_due(dev.status, dev.fiscalized_on, None,
                                               dev.interval)
            return
        if role in ("old", "liquidated"):
            dev.old = role == "old" or rng.random() < 0.5
        if dev.old:
            dev.fiscalized_on = self.days_ago(7 * 365, 10 * 365)
            dev.model = rng.choice(dev.producer.old_models)
        else:
            dev.fiscalized_on = self.days_ago(760, 2300)
        if role == "liquidated":
            dev.status = DeviceStatus.LIQUIDATED.value
            dev.liquidated_on = self.days_ago(30, 420)
            last = dev.liquidated_on - timedelta(days=rng.randint(20, 280))
        elif role == "overdue":
            dev.interval = 12
            last = add_months(today - timedelta(days=rng.randint(3, 80)), -12)
        elif role == "due_soon":
            dev.interval = 12 if rng.random() < 0.4 else 24
            last = add_months(today + timedelta(days=rng.randint(1, 29)), -dev.interval)
        else:
            dev.interval = 12 if rng.random() < 0.15 else 24
            span = (today - add_months(today, -dev.interval)).days
            last = self.days_ago(10, span - 40)
        dev.last_inspection_on = last
        dev.next_inspection_due = next_due(dev.status, dev.fiscalized_on, last, dev.interval)
        day = last
        while day >= self.window_start:
            dev.p_days.append(day)
            day = add_months(day, -dev.interval) + timedelta(days=rng.randint(0, 20))

    def _device_numbers(self, dev: _Device) -> None:
        rng, producer = self.rng, dev.producer
        year = (dev.fiscalized_on or self.today).year
        digits = 6 if dev.old else 8
        dev.unique_no = self.unique_number(
            lambda: f"{rng.choice(producer.unique_prefixes)}{year % 100:02d}"
                    f"{rng.randrange(10**digits):0{digits}d}")
        mask = rng.choice(producer.factory_masks)
        dev.factory_no = self.unique_number(lambda: "".join(
            str(rng.randint(0, 9)) if c == "#" else rng.choice("ABCDEFGHJKLMNPRSTUWXYZ")
            if c == "@" else c for c in mask))
        if dev.fiscalized_on is not None:
            dev.registration_no = self.unique_number(
                lambda: f"{dev.fiscalized_on.year}/{rng.randint(1, 999_999_999):09d}")

    # -- orders ---------------------------------------------------------------------------

    def orders(self, devices: list[_Device], total: int = 400) -> list[_Order]:
        rng, today = self.rng, self.today
        orders: list[_Order] = []
        for dev in devices:
            orders += [_Order(dev, "P", day) for day in dev.p_days]
            if dev.role == "fresh":
                orders.append(_Order(dev, "F", dev.fiscalized_on))
            if dev.liquidated_on:
                orders.append(_Order(dev, "L", dev.liquidated_on))
        active = [d for d in devices if d.status != DeviceStatus.NEW.value]
        for dev in rng.sample([d for d in active if d.role in ("normal", "old")], 5):
            lo, hi = self._active_range(dev)
            day = lo + timedelta(days=rng.randint(0, (hi - lo).days))
            dev.memory_replaced_on = day
            orders.append(_Order(dev, "W", day))
        # Open orders: fiscalizations of the new devices, inspections of late ones, repairs.
        open_orders = [_Order(d, "F", today) for d in devices if d.role == "new"]
        late = [d for d in devices if d.role in ("overdue", "due_soon")]
        open_orders += [_Order(d, "P", today) for d in rng.sample(late, 4)]
        open_orders += [_Order(d, "repair", today) for d in rng.sample(
            [d for d in active if d.status == DeviceStatus.FISCALIZED.value], 5)]
        for i, order in enumerate(open_orders):
            order.day = self.days_ago(1, 12)
            order.status = OrderStatus.STARTED.value if i % 2 else OrderStatus.NEW.value
        cancelled = []
        for _ in range(6):
            dev = rng.choice(active)
            lo, hi = self._active_range(dev)
            cancelled.append(_Order(dev, "cancelled", lo + timedelta(
                days=rng.randint(0, (hi - lo).days)), status=OrderStatus.CANCELLED.value))
        fill = total - len(orders) - len(open_orders) - len(cancelled)
        if fill < 0:
            raise RuntimeError("demo plan has more special orders than the total")
        for _ in range(fill):
            dev = rng.choice(active)
            lo, hi = self._active_range(dev)
            kind = rng.choices(("repair", "battery", "update", "training"), (45, 20, 20, 15))[0]
            orders.append(_Order(dev, kind, lo + timedelta(days=rng.randint(0, (hi - lo).days))))
        for order in orders:
            order.status = self._closed_status(order.day)
        orders += open_orders + cancelled
        for order in orders:
            order.items = self._items(order)
            self._times(order)
        orders.sort(key=lambda o: o.created_at)
        return orders

    def _active_range(self, dev: _Device) -> tuple[date, date]:
        lo = max(self.window_start, dev.fiscalized_on + timedelta(days=1))
        hi = (dev.liquidated_on - timedelta(days=1)) if dev.liquidated_on else (
            self.today - timedelta(days=1))
        return lo, max(lo, hi)

    def _closed_status(self, day: date) -> str:
        recent = (self.today - day).days <= 14
        closed = self.rng.random() < (0.7 if recent else 0.08)
        return OrderStatus.CLOSED.value if closed else OrderStatus.SETTLED.value

    def _items(self, order: _Order) -> list[tuple[DemoService, Decimal]]:
        rng, s = self.rng, self.services
        one = Decimal("1")
        if order.kind == "cancelled":
            return []
        if order.kind == "training":
            items = [(s["training"], Decimal(rng.randint(1, 3)))]
        else:
            items = [(s[order.kind], one)]
        extras = {"P": (("travel", 0.4), ("repair", 0.08)),
                  "F": (("training", 0.5), ("travel", 0.3)),
                  "L": (("travel", 0.3),), "W": (("travel", 0.5),),
                  "repair": (("travel", 0.5), ("battery", 0.15)),
                  "battery": (("travel", 0.25),), "update": (("travel", 0.2),),
                  "training": (("travel", 0.4),)}[order.kind]
        for key, chance in extras:
            if rng.random() < chance:
                items.append((s[key], one))
        return items

    def _times(self, order: _Order) -> None:
        rng = self.rng
        status = order.status
        if status in OPEN_STATUSES:
            order.created_at = _at(order.day, rng.randint(6, 14), rng.randint(0, 59))
            if status == OrderStatus.STARTED.value:
                # Open orders are from yesterday or earlier, so this is in the past.
                order.started_at = order.created_at + timedelta(minutes=rng.randint(20, 240))
            return
        created_day = order.day - timedelta(days=rng.randint(0, 6))
        if status == OrderStatus.CANCELLED.value:
            order.created_at = _at(created_day, rng.randint(6, 14), rng.randint(0, 59))
            order.cancelled_at = order.created_at + timedelta(hours=rng.randint(1, 72))
            return
        order.started_at = _at(order.day, rng.randint(6, 13), rng.randint(0, 59))
        order.created_at = min(_at(created_day, rng.randint(6, 14), rng.randint(0, 59)),
                               order.started_at - timedelta(minutes=rng.randint(10, 120)))
        order.finished_at = order.started_at + timedelta(minutes=rng.randint(25, 200))
        order.closed_at = order.finished_at + timedelta(minutes=rng.randint(2, 90))
        if status == OrderStatus.SETTLED.value:
            settled = order.closed_at + timedelta(days=rng.randint(0, 12),
                                                  hours=rng.randint(0, 5))
            if settled.date() < self.today:  # not time-of-day dependent
                order.settled_at = settled
            else:
                order.status = OrderStatus.CLOSED.value


# ----------------------------------------------------------------------------------------------
# Book texts


def _book(order: _Order, seal_no: str, counters: dict[str, int], rng: random.Random,
          next_due: date | None) -> dict:
    kinds = {service.key for service, _ in order.items}
    dev = order.device
    done = order.status in DONE_STATUSES
    book: dict = {"next_inspection_on": next_due,
                  "program_version": f"{rng.randint(1, 3)}.{rng.randint(0, 9)}"
                                     f"{rng.randint(0, 9)}"}
    faults, work, results, parts = [], [], [], []
    if "F" in kinds:
        faults.append("Fiskalizacja nowego urządzenia u podatnika.")
        work.append("Zainstalowano urządzenie w miejscu instalacji, zaprogramowano nagłówek, "
                    "stawki VAT i NIP podatnika, przeprowadzono fiskalizację i rejestrację "
                    "w CRK.")
        results.append("Urządzenie zafiskalizowane, raport fiskalny przekazany podatnikowi.")
    if "P" in kinds:
        faults.append("Przegląd techniczny okresowy (ustawowy).")
        work.append("Sprawdzono plombę i obudowę, działanie klawiatury, wyświetlaczy "
                    "i mechanizmu drukującego, zegar, stawki VAT i komunikację z CRK; "
                    "wydrukowano raport dobowy.")
        results.append("Urządzenie sprawne technicznie.")
    if "W" in kinds:
        faults.append("Zapełnienie pamięci fiskalnej.")
        work.append("Odczytano pamięć fiskalną, wymieniono moduł pamięci fiskalnej, "
                    "przeprowadzono ponowną fiskalizację.")
        results.append("Urządzenie sprawne, nowa pamięć fiskalna zainicjowana.")
        parts.append("Moduł pamięci fiskalnej")
        book["old_memory_no"] = f"PF{rng.randint(10**9, 10**10 - 1)}"
        book["new_memory_no"] = f"PF{rng.randint(10**9, 10**10 - 1)}"
    if "L" in kinds:
        faults.append("Likwidacja urządzenia na wniosek podatnika.")
        work.append("Wykonano raport rozliczeniowy i odczyt pamięci fiskalnej, sporządzono "
                    "protokół odczytu, zabezpieczono kopię elektroniczną.")
        results.append("Pamięć fiskalna odczytana, urządzenie wycofane z eksploatacji.")
    if "repair" in kinds:
        fault, fix, part = rng.choice(REPAIRS)
        faults.append(fault)
        work.append(fix)
        results.append("Urządzenie sprawne po naprawie.")
        parts.append(part)
    if next_due and ("P" in kinds or "F" in kinds):
        results.append(f"Kolejny przegląd do {next_due:%d.%m.%Y}.")
    book["fault"] = " ".join(faults)
    if not done:
        return book
    book["work_done"] = " ".join(work)
    book["result"] = " ".join(results)
    book["parts"] = ", ".join(parts)
    if "L" not in kinds:
        counters[seal_no] = counters.get(seal_no, 0) + 1
        book["seals_applied"] = f"{seal_no}/{counters[seal_no]:04d}"
    book["seals_removed"] = dev.last_seal
    dev.last_seal = book.get("seals_applied", "")
    return book


# ----------------------------------------------------------------------------------------------


def _emulator_path(spec: DemoProducer) -> re.Pattern:
    return re.compile(rf"^http://(127\.0\.0\.1|localhost)(:\d+)?/{spec.code}$")


def seed_catalogue() -> dict[str, CatalogueProducer]:
    """The demo producers in the platform catalogue (added once, by no operator), their
    registry on the emulator of this run; by demo code. Commits."""
    out: dict[str, CatalogueProducer] = {}
    for spec in DEMO_PRODUCERS:
        entry = db.session.scalar(select(CatalogueProducer).where(
            CatalogueProducer.nip == normalize_nip(spec.nip)))
        if entry is None:
            entry = catalogue.create_entry(catalogue.CatalogueEntry(
                name=spec.name, nip=spec.nip, street=spec.street,
                postal_code=spec.postal_code, city=spec.city,
                factory_masks=list(spec.factory_masks),
                unique_prefixes=list(spec.unique_prefixes), api_url=spec.api_url,
                online=spec.online), catalogue.Operator(None, ""))
        out[spec.code] = entry
    _point_catalogue_at_emulator()
    db.session.commit()
    return out


def _point_catalogue_at_emulator() -> None:
    """The demo entries of the catalogue (and their revisions, which companies' copies are
    compared with) follow the emulator's address of this run: a development address, not a
    change of the entry, so no new version."""
    for spec in DEMO_PRODUCERS:
        pattern = _emulator_path(spec)
        for entry in db.session.scalars(select(CatalogueProducer).where(
                CatalogueProducer.api_url.like(f"%/{spec.code}"))):
            if pattern.match(entry.api_url) and entry.api_url != spec.api_url:
                entry.api_url = spec.api_url
            for revision in db.session.scalars(select(CatalogueRevision).where(
                    CatalogueRevision.entry_id == entry.id)):
                url = revision.snapshot.get("api_url") or ""
                if pattern.match(url) and url != spec.api_url:
                    revision.snapshot = {**revision.snapshot, "api_url": spec.api_url}


def point_demo_producers_at_emulator() -> int:
    """Existing demo data follows the emulator's address of this run: every producer, in any
    tenant, and every catalogue entry whose registry is a demo producer's path on loopback
    gets the current base URL. Returns how many producers changed; the caller commits."""
    _point_catalogue_at_emulator()
    entries = {e.nip: e.id for e in db.session.scalars(select(CatalogueProducer))}
    changed = 0
    with tenancy.all_tenants():
        for spec in DEMO_PRODUCERS:
            pattern = _emulator_path(spec)
            for producer in db.session.scalars(select(Party).where(
                    Party.is_producer.is_(True), Party.api_url.like(f"%/{spec.code}"))):
                if not pattern.match(producer.api_url or ""):
                    continue
                if producer.api_url != spec.api_url:
                    producer.api_url = spec.api_url
                    changed += 1
                if producer.catalogue_producer_id is None and producer.nip in entries:
                    # Demo data seeded before the catalogue: linked, never taken over, so
                    # its page shows whatever differs from the entry (app/parties/catalogue).
                    producer.catalogue_producer_id = entries[producer.nip]
        # Written while every tenant's rows are in reach: under row-level security an UPDATE
        # flushed after this block would see none of them.
        db.session.flush()
    return changed


def seed_demo(email: str = "demo@example.com", password: str = "demo-plomba-2026") -> DemoInfo:
    """Create the demo tenant and its data in one go; returns what the CLI prints.
    Raises ValueError (in Polish) when an e-mail is taken, having written nothing."""
    email = email.strip().lower()
    emails = [email, OFFICE_EMAIL, TECHNICIAN_EMAIL]
    if len(set(emails)) != len(emails):
        raise ValueError(f"Adres {email} jest zarezerwowany dla użytkowników demonstracyjnych.")
    with tenancy.all_tenants():
        taken = db.session.scalars(
            select(User.email).where(func.lower(User.email).in_(emails))
        ).all()
        taken_nips = set(db.session.scalars(select(Tenant.nip)).all())
    if taken:
        taken_lower = {t.lower() for t in taken}
        names = [e for e in emails if e in taken_lower]
        exists = (f"Użytkownik {names[0]} już istnieje" if len(names) == 1
                  else f"Użytkownicy {', '.join(names)} już istnieją")
        raise ValueError(f"{exists}: firma demonstracyjna nie została utworzona.")
    tenant_nip = DEMO_TENANT["nip"]
    fallback = random.Random(SEED + 1)
    while tenant_nip in taken_nips:  # a second demo tenant under other e-mails
        tenant_nip = random_nip(fallback, "725")

    # The demo adds the starter catalogue itself (DEMO_SERVICES), keyed for its orders.
    entries = seed_catalogue()
    tenant_id = create_tenant(DEMO_TENANT["name"], tenant_nip, email, password,
                              starter_catalogue=False)
    try:
        with tenancy.use_tenant(tenant_id):
            _populate(tenant_id, email, password, entries)
            db.session.commit()
    except BaseException:
        db.session.rollback()
        with tenancy.all_tenants():
            db.session.execute(delete(User).where(User.tenant_id == tenant_id))
            db.session.execute(delete(Tenant).where(Tenant.id == tenant_id))
            db.session.commit()
        raise
    return DemoInfo(tenant_id=tenant_id, name=DEMO_TENANT["name"], nip=tenant_nip)


def _populate(tenant_id: int, email: str, password: str,
              entries: dict[str, CatalogueProducer]) -> None:
    today = clock.today()
    plan = _Planner(today)
    rng = plan.rng
    session = db.session

    tenant = session.get(Tenant, tenant_id)
    for key in ("street", "postal_code", "city", "email", "phone"):
        setattr(tenant, key, DEMO_TENANT[key])
    users: dict[str, User] = {}
    for user_email, name, role in DEMO_USERS:
        if role == Role.OWNER:
            user = session.scalar(select(User).where(User.email == email))
            user.name = name
        else:
            user = User(email=user_email, name=name, role=role.value,
                        password_hash=hash_password(password))
            session.add(user)
        users[role.value] = user

    producers: dict[str, Party] = {}
    for p in DEMO_PRODUCERS:
        # From the platform catalogue, as a company adds them; the login and key its own.
        producer = catalogue.producer_from(entries[p.code])
        producer.api_login, producer.api_key_encrypted = p.api_login, secrets.encrypt(p.api_key)
        producers[p.code] = producer
    session.add_all(producers.values())

    client_plan = plan.clients()
    clients = [Party(**{k: v for k, v in c.items() if k != "locations"}, is_client=True)
               for c in client_plan]
    session.add_all(clients)
    services = {s.key: Service(name=s.name, price=s.price, vat_rate=s.vat_rate,
                               special_kind=s.special_kind, service_book=s.service_book)
                for s in DEMO_SERVICES}
    session.add_all(services.values())
    session.flush()

    locations = [[Location(client_id=client.id, **loc) for loc in c["locations"]]
                 for client, c in zip(clients, client_plan, strict=True)]
    session.add_all([loc for locs in locations for loc in locs])

    technicians = []
    for t in DEMO_TECHNICIANS:
        tech = Technician(name=t.name, identifier=t.identifier, seal_no=t.seal_no,
                          user=users["technician"] if t.user_email else None)
        tech.authorisations = [
            Authorisation(producer_id=producers[code].id,
                          expires_on=today + timedelta(days=days))
            for code, days in t.authorisations
        ]
        technicians.append(tech)
    session.add_all(technicians)
    session.flush()

    device_plan = plan.devices(client_plan)
    devices = []
    for d in device_plan:
        device = Device(
            kind=d.kind, model=d.model, producer_id=producers[d.producer.code].id,
            factory_no=d.factory_no, unique_no=d.unique_no, registration_no=d.registration_no,
            client_id=clients[d.client].id, location_id=locations[d.client][d.location].id,
            status=d.status, fiscalized_on=d.fiscalized_on, liquidated_on=d.liquidated_on,
            inspection_interval_months=d.interval, last_inspection_on=d.last_inspection_on,
            next_inspection_due=d.next_inspection_due,
        )
        devices.append(device)
    session.add_all(devices)
    session.flush()
    for d, device in zip(device_plan, devices, strict=True):
        d.id = device.id

    order_plan = plan.orders(device_plan)
    # memory_replaced_on was decided while planning the orders
    for d, device in zip(device_plan, devices, strict=True):
        device.memory_replaced_on = d.memory_replaced_on

    expiry = {
        (i, code): today + timedelta(days=days)
        for i, t in enumerate(DEMO_TECHNICIANS) for code, days in t.authorisations
    }
    counters: dict[int, int] = {}
    invoices: dict[int, int] = {}
    seal_counters: dict[str, int] = {}
    inspected: dict[int, date] = {}  # device id -> last P done so far (for the book)
    orders, books, items = [], [], []
    for o in order_plan:
        dev = o.device
        eligible = [i for i in range(len(DEMO_TECHNICIANS))
                    if expiry.get((i, dev.producer.code), date.min) >= o.day]
        o.technician = rng.choice(eligible)
        tech = technicians[o.technician]
        year = o.created_at.year
        counters[year] = counters.get(year, 0) + 1
        seq = counters[year]
        flagged = any(service.service_book for service, _ in o.items)
        total = sum((q * service.price for service, q in o.items), Decimal("0.00"))
        order = Order(
            number=f"ZL/{year}/{seq:06d}", year=year, seq=seq, status=o.status,
            client_id=clients[dev.client].id, location_id=locations[dev.client][dev.location].id,
            device_id=dev.id, technician_id=tech.id, seal_no=tech.seal_no,
            description=_description(o), service_book=flagged, started_at=o.started_at,
            finished_at=o.finished_at, closed_at=o.closed_at, settled_at=o.settled_at,
            cancelled_at=o.cancelled_at,
            created_by_id=(users["office"] if rng.random() < 0.8 else users["owner"]).id,
            created_at=o.created_at,
            updated_at=max(t for t in (o.created_at, o.started_at, o.finished_at, o.closed_at,
                                       o.settled_at, o.cancelled_at) if t is not None),
        )
        if o.settled_at is not None:
            order.settlement_date = o.settled_at.date()
            order.settlement_total = total.quantize(Decimal("0.01"))
        done = o.status in DONE_STATUSES
        if done and o.kind == "P":
            inspected[dev.id] = o.day
        if flagged:
            # The next inspection as known on the day: from the last one done here, or from
            # the fiscalization; unknown for devices inspected before the demo's history.
            if dev.id in inspected:
                book_due = add_months(inspected[dev.id], dev.interval)
            elif o.kind == "F" or dev.role == "fresh":
                book_due = add_months(dev.fiscalized_on or o.day, dev.interval)
            else:
                book_due = None
            books.append((order, _book(o, tech.seal_no, seal_counters, rng, book_due)))
        items.append((order, o))
        orders.append(order)
    # Invoice numbers follow the settlement dates; other sales take numbers in between.
    for order in sorted((o for o in orders if o.settled_at), key=lambda o: o.settled_at):
        year = order.settled_at.year
        invoices[year] = invoices.get(year, 0) + rng.randint(1, 4)
        order.settlement_doc_no = f"FV/{invoices[year]}/{year}"
    session.add_all(orders)
    session.flush()
    for order, o in items:
        session.add_all(
            OrderItem(order_id=order.id, service_id=services[service.key].id, name=service.name,
                      special_kind=service.special_kind, service_book=service.service_book,
                      quantity=q, price=service.price, vat_rate=service.vat_rate,
                      performed_on=o.day)
            for service, q in o.items
        )
    session.add_all(OrderBook(order_id=order.id, **book) for order, book in books)
    session.add_all(OrderCounter(year=year, last_seq=seq) for year, seq in counters.items())
    session.flush()


def _description(o: _Order) -> str:
    dev = o.device
    what = "kasy" if dev.kind == DeviceKind.REGISTER.value else "drukarki"
    return {
        "P": f"Przegląd okresowy {what} {dev.model}.",
        "F": f"Fiskalizacja nowej {what} {dev.model}.",
        "L": f"Likwidacja {what} {dev.model} na wniosek podatnika.",
        "W": f"Wymiana pamięci fiskalnej {what} {dev.model}.",
        "repair": f"Naprawa {what} {dev.model} – zgłoszenie telefoniczne.",
        "battery": f"Wymiana akumulatora {what} {dev.model}.",
        "update": f"Aktualizacja oprogramowania {what} {dev.model}.",
        "training": "Szkolenie nowych pracowników z obsługi urządzenia.",
        "cancelled": CANCEL_REASONS[dev.id % len(CANCEL_REASONS)],
    }[o.kind]
