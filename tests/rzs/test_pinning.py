"""The registry client through the outbound guard: the producer's name is resolved once and
the request goes to the checked address, with the Host header, TLS SNI and the certificate
check on the name (a real HTTPS server on loopback, a certificate for a name)."""

import http.server
import socket
import ssl
import threading

import httpx
import pytest
import respx

from app import outbound
from app.rzs import client
from app.rzs.client import Endpoint, RegistryError, UnsafeURL
from tests.tls import self_signed

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless


class FakeDNS:
    def __init__(self, *answers: list[str]):
        self.answers = list(answers)
        self.lookups: list[str] = []

    def __call__(self, host, port, **kwargs):
        self.lookups.append(host)
        current = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port)) for a in current]


def endpoint(url: str) -> Endpoint:
    return Endpoint(url=url, login="sx-api", key="k", service_nip="1234563218",
                    producer_nip="5272457354")


def test_the_request_goes_to_the_checked_address_with_the_name_kept(monkeypatch):
    """DNS rebinding: the name answers a public address, then 127.0.0.1; one lookup is made
    and the request is sent to the public address, Host and SNI naming the producer."""
    dns = FakeDNS(["93.184.216.34"], ["127.0.0.1"])
    monkeypatch.setattr(outbound, "RESOLVER", dns)
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post("https://93.184.216.34:443/api/ping").respond(200, text="OK")
        assert client.ping(endpoint("https://rzs.example.com/api/"), allow_private=False) == "OK"
        assert dns.lookups == ["rzs.example.com"]  # once: httpx resolves nothing itself
        # The next request looks the name up again, and the new answer is checked in turn.
        with pytest.raises(UnsafeURL):
            client.ping(endpoint("https://rzs.example.com/api/"), allow_private=False)
    assert route.call_count == 1
    request = route.calls[0].request
    assert request.headers["Host"] == "rzs.example.com"
    assert request.extensions["sni_hostname"] == "rzs.example.com"


def test_a_rebound_name_is_refused_before_any_connection(monkeypatch):
    monkeypatch.setattr(outbound, "RESOLVER", FakeDNS(["127.0.0.1"]))
    with respx.mock(assert_all_called=False) as mock:
        anything = mock.route().respond(200, text="OK")
        with pytest.raises(UnsafeURL, match="niedozwolony"):
            client.ping(endpoint("https://rzs.example.com/api"), allow_private=False)
    assert not anything.called


def test_port_and_ipv6_addresses_in_the_pinned_url(monkeypatch):
    monkeypatch.setattr(outbound, "RESOLVER", FakeDNS(["2001:4860:4860::8888"]))
    with respx.mock() as mock:
        route = mock.post("https://[2001:4860:4860::8888]:8443/rzs/events").respond(
            200, text="OK\n")
        client.send_events(endpoint("https://rzs.example.com:8443/rzs"), [{"id": "e1"}],
                           allow_private=False)
    assert route.calls[0].request.headers["Host"] == "rzs.example.com:8443"


class Registry(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Registry.seen.append({"host": self.headers["Host"], "path": self.path,
                              "sni": getattr(self.server, "sni", None)})
        body = b"OK"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def https_registry():
    """An HTTPS server on 127.0.0.1 with a certificate for rzs.test; records SNI and Host."""
    certificate = self_signed("rzs.test")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Registry)
    context = certificate.server_context()

    def remember_sni(sock, name, ctx):
        server.sni = name

    context.sni_callback = remember_sni
    server.socket = context.wrap_socket(server.socket, server_side=True)
    Registry.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, certificate
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("name", "ok"), [("rzs.test", True), ("inny.test", False)])
def test_real_tls_to_the_pinned_address_is_verified_for_the_name(https_registry, monkeypatch,
                                                                 name, ok):
    server, certificate = https_registry
    port = server.server_address[1]
    dns = FakeDNS(["127.0.0.1"])
    monkeypatch.setattr(outbound, "RESOLVER", dns)
    # A client that trusts the test certificate as its only CA: the name alone decides.
    pinned = httpx.Client(verify=certificate.client_context(), timeout=client.TIMEOUT,
                          follow_redirects=False, trust_env=False)
    monkeypatch.setattr(client, "http_client", lambda: pinned)
    try:
        if ok:
            assert client.ping(endpoint(f"https://{name}:{port}/posnet"),
                               allow_private=True) == "OK"
            assert Registry.seen == [{"host": f"{name}:{port}", "path": "/posnet/ping",
                                      "sni": name}]
        else:
            with pytest.raises(RegistryError, match="TLS") as error:
                client.ping(endpoint(f"https://{name}:{port}/posnet"), allow_private=True)
            assert not error.value.transient and Registry.seen == []
    finally:
        pinned.close()
    assert dns.lookups == [name]


def test_the_pooled_client_ignores_proxy_settings():
    """A proxy from the environment would connect on its own: the client takes none."""
    assert client.http_client()._trust_env is False
    assert isinstance(ssl.create_default_context(), ssl.SSLContext)
