"""Status codes, their exact bodies and the order of the request-level checks."""

import json

import httpx
import pytest

from tests.rzs_emulator.conftest import NOVITUS_NIP, POSNET_NIP, X_NIP, Y_NIP, event

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless

TEXT = "text/plain; charset=utf-8"
BAD_LOGIN = "Błąd: Nieprawidłowe parametry logowania"
BAD_NIP = "Błąd: Niezgodny NIP producenta"
TOO_MANY = "Błąd: Za dużo zdarzeń w jednym żądaniu (maks. 500)"


def ping(emulator, **kw) -> httpx.Response:
    with emulator.client(**kw) as client:
        return client.post("/ping", json={})


def test_ping_ok(emulator):
    reply = ping(emulator)
    assert (reply.status_code, reply.text) == (200, "OK")
    assert reply.headers["content-type"] == TEXT
    assert ping(emulator, producer="novitus").text == "OK"
    assert ping(emulator, service_nip=Y_NIP).text == "OK"


@pytest.mark.parametrize(
    "kw",
    [
        {"key": "wrong"},
        {"login": "nobody"},
        {"auth": False},
        # the login and key of X, but the header names another company of this producer
        {"login": "sx-api", "key": "k-8f2c", "service_nip": Y_NIP},
        # the login and key of X, the header names a company the producer does not know
        {"login": "sx-api", "key": "k-8f2c", "service_nip": "5260250274"},
        # X's parameters for another producer
        {"login": "nx-api", "key": "k-n"},
        # the key of another company
        {"login": "sx-api", "key": "k-y"},
    ],
    ids=["wrong-key", "unknown-login", "no-auth", "other-company-nip", "unknown-nip",
         "other-producer-login", "other-company-key"],
)
def test_401(emulator, kw):
    for path, body in (("/ping", {}), ("/events", {"events": [event("a")]})):
        with emulator.client(**kw) as client:
            reply = client.post(path, json=body)
        assert (reply.status_code, reply.text) == (401, BAD_LOGIN), (path, kw)
        assert reply.headers["content-type"] == TEXT
    assert emulator.stored() == []


def test_401_without_service_nip_header(emulator):
    reply = httpx.post(f"{emulator.base}/posnet/ping", auth=("sx-api", "k-8f2c"),
                       headers={"X-RZS-Producer-NIP": POSNET_NIP}, json={})
    assert (reply.status_code, reply.text) == (401, BAD_LOGIN)


@pytest.mark.parametrize("producer_nip", [NOVITUS_NIP, "527-245-73-54", "0000000000"])
def test_403(emulator, producer_nip):
    for path, body in (("/ping", {}), ("/events", {"events": [event("a")]})):
        with emulator.client(producer_nip=producer_nip) as client:
            reply = client.post(path, json=body)
        assert (reply.status_code, reply.text) == (403, BAD_NIP)
        assert reply.headers["content-type"] == TEXT
    assert emulator.stored() == []


def test_403_without_producer_nip_header(emulator):
    reply = httpx.post(f"{emulator.base}/posnet/ping", auth=("sx-api", "k-8f2c"),
                       headers={"X-RZS-Service-NIP": X_NIP}, json={})
    assert (reply.status_code, reply.text) == (403, BAD_NIP)


def test_check_order_401_then_403_then_body(emulator):
    # a bad login and a bad producer NIP: 401
    with emulator.client(key="wrong", producer_nip=NOVITUS_NIP) as client:
        assert client.post("/events", content=b"not json").status_code == 401
    # a good login, a bad producer NIP and a bad body: 403
    with emulator.client(producer_nip=NOVITUS_NIP) as client:
        assert client.post("/events", content=b"not json").status_code == 403
        too_many = {"events": [event(f"e{i}") for i in range(501)]}
        assert client.post("/events", json=too_many).status_code == 403
    # 413 before the fields of the events are looked at
    bad = [event(f"e{i}", performed_on="20.11.2026") for i in range(501)]
    reply = emulator.send(bad)
    assert (reply.status_code, reply.text) == (413, TOO_MANY)


