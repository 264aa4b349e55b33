"""The one query per kind: which rows, in which order, for which tenant."""

from datetime import date

from app.reports import queries
from app.reports.params import ReportParams
from tests.reports.conftest import FROM, TO


def _rows(kind, producer_id=None, date_from=FROM, date_to=TO):
    return list(queries.rows(ReportParams(kind, date_from, date_to, producer_id)))


def test_services_are_flagged_closed_or_settled_items_in_the_range(report_data, in_tenant_a):
    rows = _rows("services")
    assert [r.cells for r in rows] == [
        ("EL0000000001", "ELZ0000000001", date(2026, 3, 10), "Fiskalizacja"),
        ("PO0000000001", "ZBF0000000001", date(2026, 3, 15), "Naprawa głowicy"),
        ("PO0000000002", "ZBF0000000002", FROM, "Przegląd okresowy – wpis"),
        ("PO0000000002", "ZBF0000000002", TO, "Wymiana plomby"),
    ]
    assert [r.producer_name for r in rows] == ["Elzab", "Posnet Polska", "Posnet Polska",
                                               "Posnet Polska"]


def test_range_edges(report_data, in_tenant_a):
    names = {r.cells[3] for r in _rows("services", date_from=date(2026, 2, 28),
                                       date_to=date(2026, 4, 1))}
    assert {"Dzień przed", "Dzień po"} <= names
    names = {r.cells[3] for r in _rows("services", date_from=TO, date_to=TO)}
    assert names == {"Wymiana plomby"}
    names = {r.cells[3] for r in _rows("services", date_from=FROM, date_to=FROM)}
    assert names == {"Przegląd okresowy – wpis"}


def test_unflagged_open_and_cancelled_orders_are_not_services(report_data, in_tenant_a):
    names = {r.cells[3] for r in _rows("services")}
    assert not names & {"Usługa bez wpisu", "Otwarte zlecenie", "Anulowana usługa"}


def test_devices_serviced_in_range_with_site_or_taxpayer_address(report_data, in_tenant_a):
    rows = _rows("devices")
    assert [r.cells for r in rows] == [
        ("EL0000000001", "ELZ0000000001", "7010002139", "Żabka Łódź Spółka",
         "Piotrkowska 1, 90-001 Łódź"),
        ("PO0000000001", "ZBF0000000001", "5260250274", "Kwiaciarnia Róża",
         "Polna 5, 00-950 Warszawa"),
        ("PO0000000002", "ZBF0000000002", "7010002139", "Żabka Łódź Spółka",
         "Świętokrzyska 12, 00-916 Gdańsk"),
    ]


def test_producer_filter_and_counts(report_data, in_tenant_a):
    rows = _rows("services", producer_id=report_data.elzab)
    assert [r.cells[3] for r in rows] == ["Fiskalizacja"]
    params = ReportParams("services", FROM, TO, None, True)
    assert queries.count(params) == 4
    assert queries.counts_by_producer(params) == {report_data.elzab: 1, report_data.posnet: 3}
    assert queries.count(ReportParams("devices", FROM, TO)) == 3


def test_other_tenants_items_never_appear(report_data, in_tenant_a):
    for kind in ("services", "devices"):
        assert all("BETA" not in r.cells[0] for r in _rows(kind))
        assert not _rows(kind, producer_id=report_data.other_tenant_producer)


def test_params_round_trip():
    params = ReportParams("devices", FROM, TO, 7, True)
    assert ReportParams.from_dict(params.to_dict()) == params
    assert ReportParams.from_dict({"kind": "services", "date_from": "2026-01-01",
                                   "date_to": "2026-01-02"}).producer_id is None


def test_counts_through_the_order_window_are_the_counts_without_it(report_data, in_tenant_a,
                                                                  monkeypatch):
    # A month is read through the window of its items' order ids; the same counts without it.
    for kind in ("services", "devices"):
        params = ReportParams(kind, FROM, TO)
        assert queries._order_window(params) is not None
        windowed = queries.counts_by_producer(params)
        monkeypatch.setattr(queries, "WINDOW_DAYS", -1)
        assert queries._order_window(params) is None
        assert queries.counts_by_producer(params) == windowed
        assert sum(windowed.values()) == len(_rows(kind))
        monkeypatch.undo()
