"""The registry client against respx: status codes, time limits, headers, URL checks."""

import base64
import json

import httpx
import pytest
import respx

from app.rzs import client
from app.rzs.client import Endpoint, RegistryError, UnsafeURL

EP = Endpoint(url="http://127.0.0.1:5050/posnet/", login="sx-api", key="k-8f2c",
              service_nip="1234563218", producer_nip="5272457354")
EVENTS = [{"id": "e1", "kind": "PU"}]


@pytest.fixture
def registry():
    with respx.mock(base_url="http://127.0.0.1:5050/posnet", assert_all_called=False) as mock:
        yield mock


def test_headers_body_and_reply(registry):
    route = registry.post("/events").respond(200, text="OK\ne1: +Kasa +PU\n")
    assert client.send_events(EP, EVENTS, allow_private=True) == "OK\ne1: +Kasa +PU\n"
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(
        b"sx-api:k-8f2c").decode()
    assert request.headers["X-RZS-Service-NIP"] == "1234563218"
    assert request.headers["X-RZS-Producer-NIP"] == "5272457354"
    assert json.loads(request.content) == {"events": EVENTS}


def test_ping(registry):
    registry.post("/ping").respond(200, text="OK")
    assert client.ping(EP, allow_private=True) == "OK"


@pytest.mark.parametrize(("status", "body"), [
    (401, "Błąd: Nieprawidłowe parametry logowania"),
    (403, "Błąd: Niezgodny NIP producenta"),
    (413, "Błąd: Za dużo zdarzeń w jednym żądaniu (maks. 500)"),
    (422, "Błąd: Nieprawidłowe dane: events[0].performed_on"),
])
def test_final_statuses_carry_the_registry_words(registry, status, body):
    registry.post("/events").respond(status, text=body + "\n")
    with pytest.raises(RegistryError) as error:
        client.send_events(EP, EVENTS, allow_private=True)
    assert (error.value.transient, error.value.status, error.value.message) == (
        False, status, body)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(registry, status):
    registry.post("/events").respond(status, text="Błąd: Awaria")
    with pytest.raises(RegistryError) as error:
        client.send_events(EP, EVENTS, allow_private=True)
    assert error.value.transient and str(status) in error.value.message


def test_429_honours_retry_after(registry):
    registry.post("/events").respond(429, headers={"Retry-After": "7"}, text="")
    with pytest.raises(RegistryError) as error:
        client.send_events(EP, EVENTS, allow_private=True)
    assert error.value.transient and error.value.retry_after == 7.0


@pytest.mark.parametrize(("exc", "words"), [
    (httpx.ReadTimeout("slow"), "Przekroczono czas oczekiwania na odpowiedzi"),
    (httpx.ConnectTimeout("slow"), "Przekroczono czas oczekiwania na połączenia"),
    (httpx.ConnectError("refused"), "Brak połączenia z RZS producenta"),
    (httpx.RemoteProtocolError("closed"), "Połączenie z RZS przerwane"),
])
def test_network_faults_are_transient(registry, exc, words):
    registry.post("/events").mock(side_effect=exc)
    with pytest.raises(RegistryError) as error:
        client.send_events(EP, EVENTS, allow_private=True)
    assert error.value.transient and words in error.value.message


def test_tls_failure_is_final_and_says_tls(registry):
    registry.post("/events").mock(side_effect=httpx.ConnectError(
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"))
    with pytest.raises(RegistryError) as error:
        client.send_events(EP, EVENTS, allow_private=True)
    assert not error.value.transient and "TLS" in error.value.message


def test_redirect_is_not_followed(registry):
    registry.post("/events").respond(302, headers={"Location": "http://10.0.0.1/steal"})
    with pytest.raises(RegistryError, match="przekierowuje"):
        client.send_events(EP, EVENTS, allow_private=True)


def test_time_limits_of_the_spec():
    assert (client.TIMEOUT.connect, client.TIMEOUT.read) == (5.0, 30.0)
    assert client.http_client().follow_redirects is False
    assert client.http_client() is client.http_client()  # one pooled client per process


def test_a_forked_horse_reuses_the_certificate_authorities_its_worker_loaded():
    """The worker loads them before rq forks (workers/__main__.py); a horse's new client must
    take that context, not load its own (80-100 ms of every job)."""
    import os

    loaded = client.tls_context()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the horse
        same = client.http_client()._transport._pool._ssl_context is loaded
        os.write(write, b"1" if same and client.tls_context() is loaded else b"0")
        os._exit(0)
    os.waitpid(pid, 0)
    assert os.read(read, 1) == b"1"


def test_at_most_500_events_per_request():
    with pytest.raises(ValueError):
        client.send_events(EP, [{"id": str(i)} for i in range(501)], allow_private=True)


@pytest.mark.parametrize(("url", "allow", "ok"), [
    ("https://rzs.example.com/api", False, None),
    ("http://127.0.0.1:5050/posnet", True, "http://127.0.0.1:5050/posnet"),
    ("http://127.0.0.1:5050/posnet", False, "!musi zaczynać się od https"),
    ("https://127.0.0.1/api", False, "!prywatny"),
    ("https://10.1.2.3/api", False, "!prywatny"),
    ("https://169.254.169.254/latest", False, "!prywatny"),
    ("https://[::1]/api", False, "!prywatny"),
    ("ftp://rzs.example.com", False, "!Nieprawidłowy adres API"),
    ("https://user:pass@rzs.example.com", False, "!loginu"),
    ("http://10.1.2.3/api", True, "!musi zaczynać się od https"),  # http: loopback only
    ("https://localhost/api", True, "https://localhost/api"),
])
def test_url_checks(url, allow, ok, monkeypatch):
    import socket

    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "rzs.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    if ok is None:
        assert client.check_url(url, allow) == url
    elif ok.startswith("!"):
        with pytest.raises(UnsafeURL, match=ok[1:]):
            client.check_url(url, allow)
    else:
        assert client.check_url(url, allow) == ok


def test_a_public_name_resolving_to_a_private_address_is_refused(monkeypatch):
    import socket

    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.10", port))])
    with pytest.raises(UnsafeURL, match="prywatny"):
        client.check_url("https://rzs.evil.example/api", False)


def test_unknown_host_is_no_connection(monkeypatch):
    import socket

    def fail(*args, **kwargs):
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(RegistryError) as error:
        client.check_url("https://rzs.nowhere.example/api", False)
    assert error.value.transient and "nie znaleziono serwera" in error.value.message
