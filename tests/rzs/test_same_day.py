"""A second inspection of a device on the same day (issue 13, item 5): warned about before
closing, and the registry's "PU" (already there, not added) shown with a note, on the real
emulator."""

from decimal import Decimal

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Order, Service
from app.orders import workflow
from app.orders.workflow import Actor


def _started_inspection(rzs) -> int:
    actor = Actor(None, "owner")
    with rzs.ctx():
        service = db.session.scalar(select(Service).where(Service.special_kind == "P"))
        order = workflow.create_order(actor, client_id=rzs.ids["client_id"], location_id=None,
                                      device_id=rzs.ids["device_id"],
                                      technician_id=rzs.ids["technician_id"])
        workflow.start(actor, order)
        workflow.add_item(actor, order, service_id=service.id, quantity=Decimal(1), price=None,
                          vat_rate=None, performed_on=clock.today())
        workflow.commit()
        return order.id


def test_second_inspection_of_the_day_is_warned_and_not_added(rzs, client, login):
    first = rzs.closed_order(kind="P", day=clock.today())
    rzs.work()
    assert rzs.rows(first)[0]["tokens"].endswith("+PU")
    second = _started_inspection(rzs)
    login(rzs.tenant.owner_email)
    page = client.get(f"/zlecenia/{second}").get_data(as_text=True)
    assert f"Urządzenie ma już przegląd z {clock.today():%d.%m.%Y} w zleceniu ZL/" in page
    assert 'data-confirm="Ostrzeżenie: ' in page  # asked before "Zamknij zlecenie"
    response = client.post(f"/zlecenia/{second}/zamknij")
    assert response.status_code == 303
    flashed = client.get(f"/zlecenia/{second}").get_data(as_text=True)
    assert "Ostrzeżenie: Urządzenie ma już przegląd" in flashed
    rzs.work()
    [row] = rzs.rows(second)
    assert (row["status"], row["tokens"]) == ("delivered", "Kasa PU")
    page = client.get(f"/zlecenia/{second}").get_data(as_text=True)
    assert "Dostarczone" in page and "nie dodano go ponownie" in page
    assert len(rzs.emulator.events()) == 1  # the registry kept the first only


def test_no_warning_for_one_inspection(rzs, client, login):
    with rzs.ctx():  # the populated order of the device is another day's
        for item in db.session.get(Order, rzs.ids["order_id"]).items:
            item.performed_on = clock.today().replace(day=1) if clock.today().day > 1 \
                else clock.today().replace(month=1, day=2)
        db.session.commit()
    order_id = _started_inspection(rzs)
    login(rzs.tenant.owner_email)
    page = client.get(f"/zlecenia/{order_id}").get_data(as_text=True)
    assert "Urządzenie ma już przegląd" not in page