def test_413_at_501_and_ok_at_500(emulator):
    events = [event(f"e{i}", unique_no=f"ZBF{i:010d}", factory_no=f"PO{i:09d}")
              for i in range(501)]
    reply = emulator.send(events)
    assert (reply.status_code, reply.text) == (413, TOO_MANY)
    assert reply.headers["content-type"] == TEXT
    assert emulator.stored() == []

    reply = emulator.send(events[:500])
    assert reply.status_code == 200
    lines = reply.text.split("\n")
    # 500 new devices of one taxpayer at one location, in request order
    assert lines[0] == "OK"
    assert lines[1] == "e0: +Kasa +Podatnik +Lokalizacja +PU"
    assert lines[2:501] == [f"e{i}: +Kasa +PU" for i in range(1, 500)]
    assert lines[501:] == ["Dodano kontrahentów: 1", "Dodano lokalizacji: 1",
                           "Dodano przeglądów: 500"]
    assert len(emulator.stored()) == 500


def test_unknown_producer_and_wrong_method(emulator):
    reply = httpx.post(f"{emulator.base}/nieznany/ping", json={})
    assert (reply.status_code, reply.text) == (404, "Błąd: Nieznany producent")
    assert reply.headers["content-type"] == TEXT
    reply = emulator.get("/posnet/events")
    assert reply.status_code == 405
    assert reply.headers["content-type"] == TEXT
    assert reply.text.startswith("Błąd:")


def _invalid(path: str) -> str:
    return f"Błąd: Nieprawidłowe dane: {path}"


def _drop(d: dict, dotted: str) -> dict:
    *parents, last = dotted.split(".")
    for p in parents:
        d = d[p]
    del d[last]


def _set(d: dict, dotted: str, value) -> None:
    *parents, last = dotted.split(".")
    for p in parents:
        d = d[p]
    d[last] = value


BODY_CASES = [
    (b"not json", "events"),
    (b"", "events"),
    (b"[]", "events"),
    (b"{}", "events"),
    (b'{"events": []}', "events"),
    (b'{"events": "x"}', "events"),
    (b'{"events": {"id": "a"}}', "events"),
    (b'{"events": [1]}', "events[0]"),
    (b'{"events": [null]}', "events[0]"),
]


@pytest.mark.parametrize("body,path", BODY_CASES)
def test_422_body(emulator, body, path):
    with emulator.client() as client:
        reply = client.post("/events", content=body,
                            headers={"Content-Type": "application/json"})
    assert (reply.status_code, reply.text) == (422, _invalid(path))
    assert reply.headers["content-type"] == TEXT


# (field, value or DROP) -> the path named; on the event of kind `kind`
DROP = object()
FIELD_CASES = [
    ("PU", "id", DROP, "id"),
    ("PU", "id", "", "id"),
    ("PU", "id", "x" * 65, "id"),
    ("PU", "id", "a\nb", "id"),
    ("PU", "id", 17, "id"),
    ("PU", "kind", DROP, "kind"),
    ("PU", "kind", "P", "kind"),
    ("PU", "kind", "pu", "kind"),
    ("PU", "factory_no", DROP, "factory_no"),
    ("PU", "factory_no", "", "factory_no"),
    ("PU", "factory_no", "X" * 33, "factory_no"),
    ("PU", "unique_no", DROP, "unique_no"),
    ("PU", "unique_no", "zbf1801007587", "unique_no"),
    ("PU", "unique_no", "ZBF180100758", "unique_no"),
    ("PU", "unique_no", "ZBF18010075871", "unique_no"),
    ("PU", "unique_no", "ZB1801007587", "unique_no"),
    ("PU", "unique_no", "ZBF1801007587\n", "unique_no"),
    ("PU", "unique_no", "ZBF 1801007587", "unique_no"),
    ("PU", "performed_on", DROP, "performed_on"),
    ("PU", "performed_on", "20.11.2026", "performed_on"),
    ("PU", "performed_on", "2026-13-01", "performed_on"),
    ("PU", "performed_on", "2026-02-30", "performed_on"),
    ("PU", "performed_on", "2026-11-20T10:00:00", "performed_on"),
    ("PU", "technician", DROP, "technician"),
    ("PU", "technician", "P-1234", "technician"),
    ("PU", "technician.seal_no", DROP, "technician.seal_no"),
    ("PU", "technician.seal_no", "", "technician.seal_no"),
    ("PU", "technician.seal_no", "P" * 33, "technician.seal_no"),
    ("PU", "technician.name", 5, "technician.name"),
    ("PU", "taxpayer", DROP, "taxpayer"),
    ("PU", "taxpayer.nip", DROP, "taxpayer.nip"),
    ("PU", "taxpayer.nip", "526025027", "taxpayer.nip"),
    ("PU", "taxpayer.nip", "526-025-02-74", "taxpayer.nip"),
    ("PU", "taxpayer.nip", 5260250274, "taxpayer.nip"),
    ("PU", "taxpayer.name", DROP, "taxpayer.name"),
    ("PU", "taxpayer.name", " ", "taxpayer.name"),
    ("PU", "taxpayer.street", 12, "taxpayer.street"),
    ("PU", "location", DROP, "location"),
    ("PU", "location.street", DROP, "location.street"),
    ("PU", "location.postal_code", DROP, "location.postal_code"),
    ("PU", "location.city", DROP, "location.city"),
    ("PU", "location.city", "", "location.city"),
    ("PU", "location.name", [], "location.name"),
    ("PU", "service.nip", "123", "service.nip"),
    ("PU", "service", "Serwis X", "service"),
    ("N", "started_at", DROP, "started_at"),
    ("N", "started_at", "2026-11-20T09:15:00", "started_at"),
    ("N", "started_at", "2026-11-20", "started_at"),
    ("N", "finished_at", DROP, "finished_at"),
    ("N", "finished_at", "jutro", "finished_at"),
    ("N", "book", DROP, "book"),
    ("N", "book", "opis", "book"),
    ("N", "book", ["opis"], "book"),
    ("N", "book.fault", 3, "book.fault"),
    ("N", "book.parts", {"a": "b"}, "book.parts"),
]


