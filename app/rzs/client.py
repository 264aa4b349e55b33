"""HTTP client of the producers' registries (rzs-api.md): one pooled httpx client per process,
the spec's time limits (5 s connect, 30 s read), no redirects, and the producer URL checked
by the outbound guard (app.outbound) before any call: https to a public address, http to
loopback only when allowed. The name is resolved once and the request is sent to the checked
address, with the Host header, TLS SNI and certificate check on the name."""

import base64
import ipaddress
import json
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from app import clock, outbound
from app.rzs import responses

TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=5.0)
MAX_EVENTS = 500
HTTPS_ONLY = "Adres API musi zaczynać się od https://."

_client: httpx.Client | None = None
_client_pid: int | None = None
_tls: ssl.SSLContext | None = None
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


def tls_context() -> ssl.SSLContext:
    """The certificate authorities every registry connection checks against, loaded once per
    process: loading them took 80-100 ms, and rq forks a work horse for every job, so a
    batch of 10,000 events paid it each time (issue 13). The worker loads them before it forks
    (workers/__main__.py); a context holds no connection, so the horses can share it."""
    global _tls
    with _lock:
        if _tls is None:
            _tls = httpx.create_ssl_context(trust_env=False)
        return _tls


def http_client() -> httpx.Client:
    """The process's pooled client; a forked worker horse gets its own."""
    import os

    global _client, _client_pid
    context = tls_context()
    with _lock:
        if _client is None or _client_pid != os.getpid():
            # trust_env off: no proxy from the environment, the connection goes to the
            # address the guard checked. The pool is keyed by that address.
            _client = httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False,
                                   verify=context,
                                   limits=httpx.Limits(max_connections=20,
                                                       max_keepalive_connections=10),
                                   headers={"User-Agent": "Plomba-RZS/1"})
            _client_pid = os.getpid()
        return _client


@dataclass(frozen=True)
class Destination:
    """A producer URL checked by the outbound guard: `base` as written (no trailing slash),
    `target` the address it resolved to, once.

    httpx pools connections by the address in the URL, so a kept-alive connection may carry
    the next request to the same address: every address in the pool was checked, and each
    request names its host in Host."""

    base: str
    scheme: str
    netloc: str
    path: str
    target: outbound.Target

    def pinned_url(self, path: str) -> str:
        """The request URL with the checked address in place of the name: httpx connects
        there and resolves nothing itself (no second lookup for DNS rebinding to change)."""
        return f"{self.scheme}://{self.target.url_host}:{self.target.port}{self.path}/{path}"

    @property
    def extensions(self) -> dict:
        """TLS SNI and the certificate check stay on the name the producer gave."""
        if self.scheme == "https" and outbound.literal(self.target.host) is None:
            return {"sni_hostname": self.target.host}
        return {}


def destination(url: str, allow_private: bool,
                resolver: outbound.Resolver | None = None) -> Destination:
    """The producer's URL checked, or UnsafeURL (RegistryError when the name does not
    resolve). Names are resolved once: a public-looking name that points at a private,
    loopback or link-local address is refused, and so is one with any such address."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:  # "https://[::1", "https://host:99999"
        raise UnsafeURL("Nieprawidłowy adres API: podaj pełny adres https://…") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeURL("Nieprawidłowy adres API: podaj pełny adres https://…")
    if parts.username or parts.password:
        raise UnsafeURL("Adres API nie może zawierać loginu ani hasła: wpisz je w polach "
                        "parametrów API.")
    if parts.scheme == "http" and not allow_private:
        raise UnsafeURL(HTTPS_ONLY)
    try:
        target = outbound.resolve(parts.hostname,
                                  port or (443 if parts.scheme == "https" else 80),
                                  allow_private=allow_private, resolver=resolver)
    except outbound.NotFound:
        raise RegistryError(f"Brak połączenia: nie znaleziono serwera {parts.hostname}.",
                            transient=True) from None
    except outbound.Refused:
        raise UnsafeURL(outbound.REFUSED_MESSAGE) from None
    # Plain http only for the emulator on this machine (rzs-api.md, Transport).
    if parts.scheme == "http" and not ipaddress.ip_address(
            target.address.split("%")[0]).is_loopback:
        raise UnsafeURL(HTTPS_ONLY)
    path = parts.path.rstrip("/")
    return Destination(base=f"{parts.scheme}://{parts.netloc}{path}", scheme=parts.scheme,
                       netloc=parts.netloc, path=path, target=target)


def check_url(url: str, allow_private: bool) -> str:
    """The URL without a trailing slash, or UnsafeURL (see destination)."""
    return destination(url, allow_private).base


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
    where = destination(endpoint.url, allow_private)
    try:
        response = http_client().post(where.pinned_url(path), content=content,
                                      headers={**_headers(endpoint), "Host": where.netloc},
                                      extensions=where.extensions)
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
