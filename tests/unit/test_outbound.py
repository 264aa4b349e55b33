"""The outbound guard alone (app.outbound), with a fake resolver: which addresses it refuses,
in every spelling, that it looks a name up once and pins the first checked address."""

import ipaddress
import socket

import pytest

from app import outbound
from app.outbound import BadPort, NotFound, Refused, Target

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless


class FakeResolver:
    def __init__(self, *addresses: str):
        self.addresses = list(addresses)
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host, port, **kwargs):
        self.calls.append((host, port))
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in self.addresses]


def never(*args, **kwargs):
    raise AssertionError("a literal address needs no lookup")


# Every form of a non-global address the review named, as the tenant may write it.
REFUSED_LITERALS = [
    "127.0.0.1", "127.1", "127.0.1", "0x7f000001", "0x7f.0.0.1", "2130706433", "0177.0.0.1",
    "127.255.255.254", "::1", "[::1]", "::ffff:127.0.0.1", "[::ffff:7f00:1]", "0.0.0.0", "0",
    "::", "169.254.169.254", "169.254.0.1", "10.0.0.1", "172.16.0.1", "172.31.255.254",
    "192.168.1.1", "100.64.0.1", "100.127.255.254", "fc00::1", "fd12:3456::1", "fe80::1",
    "fe80::1%eth0", "fec0::1", "224.0.0.1", "239.255.255.250", "ff02::1", "240.0.0.1",
    "255.255.255.255", "192.0.0.8", "192.0.2.1", "198.18.0.1", "198.51.100.7", "203.0.113.9",
    # IPv6 forms that carry an IPv4 address
    "64:ff9b::7f00:1", "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe", "64:ff9b::a00:1",
    "64:ff9b:1::808:808", "2002:7f00:1::1", "2002:a9fe:a9fe::", "2002:c0a8:101::1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1", "::7f00:1", "::127.0.0.1",
    "::a9fe:a9fe", "::808:808", "::ffff:a9fe:a9fe", "::ffff:10.0.0.1", "::ffff:8.8.8.8",
    "2001:db8::1", "100::1",
]
ALLOWED = ["93.184.216.34", "8.8.8.8", "2001:4860:4860::8888", "2a00:1450:4001:80b::200e",
           "64:ff9b::808:808", "2002:808:808::1"]


@pytest.mark.parametrize("host", REFUSED_LITERALS)
def test_every_spelling_of_a_local_or_private_address_is_refused(host):
    with pytest.raises(Refused) as refused:
        outbound.resolve(host, 587, allow_private=False, resolver=never)
    assert refused.value.message == "Ten adres serwera jest niedozwolony (adres prywatny lub " \
                                    "lokalny)."
    assert outbound.host_problem(host, allow_private=False) == refused.value.message


@pytest.mark.parametrize("address", [a for a in REFUSED_LITERALS
                                     if a.replace(".", "").isdigit() is False
                                     and not a.startswith(("0x", "[", "0177"))
                                     and "%" not in a] + ["127.0.0.1", "10.0.0.1"])
def test_a_name_resolving_to_a_refused_address_is_refused(address):
    resolver = FakeResolver(address)
    with pytest.raises(Refused):
        outbound.resolve("smtp.example.com", 587, allow_private=False, resolver=resolver)
    assert resolver.calls == [("smtp.example.com", 587)]


@pytest.mark.parametrize("address", ALLOWED)
def test_global_addresses_pass(address):
    target = outbound.resolve("rzs.example.com", 443, allow_private=False,
                              resolver=FakeResolver(address))
    assert target == Target("rzs.example.com", address, 443)
    assert outbound.refusal(ipaddress.ip_address(address)) is None


def test_one_refused_address_among_many_refuses_the_name():
    resolver = FakeResolver("93.184.216.34", "8.8.8.8", "169.254.169.254")
    with pytest.raises(Refused) as refused:
        outbound.resolve("rzs.example.com", 443, allow_private=False, resolver=resolver)
    assert "169.254.169.254" in refused.value.detail  # for the log, not the user


def test_the_name_is_resolved_once_and_the_first_checked_address_is_the_target():
    resolver = FakeResolver("93.184.216.34", "2001:4860:4860::8888")
    target = outbound.resolve("rzs.example.com", 443, allow_private=False, resolver=resolver)
    assert resolver.calls == [("rzs.example.com", 443)]
    assert (target.address, target.url_host) == ("93.184.216.34", "93.184.216.34")
    v6 = outbound.resolve("rzs.example.com", 443, allow_private=False,
                          resolver=FakeResolver("2001:4860:4860::8888"))
    assert v6.url_host == "[2001:4860:4860::8888]"


def test_connect_opens_the_socket_to_the_checked_address(monkeypatch):
    opened = []
    monkeypatch.setattr(socket, "create_connection",
                        lambda address, timeout=None: opened.append((address, timeout)))
    outbound.connect(Target("smtp.example.com", "93.184.216.34", 587))
    assert opened == [(("93.184.216.34", 587), outbound.CONNECT_TIMEOUT)]


def test_private_hosts_allowed_lifts_the_address_rule_only():
    """Development and tests: loopback passes, the lookup is still one and pinned."""
    resolver = FakeResolver("127.0.0.1", "10.0.0.1")
    target = outbound.resolve("localhost", 587, allow_private=True, resolver=resolver)
    assert target.address == "127.0.0.1" and len(resolver.calls) == 1
    with pytest.raises(BadPort):
        outbound.smtp_target("127.0.0.1", 2525, allow_private=True, resolver=never)


@pytest.mark.parametrize("port", [0, 1, 22, 80, 443, 2525, 6379, 8025, 65535])
def test_smtp_only_on_the_mail_ports(port):
    with pytest.raises(BadPort, match="25, 465 lub 587"):
        outbound.smtp_target("smtp.example.com", port, allow_private=False,
                             resolver=FakeResolver("93.184.216.34"))


@pytest.mark.parametrize("port", [25, 465, 587])
def test_the_mail_ports_pass(port):
    assert outbound.smtp_target("smtp.example.com", port, allow_private=False,
                                resolver=FakeResolver("93.184.216.34")).port == port


@pytest.mark.parametrize("host", ["", " ", "smtp example.com", "smtp.example.com/x",
                                  "user@smtp.example.com", "smtp..example.com", "-x.example",
                                  "a" * 254, "1.2.3.999", "0x1.0x100000000"])
def test_what_is_no_host_name_is_refused_without_a_lookup(host):
    with pytest.raises(Refused):
        outbound.resolve(host, 587, allow_private=False, resolver=never)


def test_a_name_that_does_not_resolve():
    def fail(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(NotFound):
        outbound.resolve("nowhere.example", 587, allow_private=False, resolver=fail)
