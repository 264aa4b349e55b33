"""Search by any number and without Polish letters (issue 15), on both databases."""

import pytest

from app import tenancy
from app.extensions import db
from app.models import Party
from app.textfold import fold
from tests import factories


@pytest.mark.parametrize(("typed", "folded"), [
    ("Łęczyca", "leczyca"), ("ŻÓŁW", "zolw"), ("źdźbło ąćęńś", "zdzblo acens"),
    ("Straße Øre", "strasse ore"), ("ZBF 1801", "zbf 1801"), ("", ""),
])
def test_fold(typed, folded):
    assert fold(typed) == folded


@pytest.fixture
def leczyca(app, tenant_a, tenant_b):
    """A client in Łęczyca with Alfa's device, and another tenant's client of the same name."""
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        beta = factories.populate(tenant_b, "Beta")
        with tenancy.use_tenant(tenant_a.id):
            party = db.session.get(Party, ids["client_id"])
            party.name, party.city = "Żabka Łęczycka", "Łęczyca"
            db.session.commit()
            assert party.name_key == "zabka leczycka"
        with tenancy.use_tenant(tenant_b.id):
            party = db.session.get(Party, beta["client_id"])
            party.name, party.city = "Żabka Łęczycka Beta", "Łęczyca"
            db.session.commit()
    return ids


def _options(client, q: str) -> str:
    return client.get("/klienci/opcje", query_string={"q": q}).get_data(as_text=True)


@pytest.mark.parametrize("q", ["leczyca", "LĘCZYCA", "łęczyc", "zabka", "ŻABKA Łęcz", "Łęczyca"])
def test_clients_found_without_polish_letters(client, login, tenant_a, leczyca, q):
    login(tenant_a.owner_email)
    listed = client.get("/klienci", query_string={"q": q}).get_data(as_text=True)
    assert "Żabka Łęczycka" in listed and "Beta" not in listed
    options = _options(client, q)
    assert f'<option value="{leczyca["client_id"]}"' in options and "Beta" not in options


def test_city_is_a_prefix_not_a_fragment(client, login, tenant_a, leczyca):
    login(tenant_a.owner_email)
    assert "Brak klientów" in _options(client, "czyca")  # the city starts with what is typed


@pytest.mark.parametrize("q", ["1801007", "zbf 1801 007", "ZBF1801007587", "808131", "po808"])
def test_client_picker_finds_by_device_number(client, login, tenant_a, leczyca, q):
    """The new order's client picker: a unique or factory number fragment of a client's device
    (another tenant's device with the same numbers finds nothing of it)."""
    login(tenant_a.owner_email)
    options = _options(client, q)
    assert f'<option value="{leczyca["client_id"]}"' in options and "Beta" not in options
    assert "Żabka" in client.get("/klienci", query_string={"q": q}).get_data(as_text=True)


def test_a_word_is_not_searched_as_a_number(client, login, tenant_a, leczyca):
    login(tenant_a.owner_email)
    assert "Brak klientów" in _options(client, "zbf")  # letters only: not a number fragment
    assert "Brak klientów" in _options(client, "18")  # under three characters
