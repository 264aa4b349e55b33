"""What the registry does with each event: the four checks in their order, the same-event rule,
the tokens in their order, the summary lines, and a later event seeing an earlier one."""

import threading

import pytest

from tests.rzs_emulator.conftest import HELD_BY_Y, Y_NIP, event

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless

DEV = {"unique_no": "ZBF2000000001", "factory_no": "PO200000001"}


def test_scripted_sequence(emulator):
    send = emulator.lines

    # a new device: the device, its taxpayer, its location and the inspection are added
    assert send([event("T1-O1-P1", **DEV)]) == [
        "OK", "T1-O1-P1: +Kasa +Podatnik +Lokalizacja +PU",
        "Dodano kontrahentów: 1", "Dodano lokalizacji: 1", "Dodano przeglądów: 1",
    ]
    # the same id again (a resend): nothing added, no summary
    assert send([event("T1-O1-P1", **DEV)]) == ["OK", "T1-O1-P1: Kasa PU"]
    # a new id for the same device, kind and date: the same event
    assert send([event("T1-O2-P1", **DEV)]) == ["OK", "T1-O2-P1: Kasa PU"]
    # a resend is recognised by id even when its data changed since
    assert send([event("T1-O1-P1", performed_on="2026-12-01", nip="6770065406", **DEV)]) == [
        "OK", "T1-O1-P1: Kasa PU"]

    # another date, a new location of the same taxpayer: +Lokalizacja, then +uEL
    assert send([event("T1-O3-P1", performed_on="2026-11-21", street="ul. Krótka 5",
                       **DEV)]) == [
        "OK", "T1-O3-P1: Kasa +Lokalizacja +uEL +PU",
        "Dodano lokalizacji: 1", "Dodano przeglądów: 1",
    ]
    # back to the first address, written with other case and spaces: a known location,
    # but the device was registered at another one
    assert send([event("T1-O4-F1", kind="F", street="  UL.   długa 1 ", postal_code="90-001",
                       city="ŁÓDŹ", **DEV)]) == [
        "OK", "T1-O4-F1: Kasa +uEL +F", "Dodano fiskalizacji: 1",
    ]
    # the same location again: no location token at all
    assert send([event("T1-O5-L1", kind="L", **DEV)]) == [
        "OK", "T1-O5-L1: Kasa +L", "Dodano likwidacji: 1",
    ]
    # a taxpayer NIP new to the registry: +Podatnik, then +uEP (the device had another);
    # the new taxpayer has no location yet: +Lokalizacja, and the device moves: +uEL
    assert send([event("T1-O6-P1", performed_on="2026-11-22", nip="6770065406",
                       name="Apteka Pod Lipami", **DEV)]) == [
        "OK", "T1-O6-P1: Kasa +Podatnik +uEP +Lokalizacja +uEL +PU",
        "Dodano kontrahentów: 1", "Dodano lokalizacji: 1", "Dodano przeglądów: 1",
    ]
    # back to the first taxpayer (known) at its known location: only the updates
    assert send([event("T1-O7-P1", performed_on="2026-11-23", **DEV)]) == [
        "OK", "T1-O7-P1: Kasa +uEP +uEL +PU", "Dodano przeglądów: 1",
    ]
    # a known NIP with a new name: updated silently
    assert send([event("T1-O8-P1", performed_on="2026-11-24", name="Piekarnia Nowa", **DEV)]) \
        == ["OK", "T1-O8-P1: Kasa +PU", "Dodano przeglądów: 1"]
    page = emulator.get("/posnet/?show=taxpayers").text
    assert "Piekarnia Nowa" in page and "Piekarnia Kowalczyk" not in page

    # the unique number's prefix is not this producer's
    assert send([event("T1-O9-P1", unique_no="BCD2000000001", factory_no="PO200000009")]) == [
        "OK", "T1-O9-P1: Błąd: Nieznany prefix"]
    # pairing, both ways: a known unique number with another factory number ...
    assert send([event("T1-O10-P1", unique_no=DEV["unique_no"], factory_no="PO299999999")]) \
        == ["OK", "T1-O10-P1: Błąd: Niezgodny nr unikatowy z nr fabrycznym"]
    # ... and a known factory number with another unique number
    assert send([event("T1-O11-P1", unique_no="ZBF2999999999", factory_no=DEV["factory_no"])]) \
        == ["OK", "T1-O11-P1: Błąd: Niezgodny nr unikatowy z nr fabrycznym"]
    # a device another service company holds (from the configuration)
    held = {"unique_no": HELD_BY_Y[0], "factory_no": HELD_BY_Y[1]}
    assert send([event("T1-O12-P1", **held)]) == [
        "OK", "T1-O12-P1: Błąd: Brak uprawnień do KASY (INNY SERWIS)"]
    # a seal the producer does not know for this company (P-9000 is Y's seal)
    assert send([event("T1-O13-P1", seal_no="P-7777", unique_no="ZBF2000000002",
                       factory_no="PO200000002")]) == [
        "OK", "T1-O13-P1: Nieznany serwisant, nr plomby (P-7777)"]
    assert send([event("T1-O14-P1", seal_no="P-9000", **DEV)]) == [
        "OK", "T1-O14-P1: Nieznany serwisant, nr plomby (P-9000)"]
    # nothing of a rejected event was stored: the device of T1-O13 is still new
    assert send([event("T1-O15-P1", unique_no="ZBF2000000002", factory_no="PO200000002")]) \
        == ["OK", "T1-O15-P1: +Kasa +PU", "Dodano przeglądów: 1"]

    # repairs: two on one day with different ids are both added; a resend by id is not
    assert send([event("T1-O16-N", kind="N", **DEV)]) == [
        "OK", "T1-O16-N: Kasa +N", "Dodano napraw: 1"]
    assert send([event("T1-O17-N", kind="N", **DEV)]) == [
        "OK", "T1-O17-N: Kasa +N", "Dodano napraw: 1"]
    assert send([event("T1-O17-N", kind="N", **DEV)]) == ["OK", "T1-O17-N: Kasa N"]

    # the other company, holding its device, is served normally; its ids are its own; the
    # taxpayer and the location are the producer's registry's, known already
    assert emulator.lines([event("T1-O1-P1", seal_no="P-9000", **held)], service_nip=Y_NIP) \
        == ["OK", "T1-O1-P1: Kasa +PU", "Dodano przeglądów: 1"]

    stored = emulator.stored("posnet")
    assert sorted(e["id"] for e in stored) == sorted([
        "T1-O1-P1", "T1-O3-P1", "T1-O4-F1", "T1-O5-L1", "T1-O6-P1", "T1-O7-P1", "T1-O8-P1",
        "T1-O15-P1", "T1-O16-N", "T1-O17-N", "T1-O1-P1"])


