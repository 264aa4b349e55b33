"""Logs as one JSON line per event (issue 18): an order can be followed from its close to the
registry's reply by its number, with the tenant and the rq job on each line."""

import json
import logging

import pytest

from app import logs, tenancy
from workers.jobs import order_job_id


def _lines(caplog, message: str) -> list[dict]:
    formatter = logs.JsonFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.getMessage() == message]


def test_an_orders_send_logs_tenant_job_and_order_number(rzs, caplog):
    caplog.set_level(logging.INFO)
    order_id = rzs.closed_order()
    rzs.work()
    with rzs.ctx():
        from app.extensions import db
        from app.models import Order

        number = db.session.get(Order, order_id).number
    [closed] = _lines(caplog, "RZS events of the order in the outbox")
    assert closed["tenant"] == rzs.tenant.id and closed["order"] == number
    assert closed["events"] == 1 and "job" not in closed  # the close is no job
    [sent] = _lines(caplog, "RZS send of the order done")
    assert sent["tenant"] == rzs.tenant.id
    assert sent["job"] == order_job_id(rzs.tenant.id, order_id)
    assert sent["order"] == number and sent["order_id"] == order_id
    assert sent["result"]["delivered"] == 1
    assert sent["level"] == "INFO" and sent["logger"] == "workers.rzs"
    # Every line the job wrote while sending carries the order (the registry's reply included).
    during = [r for r in caplog.records if logs.context_of(r).get("job") == sent["job"]]
    assert during and all(logs.context_of(r).get("order") == number for r in during
                          if r.name.startswith(("app.", "workers.")))


def test_a_line_is_one_json_object_with_the_bound_fields_and_the_exception():
    record_holder = []

    class Keep(logging.Handler):
        def emit(self, record):
            record_holder.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logs.JsonFormatter())
    log = logging.getLogger("tests.logs")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        with tenancy.use_tenant(7), logs.bind(order="ZL/2026/000042"):
            try:
                raise ValueError("zły\nwiersz")
            except ValueError:
                log.exception("nie wysłano %s", "zdarzenia")
        log.info("poza zleceniem")
    finally:
        log.removeHandler(handler)
    first, second = record_holder
    assert "\n" not in first
    line = json.loads(first)
    assert line["message"] == "nie wysłano zdarzenia" and line["level"] == "ERROR"
    assert line["tenant"] == 7 and line["order"] == "ZL/2026/000042"
    assert "ValueError: zły" in line["exception"]
    assert line["time"].endswith("+00:00")
    assert "order" not in json.loads(second) and "tenant" not in json.loads(second)


def test_the_text_format_is_for_people_and_a_wrong_setting_is_refused():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "zamknięto", None, None)
    record.plomba_context = {"tenant": 3, "job": None, "order": "ZL/1"}
    assert logs.formatter("text").format(record).endswith("zamknięto [tenant=3 order=ZL/1]")
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.formatter("xml")


def test_configure_replaces_its_own_handler():
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    try:
        logs.configure("json")
        logs.configure("text")
        ours = [h for h in root.handlers if h.get_name() == "plomba"]
        assert len(ours) == 1 and isinstance(ours[0].formatter, logs.TextFormatter)
    finally:
        for handler in [h for h in root.handlers if h not in before]:
            root.removeHandler(handler)
        root.setLevel(level)
