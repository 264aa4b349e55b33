"""`%` and `_` typed in a search box are characters to find, not LIKE wildcards (issue 11,
item 14): every search box goes through app/search.py, on SQLite and on PostgreSQL."""

from decimal import Decimal
from urllib.parse import quote

import pytest

from app import tenancy
from app.extensions import db
from app.models import Party, Service, Technician

# No business date in here: the 2027 clock pass skips it (tests/conftest.py).
pytestmark = pytest.mark.timeless


def _seed(app, tenant):
    with app.app_context(), tenancy.use_tenant(tenant.id):
        db.session.add_all([
            Service(name="Rabat 100%", price=Decimal("1.00")),
            Service(name="Rabat 1000 zł", price=Decimal("1.00")),
            Technician(name="Jan_Nowak", identifier="T1", seal_no="S1"),
            Technician(name="JanXNowak", identifier="T2", seal_no="S2"),
            Party(name="Sklep 50%", name_key="sklep 50%", city="Nowy_Targ"),
            Party(name="Sklep 500", name_key="sklep 500", city="NowyXTarg"),
        ])
        db.session.commit()


def _list(client, path, q):
    return client.get(f"{path}?q={quote(q)}").get_data(as_text=True)


def test_percent_and_underscore_match_only_themselves(app, client, tenant_a, login):
    _seed(app, tenant_a)
    login(tenant_a.owner_email)
    services = _list(client, "/uslugi", "0%")
    assert "Rabat 100%" in services and "Rabat 1000 zł" not in services
    technicians = _list(client, "/serwisanci", "n_N")
    assert "Jan_Nowak" in technicians and "JanXNowak" not in technicians
    by_name = _list(client, "/klienci", "0%")
    assert "Sklep 50%" in by_name and "Sklep 500" not in by_name
    by_city = _list(client, "/klienci", "Nowy_")
    assert "Nowy_Targ" in by_city and "NowyXTarg" not in by_city
    everything = _list(client, "/uslugi", "%")
    assert "Rabat 100%" in everything and "Rabat 1000 zł" not in everything
