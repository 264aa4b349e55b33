"""The emulator's configuration file, exactly as rzs-api.md writes it:

    {"producers": [{"code", "nip", "name", "prefixes": [...],
                    "service_companies": [{"nip", "name", "login", "key", "seals": [...]}],
                    "devices": [{"unique_no", "factory_no", "service_nip"}]}]}

`devices` is optional. Anything else in the file is ignored. A file that breaks a rule stops the
emulator at start with a message naming the place (ConfigError)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

NIP_RE = re.compile(r"[0-9]{10}")
UNIQUE_NO_RE = re.compile(r"[A-Z]{3}[0-9]{8}(?:[0-9]{2})?")
PREFIX_RE = re.compile(r"[A-Z]{3}")
# A producer's code is the first segment of its URL; "_" starts the admin prefix (/_admin).
CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")


class ConfigError(ValueError):
    """The configuration file breaks a rule; the message says where."""


@dataclass(frozen=True)
class ServiceCompany:
    nip: str
    name: str
    login: str
    key: str
    seals: frozenset[str]
    seal_list: tuple[str, ...] = ()  # in the file's order, for the page


@dataclass(frozen=True)
class ConfigDevice:
    unique_no: str
    factory_no: str
    service_nip: str


@dataclass(frozen=True)
class Producer:
    code: str
    nip: str
    name: str
    prefixes: frozenset[str]
    prefix_list: tuple[str, ...]
    companies: tuple[ServiceCompany, ...]
    devices: tuple[ConfigDevice, ...] = ()
    by_login: dict[str, ServiceCompany] = field(default_factory=dict, compare=False)

    def company_named(self, nip: str) -> ServiceCompany | None:
        return next((c for c in self.companies if c.nip == nip), None)


@dataclass(frozen=True)
class Config:
    producers: tuple[Producer, ...]

    @property
    def by_code(self) -> dict[str, Producer]:
        return {p.code: p for p in self.producers}


def load_config(path: str | Path) -> Config:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not JSON ({exc})") from None
    return parse_config(data, str(path))


def parse_config(data: object, source: str = "config") -> Config:
    def fail(where: str, what: str) -> ConfigError:
        return ConfigError(f"{source}: {where}: {what}")

    def text(obj: dict, key: str, where: str, pattern: re.Pattern | None = None) -> str:
        value = obj.get(key)
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{where}.{key}", "required, a non-empty string")
        if pattern is not None and not pattern.fullmatch(value):
            raise fail(f"{where}.{key}", f"{value!r} does not match {pattern.pattern}")
        return value

    def strings(obj: dict, key: str, where: str, pattern: re.Pattern | None = None) -> list[str]:
        value = obj.get(key)
        if not isinstance(value, list):
            raise fail(f"{where}.{key}", "required, a list of strings")
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise fail(f"{where}.{key}[{i}]", "a non-empty string")
            if pattern is not None and not pattern.fullmatch(item):
                raise fail(f"{where}.{key}[{i}]", f"{item!r} does not match {pattern.pattern}")
        return value

    if not isinstance(data, dict) or not isinstance(data.get("producers"), list):
        raise fail("producers", "the file must be an object with a list `producers`")
    if not data["producers"]:
        raise fail("producers", "no producers")
    producers: list[Producer] = []
    codes: set[str] = set()
    for p_index, raw in enumerate(data["producers"]):
        where = f"producers[{p_index}]"
        if not isinstance(raw, dict):
            raise fail(where, "an object")
        code = text(raw, "code", where, CODE_RE)
        if code in codes:
            raise fail(f"{where}.code", f"{code!r} twice")
        codes.add(code)
        nip = text(raw, "nip", where, NIP_RE)
        name = text(raw, "name", where)
        prefixes = strings(raw, "prefixes", where, PREFIX_RE)
        raw_companies = raw.get("service_companies")
        if not isinstance(raw_companies, list):
            raise fail(f"{where}.service_companies", "required, a list")
        companies: list[ServiceCompany] = []
        by_login: dict[str, ServiceCompany] = {}
        for c_index, rc in enumerate(raw_companies):
            cw = f"{where}.service_companies[{c_index}]"
            if not isinstance(rc, dict):
                raise fail(cw, "an object")
            seals = strings(rc, "seals", cw)
            company = ServiceCompany(
                nip=text(rc, "nip", cw, NIP_RE),
                name=text(rc, "name", cw),
                login=text(rc, "login", cw),
                key=text(rc, "key", cw),
                seals=frozenset(seals),
                seal_list=tuple(seals),
            )
            if company.login in by_login:
                raise fail(f"{cw}.login", f"{company.login!r} is used twice for this producer")
            if any(c.nip == company.nip for c in companies):
                raise fail(f"{cw}.nip", f"{company.nip} twice for this producer")
            by_login[company.login] = company
            companies.append(company)
        raw_devices = raw.get("devices", [])
        if raw_devices is None:
            raw_devices = []
        if not isinstance(raw_devices, list):
            raise fail(f"{where}.devices", "a list")
        devices: list[ConfigDevice] = []
        seen_unique: set[str] = set()
        seen_factory: set[str] = set()
        for d_index, rd in enumerate(raw_devices):
            dw = f"{where}.devices[{d_index}]"
            if not isinstance(rd, dict):
                raise fail(dw, "an object")
            device = ConfigDevice(
                unique_no=text(rd, "unique_no", dw, UNIQUE_NO_RE),
                factory_no=text(rd, "factory_no", dw),
                service_nip=text(rd, "service_nip", dw, NIP_RE),
            )
            if device.unique_no in seen_unique or device.factory_no in seen_factory:
                raise fail(dw, "a unique or factory number listed twice")
            seen_unique.add(device.unique_no)
            seen_factory.add(device.factory_no)
            devices.append(device)
        producers.append(
            Producer(
                code=code,
                nip=nip,
                name=name,
                prefixes=frozenset(prefixes),
                prefix_list=tuple(prefixes),
                companies=tuple(companies),
                devices=tuple(devices),
                by_login=by_login,
            )
        )
    return Config(producers=tuple(producers))