def test_check_order(emulator):
    """The first failing check decides."""
    held = {"unique_no": HELD_BY_Y[0], "factory_no": HELD_BY_Y[1]}
    lines = emulator.lines([
        # foreign prefix and unknown seal: the prefix
        event("a", unique_no="BDE0000000001", seal_no="P-7777"),
        # held by another company, paired otherwise, unknown seal: the pairing
        event("b", unique_no=held["unique_no"], factory_no="PO1", seal_no="P-7777"),
        # held by another company and an unknown seal: the holder
        event("c", seal_no="P-7777", **held),
        # the checks come before the same-event rule
        event("d", unique_no="ZBF3000000001", factory_no="PO300000001"),
        event("d2", unique_no="ZBF3000000001", factory_no="PO300000001", seal_no="P-7777"),
    ])
    assert lines == [
        "OK",
        "a: Błąd: Nieznany prefix",
        "b: Błąd: Niezgodny nr unikatowy z nr fabrycznym",
        "c: Błąd: Brak uprawnień do KASY (INNY SERWIS)",
        "d: +Kasa +Podatnik +Lokalizacja +PU",
        "d2: Nieznany serwisant, nr plomby (P-7777)",
        "Dodano kontrahentów: 1", "Dodano lokalizacji: 1", "Dodano przeglądów: 1",
    ]


def test_seals_are_per_producer(emulator):
    # P-1235 is X's seal on posnet, not on novitus
    dev = {"unique_no": "BCD0000000001", "factory_no": "NOV00000001"}
    assert emulator.lines([event("a", seal_no="P-1235", **dev)], producer="novitus") == [
        "OK", "a: Nieznany serwisant, nr plomby (P-1235)"]
    assert emulator.lines([event("a", seal_no="P-1234", **dev)], producer="novitus")[1] == \
        "a: +Kasa +Podatnik +Lokalizacja +PU"
    # the registries are separate: posnet has never seen this taxpayer
    assert emulator.lines([event("a", **DEV)])[1] == "a: +Kasa +Podatnik +Lokalizacja +PU"


