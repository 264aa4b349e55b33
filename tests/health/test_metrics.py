"""/metrics (issue 18): operators and the scraper's token only; the status page's figures as
gauges computed at scrape time, and request latency per url rule."""

import re

import pytest
from sqlalchemy import select

from app import heartbeats, tenancy
from app.extensions import db
from app.models import Transmission
from tests import factories
from tests.platform.operators import sign_in_operator
from workers import RZS, queue, redis_connection

TOKEN = "scraper-token-7f3a"


def _value(text: str, series: str) -> float:
    """The value of one exposed series, e.g. 'plomba_redis_up' or 'name{label="x"}'."""
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.MULTILINE)
    assert match, f"{series} not in:\n{text}"
    return float(match.group(1))


@pytest.mark.parametrize("who", ["anonymous", "tenant user", "wrong token", "no token set"])
def test_metrics_are_not_found_by_others(app, client, tenant_a, login, monkeypatch, who):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", None if who == "no token set" else TOKEN)
    headers = {}
    if who == "tenant user":
        login(tenant_a.owner_email)
    elif who == "wrong token":
        headers = {"Authorization": "Bearer not-the-token"}
    elif who == "no token set":
        headers = {"Authorization": "Bearer "}
    assert client.get("/metrics", headers=headers).status_code == 404


def test_an_operator_reads_the_gauges_and_the_latency(app, client, tenant_a, redis_client):
    redis_client.flushdb()
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
        heartbeats.beat(heartbeats.RZS_SWEEP, {"rescued": 0, "enqueued": 1})
        with tenancy.use_tenant(tenant_a.id):
            row = db.session.scalars(select(Transmission)).one()
            db.session.add(Transmission(order_id=row.order_id, producer_id=row.producer_id,
                                        event_id="T-rejected", kind="PU", status="rejected"))
            db.session.commit()
        queue(RZS, redis_connection()).enqueue("builtins.len", "abc")
    sign_in_operator(app, client)
    assert client.get("/platform").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = response.get_data(as_text=True)
    assert _value(text, "plomba_redis_up") == 1
    assert _value(text, 'plomba_queue_jobs{queue="rzs",state="queued"}') == 1
    assert _value(text, 'plomba_queue_jobs{queue="mail",state="queued"}') == 0
    assert _value(text, "plomba_workers") == 0
    assert 0 <= _value(text, "plomba_last_sweep_age_seconds") < 60
    assert _value(text, "plomba_oldest_pending_transmission_age_seconds") >= 0
    tid = tenant_a.id
    assert _value(text, f'plomba_transmissions{{status="pending",tenant_id="{tid}"}}') == 1
    assert _value(text, f'plomba_transmissions{{status="rejected",tenant_id="{tid}"}}') == 1
    assert _value(text, 'plomba_failed_jobs_last_day{source="job_row"}') == 0
    # Latency per url rule: the console's page once (the sign-in POST is its own series).
    assert _value(text, 'plomba_request_seconds_count{endpoint="/platform",method="GET",'
                        'status="2xx"}') >= 1
    # A tenant's page by its rule, not by its path: one series whatever the id.
    assert client.post(f"/platform/firmy/{tid}/zawies",
                       data={"resume": "1"}).status_code == 303
    text = client.get("/metrics").get_data(as_text=True)
    assert 'endpoint="/platform/firmy/<int:tenant_id>/zawies"' in text
    assert f'/platform/firmy/{tid}/' not in text


def test_a_scraper_with_the_token_reads_them_and_redis_down_is_a_gauge(app, client, tenant_a,
                                                                        monkeypatch):
    with app.app_context():
        factories.populate(tenant_a, "Alfa")
    monkeypatch.setitem(app.config, "METRICS_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert _value(text, "plomba_redis_up") == 0
    assert "plomba_queue_jobs" not in text  # unknown, not zero
    assert _value(text, f'plomba_transmissions{{status="pending",tenant_id="{tenant_a.id}"}}') \
        == 1