@pytest.mark.parametrize("kind,field,value,path", FIELD_CASES,
                         ids=[f"{c[1]}={c[2]!r}"[:40] if c[2] is not DROP else f"{c[1]}-missing"
                              for c in FIELD_CASES])
def test_422_field(emulator, kind, field, value, path):
    events = [event(f"e{i}", kind=kind, unique_no=f"ZBF{i:010d}", factory_no=f"PO{i:09d}")
              for i in range(4)]
    if value is DROP:
        _drop(events[3], field)
    else:
        _set(events[3], field, value)
    reply = emulator.send(events)
    assert (reply.status_code, reply.text) == (422, _invalid(f"events[3].{path}"))
    assert emulator.stored() == []  # nothing of the request is stored


def test_422_duplicate_id_names_the_second(emulator):
    events = [event("a", unique_no="ZBF0000000001"), event("b", unique_no="ZBF0000000002"),
              event("a", unique_no="ZBF0000000003")]
    reply = emulator.send(events)
    assert (reply.status_code, reply.text) == (422, _invalid("events[2].id"))


def test_422_first_problem_wins(emulator):
    events = [event("a", performed_on="2026-11-31"), event("b", nip="12")]
    assert emulator.send(events).text == _invalid("events[0].performed_on")
    events = [event("a"), event("b", nip="12", performed_on="x")]
    assert emulator.send(events).text == _invalid("events[1].performed_on")


def test_accepted_forms(emulator):
    """Optional fields may be left out or null; long events take Z or +hh:mm offsets; an 8-digit
    unique number; extra fields are ignored."""
    short = event("a", unique_no="ZBF18010075", factory_no="PO1")
    del short["service"]
    del short["technician"]["name"]
    short["location"].pop("name")
    short["taxpayer"] = {"nip": "5260250274", "name": "Piekarnia", "street": None}
    short["unknown_field"] = {"x": 1}
    long = event("b", kind="N", unique_no="ZBF18010075", factory_no="PO1",
                 started_at="2026-11-20T09:15:00Z", finished_at="2026-11-20T10:05:30.5+0100",
                 book={"fault": "x", "next_inspection_on": None})
    lines = emulator.lines([short, long])
    assert lines == ["OK", "a: +Kasa +Podatnik +Lokalizacja +PU", "b: Kasa +N",
                     "Dodano kontrahentów: 1", "Dodano lokalizacji: 1",
                     "Dodano przeglądów: 1", "Dodano napraw: 1"]


def test_body_not_utf8_json(emulator):
    with emulator.client() as client:
        reply = client.post("/events", content=b"\xff\xfe{", headers={"Content-Type": "x"})
    assert (reply.status_code, reply.text) == (422, _invalid("events"))
    # a valid body sent without a JSON content type is still JSON
    with emulator.client() as client:
        reply = client.post("/events", content=json.dumps({"events": [event("a")]}).encode())
    assert reply.status_code == 200
