"""The outbound guard: every connection a tenant can aim (a producer's registry URL, the
tenant's own SMTP server) is resolved and checked here, once, and then made to the very
address that was checked.

Why one module: a tenant types a host name and Plomba connects to it from inside the
platform's network. Without a check that is a way to reach 127.0.0.1, the cloud metadata
service at 169.254.169.254 or the private network (SSRF); with a check followed by a second
DNS lookup at connect time, a name that answers a public address first and 127.0.0.1 second
slips through (DNS rebinding). So `resolve` looks the name up ONCE, refuses the lot if ANY of
its addresses is not globally routable, and returns a `Target` that names the checked
address; the callers (app.rzs.client, app.mailer) connect to `target.address` and keep the
host name only for the Host header, TLS SNI and certificate verification.

`allow_private` (the RZS_ALLOW_PRIVATE_HOSTS setting: development and tests, where the
registry emulator and the SMTP sink listen on loopback) lifts the address rule, nothing else:
the name is still resolved once and the connection still pinned.

No Flask here: callers pass the setting; tests pass a fake `resolver` (or set RESOLVER)."""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[..., list]

#: The only SMTP ports a tenant may aim at: submission (587), submissions (465), smtp (25).
SMTP_PORTS = (25, 465, 587)
CONNECT_TIMEOUT = 10.0

REFUSED_MESSAGE = "Ten adres serwera jest niedozwolony (adres prywatny lub lokalny)."
SMTP_PORT_MESSAGE = "Dozwolone porty serwera poczty: 25, 465 lub 587."

# Not globally routable, listed explicitly: Python's own `is_global` differs between patch
# releases (3.11.7 calls 224.0.0.1 and 192.0.0.8 global), so it is only a second opinion.
_DENIED_V4 = tuple(ipaddress.IPv4Network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
))
_DENIED_V6 = tuple(ipaddress.IPv6Network(n) for n in (
    "::/96",            # unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
    "64:ff9b:1::/48",   # local-use NAT64 (RFC 8215)
    "100::/64",         # discard
    "2001::/23",        # IETF protocol assignments, Teredo 2001::/32 among them
    "2001:db8::/32",    # documentation
    "fc00::/7",         # unique local
    "fe80::/10",        # link-local
    "fec0::/10",        # site-local (deprecated)
    "ff00::/8",         # multicast
))
# IPv6 forms that carry an IPv4 address a gateway connects to: judged by that address.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_V4_PART = re.compile(r"(0[xX][0-9a-fA-F]*|[0-9]+)")
_HOST_NAME = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?"
                        r"(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?")


def system_resolver(host: str, port: int, **kwargs) -> list:
    """socket.getaddrinfo, looked up at each call."""
    return socket.getaddrinfo(host, port, **kwargs)


#: The resolver `resolve` uses when given none; tests put a fake one here.
RESOLVER: Resolver = system_resolver


class OutboundError(Exception):
    """A connection the guard will not make; `message` is for the user (Polish, generic),
    `detail` for the log."""

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail


class Refused(OutboundError):
    """The host is, or resolves to, an address that is not globally routable."""

    def __init__(self, detail: str):
        super().__init__(REFUSED_MESSAGE, detail)


class BadPort(OutboundError):
    pass


class NotFound(OutboundError):
    """The name does not resolve (transient for the registry: DNS may be down)."""


@dataclass(frozen=True)
class Target:
    """Where to connect: `address` (checked) and `port`; `host` as the tenant wrote it, for
    the Host header, TLS SNI and the certificate check."""

    host: str
    address: str
    port: int

    @property
    def url_host(self) -> str:
        """The address as it goes into a URL (IPv6 in brackets)."""
        return f"[{self.address}]" if ":" in self.address else self.address


