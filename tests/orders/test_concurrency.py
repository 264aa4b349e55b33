"""Two users press "Zamknij zlecenie" on the same order at the same moment: exactly one close.
Runs on both databases; on PostgreSQL the two sessions truly overlap."""

import threading

from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import AuditEntry, Order
from app.orders import workflow
from app.orders.workflow import Actor, ConcurrentChange, WorkflowError
from tests import factories


def test_double_close_in_two_sessions_closes_once(app, tenant_a):
    with app.app_context():
        ids = factories.populate(tenant_a, "Alfa")
        with tenancy.use_tenant(tenant_a.id):
            order = db.session.get(Order, ids["order_id"])
            workflow.start(Actor(None, "owner"), order)
            workflow.commit()
    loaded = threading.Barrier(2)
    outcomes: list[str] = []

    def close_in_own_session():
        with app.app_context(), tenancy.use_tenant(tenant_a.id):
            order = db.session.get(Order, ids["order_id"])
            _ = order.items, order.device, order.technician.authorisations
            loaded.wait(timeout=10)  # both have read the order as started
            try:
                workflow.close(Actor(None, "owner"), order)
                workflow.commit()
                outcomes.append("closed")
            except ConcurrentChange as exc:
                outcomes.append(exc.message)
            except WorkflowError as exc:  # the other one had already committed
                db.session.rollback()
                outcomes.append(exc.message)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=close_in_own_session) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(outcomes) == 2 and outcomes.count("closed") == 1, outcomes
    assert "zmienione przez innego użytkownika" in "".join(outcomes)
    with app.app_context(), tenancy.use_tenant(tenant_a.id):
        order = db.session.get(Order, ids["order_id"])
        assert order.status == "closed" and order.version > 2
        closes = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "order.close"))
        assert closes == 1
