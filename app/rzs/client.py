"""HTTP client of the producers' registries (rzs-api.md): one pooled httpx client per process,
the spec's time limits (5 s connect, 30 s read), no redirects, and the producer URL checked
before any call (https to a public address; http to loopback only when allowed)."""

import base64
import ipaddress
import json
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from app import clock
from app.rzs import responses

TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
MAX_EVENTS = 500

_client: httpx.Client | None = None
_client_pid: int | None = None
_lock = threading.Lock()


@dataclass(frozen=True)
class Endpoint:
    """The API parameters of a producer record and the sending service company's NIP."""

    url: str
    login: str
    key: str
    service_nip: str
    producer_nip: str


class RegistryError(Exception):
    """A call that did not get a processed reply. `transient` ones are retried; the message is
    for the user (Polish)."""

    def __init__(self, message: str, *, transient: bool, status: int | None = None,
                 retry_after: float | None = None, body: str = ""):
        super().__init__(message)
        self.message = message
        self.transient = transient
        self.status = status
        self.retry_after = retry_after
        self.body = body


class UnsafeURL(RegistryError):
    def __init__(self, message: str):
        super().__init__(message, transient=False)


def http_client() -> httpx.Client:
    """The process's pooled client; a forked worker horse gets its own."""
    import os

    global _client, _client_pid
    with _lock:
        if _client is None or _client_pid != os.getpid():
            _client = httpx.Client(timeout=TIMEOUT, follow_redirects=False,
                                   limits=httpx.Limits(max_connections=20,
                                                       max_keepalive_connections=10),
                                   headers={"User-Agent": "Plomba-RZS/1"})
            _client_pid = os.getpid()
        return _client


def check_url(url: str, allow_private: bool) -> str:
    """The URL without a trailing slash, or UnsafeURL. Names are resolved: a public-looking
    name that points at a private, loopback or link-local address is refused."""
    parts = urlsplit((url or "").strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeURL("Nieprawidłowy adres API: podaj pełny adres https://…")
    if parts.username or parts.password:
        raise UnsafeURL("Adres API nie może zawierać loginu ani hasła: wpisz je w polach "
                        "parametrów API.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https"
                                                                    else 80),
                                   proto=socket.IPPROTO_TCP)
    except socket.gaierror:
        raise RegistryError(f"Brak połączenia: nie znaleziono serwera {parts.hostname}.",
                            transient=True) from None
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    loopback_only = all(a.is_loopback for a in addresses)
    if parts.scheme == "http" and not (allow_private and loopback_only):
        raise UnsafeURL("Adres API musi zaczynać się od https://.")
    if not allow_private and any(not a.is_global for a in addresses):
        raise UnsafeURL("Adres API wskazuje na adres prywatny lub lokalny: niedozwolone.")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _headers(endpoint: Endpoint) -> dict[str, str]:
    credentials = base64.b64encode(f"{endpoint.login}:{endpoint.key}".encode()).decode()
    return {"Authorization": f"Basic {credentials}",
            "X-RZS-Service-NIP": endpoint.service_nip,
            "X-RZS-Producer-NIP": endpoint.producer_nip,
            "Content-Type": "application/json; charset=utf-8"}


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds or an HTTP date (RFC 9110): app.rzs.responses.retry_after_seconds."""
    return responses.retry_after_seconds(response.headers.get("Retry-After"),
                               response.headers.get("Date"), clock.now())


def post(endpoint: Endpoint, path: str, body: dict, allow_private: bool) -> str:
    """POST to the registry; the reply text of a 200, else RegistryError saying why."""
    return post_raw(endpoint, path, json.dumps(body).encode(), allow_private)


def post_raw(endpoint: Endpoint, path: str, content: bytes, allow_private: bool) -> str:
    """post() with a body that is JSON already (a batch joins stored payloads as they are)."""
    base = check_url(endpoint.url, allow_private)
    try:
        response = http_client().post(f"{base}/{path}", content=content,
                                      headers=_headers(endpoint))
    except httpx.TimeoutException as exc:
        kind = "połączenia" if isinstance(exc, httpx.ConnectTimeout) else "odpowiedzi"
        raise RegistryError(f"Przekroczono czas oczekiwania na {kind} z RZS producenta.",
                            transient=True) from None
    except httpx.ConnectError as exc:
        if "SSL" in str(exc) or "certificate" in str(exc).lower():
            raise RegistryError("Błąd TLS: nie udało się bezpiecznie połączyć z RZS producenta "
                                f"({exc}).", transient=False) from None
        raise RegistryError("Brak połączenia z RZS producenta. Sprawdź połączenie z "
                            "Internetem, adres API i zaporę (firewall).", transient=True) from None
    except httpx.TransportError as exc:
        raise RegistryError(f"Połączenie z RZS przerwane ({type(exc).__name__}).",
                            transient=True) from None
    text = response.text
    first = text.split("\n", 1)[0].strip()
    status = response.status_code
    if status == 200:
        return text
    if status in (401, 403, 413, 422):
        raise RegistryError(first or f"Błąd HTTP {status}", transient=False, status=status,
                            body=text)
    if status == 429:
        raise RegistryError("RZS producenta prosi o wolniejsze wysyłanie (429).",
                            transient=True, status=status, retry_after=_retry_after(response),
                            body=text)
    if 300 <= status < 400:
        raise RegistryError(f"RZS przekierowuje pod inny adres ({status}): sprawdź adres API.",
                            transient=False, status=status, body=text)
    if status >= 500:
        raise RegistryError(f"Awaria RZS producenta ({status}): {first}".rstrip(": "),
                            transient=True, status=status, body=text)
    raise RegistryError(f"Nieoczekiwana odpowiedź RZS ({status}): {first}", transient=False,
                        status=status, body=text)


def ping(endpoint: Endpoint, allow_private: bool) -> str:
    return post(endpoint, "ping", {}, allow_private)


def send_events(endpoint: Endpoint, events: list[dict], allow_private: bool) -> str:
    if not 1 <= len(events) <= MAX_EVENTS:
        raise ValueError(f"1 to {MAX_EVENTS} events per request")
    return post(endpoint, "events", {"events": events}, allow_private)
