"""Reply text -> outcomes: every token of the seed, errors, unknown tokens, malformed replies."""

import pytest

from app.rzs.responses import (
    DELIVERED,
    REJECTED,
    TOKEN_MEANINGS,
    UNKNOWN,
    meaning_of,
    parse_events_reply,
    split_tokens,
)

SPEC_EXAMPLE = """OK
T17-O4711-P1: +Kasa +Podatnik +Lokalizacja +PU
T17-O4712-P1: Kasa +uEL +N
T17-O4713-P1: Błąd: Brak uprawnień do KASY (INNY SERWIS)
Dodano kontrahentów: 1
Dodano lokalizacji: 1
Dodano przeglądów: 1
Dodano napraw: 1
"""


def test_the_example_of_the_spec():
    reply = parse_events_reply(SPEC_EXAMPLE, ["T17-O4711-P1", "T17-O4712-P1", "T17-O4713-P1"])
    a, b, c = (reply.outcomes[i] for i in ("T17-O4711-P1", "T17-O4712-P1", "T17-O4713-P1"))
    assert (a.status, a.tokens, a.added) == (DELIVERED, ["+Kasa", "+Podatnik", "+Lokalizacja",
                                                         "+PU"], True)
    assert (b.status, b.tokens) == (DELIVERED, ["Kasa", "+uEL", "+N"])
    assert (c.status, c.tokens) == (REJECTED, ["Błąd: Brak uprawnień do KASY (INNY SERWIS)"])
    assert "inny serwis" in c.meaning
    assert reply.counters == {"kontrahentów": 1, "lokalizacji": 1, "przeglądów": 1, "napraw": 1}
    assert "+PU: dodano przegląd ustawowy do ewidencji" in a.meaning


@pytest.mark.parametrize("kind", ["PU", "F", "L", "N"])
def test_added_and_already_there_both_count_as_delivered(kind):
    added = parse_events_reply(f"OK\ne1: +Kasa +{kind}\n", ["e1"]).outcomes["e1"]
    again = parse_events_reply(f"OK\ne1: Kasa {kind}\n", ["e1"]).outcomes["e1"]
    assert added.status == again.status == DELIVERED
    assert added.added and not again.added
    assert "nie dodano" in again.meaning


@pytest.mark.parametrize("error", [
    "Błąd: Nieznany prefix",
    "Błąd: Niezgodny nr unikatowy z nr fabrycznym",
    "Błąd: Brak uprawnień do KASY (INNY SERWIS)",
    "Nieznany serwisant, nr plomby (P-1234)",
])
def test_every_rejection(error):
    outcome = parse_events_reply(f"OK\nx-1: {error}\n", ["x-1"]).outcomes["x-1"]
    assert outcome.status == REJECTED
    assert outcome.tokens == [error]
    assert outcome.meaning.startswith(error + ": ")
    assert "nieznana odpowiedź" not in outcome.meaning


def test_every_token_of_the_seed_has_its_meaning():
    for token in ["OK", "+Kasa", "Kasa", "+uEP", "+Podatnik", "+Lokalizacja", "+uEL", "+PU",
                  "PU", "+F", "F", "+L", "L", "+N", "N"]:
        assert token in TOKEN_MEANINGS
    assert "P-9" in meaning_of("Nieznany serwisant, nr plomby (P-9)")


def test_unknown_token_is_kept_verbatim_and_makes_the_event_unknown():
    reply = parse_events_reply("OK\ne1: +Kasa +XYZ +PU\ne2: Ostrzeżenie: coś nowego\n",
                               ["e1", "e2"])
    assert reply.outcomes["e1"].status == UNKNOWN
    assert "+XYZ: nieznana odpowiedź rejestru" in reply.outcomes["e1"].meaning
    assert reply.outcomes["e2"].status == UNKNOWN
    assert reply.outcomes["e2"].line == "e2: Ostrzeżenie: coś nowego"


def test_event_missing_from_the_reply_is_unknown():
    reply = parse_events_reply("OK\ne1: +Kasa +PU\nDodano przeglądów: 1\n", ["e1", "e2"])
    assert reply.outcomes["e1"].status == DELIVERED
    assert reply.outcomes["e2"].status == UNKNOWN
    assert "nie odpowiedział" in reply.outcomes["e2"].meaning


@pytest.mark.parametrize("text", ["", "<html>Bad gateway</html>", "Błąd: coś", "ok\ne1: +PU"])
def test_malformed_reply_never_raises(text):
    reply = parse_events_reply(text, ["e1"])
    assert reply.outcomes["e1"].status == UNKNOWN
    assert reply.malformed == text


def test_crlf_and_zero_counters_and_foreign_ids():
    reply = parse_events_reply("OK\r\ne1: +Kasa +F\r\nzzz: +PU\r\nDodano fiskalizacji: 1\r\n",
                               ["e1"])
    assert reply.outcomes["e1"].status == DELIVERED
    assert set(reply.outcomes) == {"e1"}
    assert reply.counters == {"fiskalizacji": 1}


def test_two_event_tokens_on_one_line_is_not_understood():
    assert parse_events_reply("OK\ne1: +PU +N\n", ["e1"]).outcomes["e1"].status == UNKNOWN


def test_split_tokens():
    assert split_tokens("Kasa +uEP +PU") == ["Kasa", "+uEP", "+PU"]
    assert split_tokens("Błąd: Nieznany prefix") == ["Błąd: Nieznany prefix"]


def test_retry_after_seconds_or_http_date():
    from datetime import UTC, datetime

    from app.rzs.responses import retry_after_seconds

    now = datetime(2026, 11, 20, 9, 15, 0, tzinfo=UTC)
    assert retry_after_seconds("7", None, now) == 7.0
    assert retry_after_seconds("Fri, 20 Nov 2026 09:15:30 GMT", None, now) == 30.0
    # Measured from the reply's Date header when there is one, not from our clock.
    assert retry_after_seconds("Fri, 20 Nov 2026 09:15:30 GMT",
                               "Fri, 20 Nov 2026 09:15:20 GMT", now) == 10.0
    assert retry_after_seconds("Fri, 20 Nov 2026 09:14:00 GMT", None, now) == 0.0
    assert retry_after_seconds("soon", None, now) is None
    assert retry_after_seconds("", None, now) is None


def test_a_422_names_one_event_and_its_field():
    from app.rzs.responses import invalid_event_index, invalid_field

    body = "Błąd: Nieprawidłowe dane: events[3].taxpayer.nip\n"
    assert invalid_event_index(body) == 3 and invalid_field(body) == "taxpayer.nip"
    assert invalid_event_index("Błąd: Nieprawidłowe dane: events") is None
    assert invalid_field("Błąd: Nieprawidłowe dane: events[0]") is None
