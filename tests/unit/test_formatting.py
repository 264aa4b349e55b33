"""How values read on Polish screens: plural forms, sentence ends, payload dates, audit codes."""

import pytest

from app.formatting import audit_action, iso_pl, plural, sentence


@pytest.mark.parametrize("n, word", [(0, "zdarzeń"), (1, "zdarzenie"), (2, "zdarzenia"),
                                     (4, "zdarzenia"), (5, "zdarzeń"), (12, "zdarzeń"),
                                     (22, "zdarzenia"), (114, "zdarzeń"), (1002, "zdarzenia")])
def test_plural_forms(n, word):
    assert plural(n, "zdarzenie", "zdarzenia", "zdarzeń") == word


def test_a_name_ending_in_a_full_stop_ends_the_sentence():
    assert sentence("Alfa Sp. z o.o.") == "Alfa Sp. z o.o."
    assert sentence("Jan Kowalski") == "Jan Kowalski."


def test_payload_dates_read_as_polish_dates():
    assert iso_pl("2026-11-16") == "16.11.2026"
    assert iso_pl("2026-11-16T09:30:00+00:00") == "16.11.2026 10:30"
    assert iso_pl("") == "" and iso_pl(None) == ""
    assert iso_pl("wkrótce") == "wkrótce"


def test_audit_codes_read_as_words():
    assert audit_action("order.close") == "Zlecenie: zamknięto"
    assert audit_action("client.created") == "Klient: dodano"
    assert audit_action("something.new") == "something.new"