def test_later_event_sees_earlier_one_in_the_same_request(emulator):
    other = {"unique_no": "ZBF2000000005", "factory_no": "PO200000005"}
    lines = emulator.lines([
        event("a", **DEV),                                  # new device
        event("b", kind="F", **DEV),                        # sees the device
        event("c", **DEV),                                  # same device, kind and date as a
        event("d", unique_no=DEV["unique_no"], factory_no="PO200000099"),  # pairing
        event("e", nip="6770065406", performed_on="2026-11-21", **DEV),    # new taxpayer
        event("f", nip="6770065406", **other),              # taxpayer and location known now
        event("g", kind="N", **other),                      # another taxpayer's location
        event("h", kind="N", **other),                      # a second repair the same day
    ])
    assert lines == [
        "OK",
        "a: +Kasa +Podatnik +Lokalizacja +PU",
        "b: Kasa +F",
        "c: Kasa PU",
        "d: Błąd: Niezgodny nr unikatowy z nr fabrycznym",
        "e: Kasa +Podatnik +uEP +Lokalizacja +uEL +PU",
        "f: +Kasa +PU",
        "g: Kasa +uEP +uEL +N",
        "h: Kasa +N",
        "Dodano kontrahentów: 2",
        "Dodano lokalizacji: 2",
        "Dodano przeglądów: 3",
        "Dodano fiskalizacji: 1",
        "Dodano napraw: 2",
    ]


def test_summary_order_and_zeros(emulator):
    devs = [{"unique_no": f"ZBF40000000{i:02d}", "factory_no": f"PO4000000{i:02d}"}
            for i in range(6)]
    # only repairs: only "Dodano napraw" after the taxpayer and location lines
    assert emulator.lines([event("n1", kind="N", **devs[0])])[-3:] == [
        "Dodano kontrahentów: 1", "Dodano lokalizacji: 1", "Dodano napraw: 1"]
    # everything at once, in the summary's fixed order whatever the order of the events
    lines = emulator.lines([
        event("n2", kind="N", **devs[0]),
        event("l1", kind="L", **devs[1]),
        event("f1", kind="F", street="ul. Inna 3", **devs[2]),
        event("f2", kind="F", nip="6770065406", **devs[3]),
        event("p1", **devs[4]),
        event("bad", seal_no="P-0000", **devs[5]),
    ])
    assert lines[-6:] == [
        "Dodano kontrahentów: 1",
        "Dodano lokalizacji: 2",
        "Dodano przeglądów: 1",
        "Dodano fiskalizacji: 2",
        "Dodano likwidacji: 1",
        "Dodano napraw: 1",
    ]
    # only rejections and resends: no summary line at all
    assert emulator.lines([event("p1", **devs[4]), event("bad", seal_no="P-0000", **devs[5])]) \
        == ["OK", "p1: Kasa PU", "bad: Nieznany serwisant, nr plomby (P-0000)"]


def test_config_device_gets_its_taxpayer_without_updates(emulator):
    """A device listed in the configuration is registered without a taxpayer or location: its
    holder's first event adds them without +uEP or +uEL."""
    held = {"unique_no": HELD_BY_Y[0], "factory_no": HELD_BY_Y[1]}
    assert emulator.lines([event("y1", seal_no="P-9000", **held)], service_nip=Y_NIP)[1] == \
        "y1: Kasa +Podatnik +Lokalizacja +PU"


def test_concurrent_resends_store_each_event_once(emulator):
    events = [event(f"c{i}", unique_no=f"ZBF50000000{i:02d}", factory_no=f"PO5000000{i:02d}")
              for i in range(40)]
    replies: list[str] = []

    def send():
        replies.append(emulator.send(events).text)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(replies) == 6
    added = [line for reply in replies for line in reply.split("\n") if line.endswith("+PU")]
    assert len(added) == 40
    assert sum("Dodano przeglądów: 40" in reply for reply in replies) == 1
    assert len(emulator.stored()) == 40
