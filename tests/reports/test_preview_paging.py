"""Podgląd's keyset pages (issue 17): forward and back, every row exactly once and in the
report's order, ties on (producer, factory no., date) included; the counts are made once, on the
first page, and carried. On both databases."""

import html
import re

import pytest

from app import tenancy
from app.extensions import db
from app.models import Device
from app.reports import queries
from app.reports.params import ReportParams
from tests.reports.conftest import FROM, TO, Builder

ROW = re.compile(r'<tr><td class="num">(\d+)</td>(.*?)</tr>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>(« Poprzednia|Następna »)</a>')


@pytest.fixture
def many(app, report_data, tenant_a):
    """Seven more service-book items of one device on one day: ties broken only by the id."""
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        b = Builder()
        b.seq = 100  # past the numbers of the conftest's orders
        device = db.session.query(Device).filter_by(factory_no="PO0000000001").one()
        b.order(device, [(TO, f"Seryjna {n}") for n in range(7)], status="settled")
        db.session.commit()
        db.session.remove()
    return report_data


def _walk(client, first_url: str, label: str) -> list[list[tuple[int, str]]]:
    pages, url = [], first_url
    while url:
        body = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        pages.append([(int(n), re.sub(r"<[^>]+>", "|", cells)) for n, cells in ROW.findall(body)])
        links = {text: html.unescape(href) for href, text in LINK.findall(body)}
        url = links.get(label)
    return pages


@pytest.mark.parametrize("kind", ["services", "devices"])
@pytest.mark.parametrize("by_producer", [False, True])
def test_pages_forward_and_back_hold_every_row_once(app, client, login, tenant_a, many,
                                                    monkeypatch, kind, by_producer):
    from app.reports import routes

    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        expected = [r.cells for r in queries.rows(ReportParams(kind, FROM, TO, None))]
        db.session.remove()
    assert len(expected) >= 3
    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    login(tenant_a.owner_email)
    query = f"kind={kind}&date_from={FROM.isoformat()}&date_to={TO.isoformat()}&producer_id="
    if by_producer:
        query += "&by_producer=y"
    forward = _walk(client, f"/raporty/podglad?{query}", "Następna »")
    assert len(forward) == -(-len(expected) // 2) and all(len(p) == 2 for p in forward[:-1])
    numbers = [n for page in forward for n, _ in page]
    assert numbers == list(range(1, len(expected) + 1))  # none lost, none repeated, in order
    texts = [t for page in forward for _, t in page]
    assert len(set(texts)) == len(texts) == len(expected)
    for row, text in zip(expected, texts, strict=True):
        assert str(row[1]) in text  # the unique number, in the report's order
    # Back from the last page by "Poprzednia": the same pages in reverse.
    last = client.get(f"/raporty/podglad?{query}", headers={"HX-Request": "true"})
    url = f"/raporty/podglad?{query}"
    for _ in forward[:-1]:
        body = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        url = html.unescape(dict((t, h) for h, t in LINK.findall(body))["Następna »"])
    backward = _walk(client, url, "« Poprzednia")
    assert backward == forward[::-1] and last.status_code == 200


def test_counts_made_once_and_carried(client, login, tenant_a, many, monkeypatch):
    from app.reports import routes

    monkeypatch.setattr(routes, "PAGE_SIZE", 2)
    calls = []
    for name in ("first_page", "counts_by_producer", "count"):
        original = getattr(queries, name)
        monkeypatch.setattr(queries, name, lambda *a, _f=original, _n=name, **kw:
                            calls.append(_n) or _f(*a, **kw))
    login(tenant_a.owner_email)
    query = f"kind=services&date_from={FROM.isoformat()}&date_to={TO.isoformat()}&by_producer=y"
    pages = _walk(client, f"/raporty/podglad?{query}", "Następna »")
    assert len(pages) == 6 and calls == ["first_page"]  # the counts: on the first page only
    body = client.get(f"/raporty/podglad?{query}").get_data(as_text=True)
    assert "Pozycji: 11" in body and "Producent: Posnet Polska – 10 poz." in body


@pytest.mark.parametrize("cursor", ["garbage", "WzEsMl0", "W1s5OTk5OTk5OTk5OTldXQ"])
def test_a_cursor_not_ours_gives_the_first_page(client, login, tenant_a, many, cursor):
    login(tenant_a.owner_email)
    query = f"kind=services&date_from={FROM.isoformat()}&date_to={TO.isoformat()}"
    body = client.get(f"/raporty/podglad?{query}&c={cursor}").get_data(as_text=True)
    assert "Pozycji: 11" in body and '<td class="num">1</td>' in body