def refusal(address: IPAddress) -> str | None:
    """Why `address` may not be connected to, or None when it is globally routable."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            # No server's AAAA record is one: only a way to spell an IPv4 address twice.
            return _embedded("IPv4-mapped", address.ipv4_mapped) or "IPv4-mapped"
        if address in _NAT64:
            return _embedded("NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.sixtofour is not None:
            return _embedded("6to4", address.sixtofour)
        if address.teredo is not None:
            return "Teredo"
        if any(address in network for network in _DENIED_V6):
            return "not global"
    elif any(address in network for network in _DENIED_V4):
        return "not global"
    if (not address.is_global or address.is_multicast or address.is_reserved
            or address.is_unspecified or address.is_loopback or address.is_link_local
            or address.is_private):
        return "not global"
    return None


def _embedded(form: str, v4: ipaddress.IPv4Address) -> str | None:
    why = refusal(v4)
    return f"{form} of {v4}: {why}" if why else None


def literal(host: str) -> IPAddress | None:
    """The address a host written as a number means, in every spelling the C resolver
    accepts (127.1, 0x7f000001, 2130706433, 0177.0.0.1, [::1]); None for a name."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    parts = text.split(".")
    if 1 <= len(parts) <= 4 and all(_V4_PART.fullmatch(p) for p in parts):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:  # a number out of range: no address, and no name either
            raise Refused(f"malformed numeric host {host!r}") from None
    return None


def resolve(host: str, port: int, *, allow_private: bool,
            resolver: Resolver | None = None) -> Target:
    """Look `host` up once and check every address; the Target names the first one.

    Refused when ANY address is refused (a name with one public and one private address is
    someone's trick, not a registry), NotFound when it does not resolve."""
    host = (host or "").strip()
    address = literal(host)
    if address is not None:
        addresses = [address]
    else:
        if not host or len(host) > 253 or not _HOST_NAME.fullmatch(host):
            raise Refused(f"not a host name: {host!r}")
        addresses = _lookup(host, port, resolver or RESOLVER)
    if not allow_private:
        for candidate in addresses:
            why = refusal(candidate)
            if why:
                log.warning("outbound: %s:%s refused, %s is %s", host, port, candidate, why)
                raise Refused(f"{host} -> {candidate}: {why}")
    return Target(host=host.strip("[]"), address=str(addresses[0]), port=port)


def _lookup(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        log.info("outbound: %s does not resolve: %s", host, exc)
        raise NotFound("Nie znaleziono serwera o tej nazwie.", f"{host}: {exc}") from None
    addresses: list[IPAddress] = []
    for info in infos:
        # A scope id (fe80::1%eth0) names an interface: link-local, refused below anyway.
        candidate = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if candidate not in addresses:
            addresses.append(candidate)
    if not addresses:
        raise NotFound("Nie znaleziono serwera o tej nazwie.", f"{host}: no address")
    return addresses


def host_problem(host: str, *, allow_private: bool) -> str | None:
    """What a form can say about a host without looking it up (a lookup may hang, and the
    answer may change before the connection: `resolve` decides then): not a host name, or
    an address written as a number that is refused."""
    try:
        address = literal(host)
    except Refused:
        return REFUSED_MESSAGE
    if address is None:
        text = (host or "").strip()
        return None if text and len(text) <= 253 and _HOST_NAME.fullmatch(text) else \
            "Podaj nazwę serwera, np. smtp.twojafirma.pl."
    return REFUSED_MESSAGE if not allow_private and refusal(address) else None


def smtp_target(host: str, port: int, *, allow_private: bool,
                resolver: Resolver | None = None) -> Target:
    """The tenant's SMTP server: one of the mail ports, then the address rule."""
    if port not in SMTP_PORTS:
        raise BadPort(SMTP_PORT_MESSAGE, f"SMTP port {port}")
    return resolve(host, port, allow_private=allow_private, resolver=resolver)


def connect(target: Target, timeout: float = CONNECT_TIMEOUT) -> socket.socket:
    """A TCP connection to the checked address, never to the name (no second lookup)."""
    return socket.create_connection((target.address, target.port), timeout=timeout)
