"""Orders closed in Plomba reach the real emulator through the real Redis and a burst worker."""

import re
from datetime import timedelta

from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import Device, Order, Party, Transmission
from tests.rzs.conftest import OTHER_SERVICE_DEVICE
from workers.rzs import sweep_once


def test_online_close_sends_and_the_reply_is_on_the_order_page(rzs, client, login):
    order_id = rzs.closed_order()
    assert [r["status"] for r in rzs.rows(order_id)] == ["pending"]
    rzs.work()
    [row] = rzs.rows(order_id)
    assert (row["status"], row["tokens"]) == ("delivered", "+Kasa +Podatnik +Lokalizacja +PU")
    assert "+PU: dodano przegląd ustawowy do ewidencji" in row["meaning"]
    login(rzs.tenant.owner_email)
    page = client.get(f"/zlecenia/{order_id}").get_data(as_text=True)
    assert "Odpowiedź z API RZS" in page and "+Kasa +Podatnik +Lokalizacja +PU" in page
    assert "hx-trigger" not in page.split("Odpowiedź z API RZS")[0].split('id="rzs-reply"')[1]
    assert rzs.emulator.stats()["events_PU"] == 1


def test_the_reply_box_polls_while_sending(rzs, client, login):
    order_id = rzs.closed_order()
    login(rzs.tenant.owner_email)
    waiting = client.get(f"/wysylka/zlecenie/{order_id}/odpowiedz").get_data(as_text=True)
    assert 'hx-trigger="load delay:1s"' in waiting and "Wysyłanie do RZS" in waiting
    rzs.work()
    done = client.get(f"/wysylka/zlecenie/{order_id}/odpowiedz").get_data(as_text=True)
    assert "hx-trigger" not in done and "+PU" in done


def test_long_event_carries_the_book(rzs):
    order_id = rzs.closed_order(kind="N")
    rzs.work()
    [row] = rzs.rows(order_id)
    assert row["status"] == "delivered" and row["tokens"].endswith("+N")
    [stored] = rzs.emulator.events()
    assert stored["kind"] == "N"


def test_each_rejection_is_shown_on_the_order(rzs, client, login):
    foreign = rzs.device("BCD0000000001", "PO000000001")            # prefix not Posnet's
    other = rzs.device(*OTHER_SERVICE_DEVICE)                       # held by another service
    paired = rzs.device("ZBF1111111111", "PO111111111")
    orders = {
        "Błąd: Nieznany prefix": rzs.closed_order(foreign),
        "Błąd: Brak uprawnień do KASY (INNY SERWIS)": rzs.closed_order(other),
        "Nieznany serwisant, nr plomby (P-OBCY)": rzs.closed_order(seal="P-OBCY"),
    }
    rzs.work()
    # Pairing: the registry knows ZBF1111111111 with PO111111111; Plomba now says otherwise.
    rzs.closed_order(paired, day=clock.today() - timedelta(days=3))
    rzs.work()
    with rzs.ctx():
        device = db.session.get(Device, paired)
        device.factory_no = "PO222222222"
        db.session.commit()
    orders["Błąd: Niezgodny nr unikatowy z nr fabrycznym"] = rzs.closed_order(paired)
    rzs.work()
    login(rzs.tenant.owner_email)
    for token, order_id in orders.items():
        [row] = rzs.rows(order_id)
        assert (row["status"], row["tokens"]) == ("rejected", token), row
        page = client.get(f"/zlecenia/{order_id}").get_data(as_text=True)
        assert token in page and "Odrzucone" in page and "wyślij ponownie" in page


def test_resend_after_correcting_the_data(rzs, client, login):
    order_id = rzs.closed_order(seal="P-OBCY")
    rzs.work()
    [row] = rzs.rows(order_id)
    assert row["status"] == "rejected"
    with rzs.ctx():
        db.session.get(Order, order_id).seal_no = "P-2"  # the seal the producer knows
        db.session.commit()
    login(rzs.tenant.owner_email)
    response = client.post(f"/wysylka/{row['id']}/ponow", data={"next": "order"})
    assert response.status_code == 303
    rzs.work()
    [row] = rzs.rows(order_id)
    assert (row["status"], row["tokens"]) == ("delivered", "+Kasa +Podatnik +Lokalizacja +PU")


def test_offline_batch_of_1200_events_in_3_requests(rzs, client, login):
    with rzs.ctx():
        producer = db.session.get(Party, rzs.ids["producer_id"])
        producer.online = False
        db.session.commit()
    order_id = rzs.closed_order()
    with rzs.ctx():
        template = db.session.scalar(select(Transmission).where(
            Transmission.order_id == order_id)).payload
        for i in range(1, 1200):
            event = dict(template, id=f"{template['id']}-{i}",
                         performed_on=(clock.today() - timedelta(days=i)).isoformat())
            db.session.add(Transmission(order_id=order_id, producer_id=rzs.ids["producer_id"],
                                        event_id=event["id"], kind="PU", payload=event))
        db.session.commit()
    rzs.work()  # offline: nothing is sent on close
    assert {r["status"] for r in rzs.rows()} == {"pending"}
    login(rzs.tenant.owner_email)
    today = clock.today().isoformat()
    response = client.post(f"/wysylka/producent/{rzs.ids['producer_id']}/wyslij",
                           data={"from": today, "to": today})
    assert response.status_code == 303
    job_id = response.headers["Location"].split("job=")[1]
    progress = client.get(f"/wysylka/zadania/{job_id}").get_data(as_text=True)
    assert "Przygotowanie wysyłki" in progress or "Wysłano" in progress
    rzs.work()
    rows = rzs.rows()
    assert len(rows) == 1200 and {r["status"] for r in rows} == {"delivered"}
    assert rzs.emulator.stats()["requests"] == 3
    with rzs.ctx():
        from app.models import Job

        job = db.session.get(Job, int(job_id))
        assert job.status == "finished" and job.done == job.total == 1200
        assert job.result["counters"]["przeglądów"] == 1200
    done = client.get(f"/wysylka/zadania/{job_id}").get_data(as_text=True)
    assert "Zakończono" in done and "dostarczone 1200" in done
    assert "Dodano przeglądów: 1200" in done and "hx-trigger" not in done


def test_connection_test_ok_and_failures(rzs, client, login):
    """"Test połączenia" is a job: the page polls its row until the registry has answered."""
    login(rzs.tenant.owner_email)
    url = f"/producenci/{rzs.ids['producer_id']}/test-polaczenia"

    def run_test() -> str:
        response = client.post(url)
        assert response.status_code == 303
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        [poll] = re.findall(r'hx-get="([^"]*/test-polaczenia/\d+)"', page)
        assert 'hx-trigger="load delay:700ms"' in page  # waiting for the worker
        rzs.work()
        done = client.get(poll).get_data(as_text=True)
        assert "hx-trigger" not in done
        return done

    assert "Test połączenia z RZS: OK: połączenie udane" in run_test()
    with rzs.ctx():
        producer = db.session.get(Party, rzs.ids["producer_id"])
        producer.api_login = "zly-login"
        db.session.commit()
    assert "Błąd: Nieprawidłowe parametry logowania" in run_test()
    with rzs.ctx():
        producer = db.session.get(Party, rzs.ids["producer_id"])
        producer.api_login, producer.nip = "alfa-api", "5260250274"
        db.session.commit()
    assert "Błąd: Niezgodny NIP producenta" in run_test()
    with rzs.ctx():
        producer = db.session.get(Party, rzs.ids["producer_id"])
        producer.api_url = "http://127.0.0.1:9/posnet"
        db.session.commit()
    assert "Brak połączenia z RZS producenta" in run_test()
    with rzs.ctx():
        producer = db.session.get(Party, rzs.ids["producer_id"])
        assert producer.last_test_ok is False and producer.last_test_at is not None
    page = client.get(f"/producenci/{rzs.ids['producer_id']}").get_data(as_text=True)
    assert "Brak połączenia z RZS producenta" in page  # the last result, kept on the producer


def test_connection_test_job_of_another_producer_or_tenant_is_404(rzs, client, login,
                                                                   tenant_b):
    login(rzs.tenant.owner_email)
    producer_id = rzs.ids["producer_id"]
    location = client.post(f"/producenci/{producer_id}/test-polaczenia").headers["Location"]
    job_id = int(location.rsplit("test=", 1)[1])
    assert client.get(f"/producenci/{producer_id}/test-polaczenia/{job_id}").status_code == 200
    client.post("/logout")
    login(tenant_b.owner_email)
    assert client.get(f"/producenci/{producer_id}/test-polaczenia/{job_id}").status_code == 404


def test_sweeper_sends_what_redis_lost(rzs, redis_client):
    order_id = rzs.closed_order()
    redis_client.flushdb()  # the job is gone, as after a Redis restart without data
    rzs.work()
    assert rzs.rows(order_id)[0]["status"] == "pending"
    with rzs.app.app_context():
        result = sweep_once()
    assert result["enqueued"] == 1
    rzs.work()
    assert rzs.rows(order_id)[0]["status"] == "delivered"


def test_a_suspended_tenants_sending_waits_for_the_resume(rzs):
    """Suspended between the close and the worker: nothing reaches the registry, the event
    stays pending (nothing is lost), and the sweeper sends it after the resume."""

    from app import tenancy
    from app.models import Tenant

    order_id = rzs.closed_order()

    def set_suspended(when):
        with rzs.app.app_context(), tenancy.use_tenant(rzs.tenant.id):
            db.session.get(Tenant, rzs.tenant.id).suspended_at = when
            db.session.commit()

    set_suspended(clock.now())
    rzs.work()
    assert [r["status"] for r in rzs.rows(order_id)] == ["pending"]
    assert rzs.emulator.stats().get("events_PU", 0) == 0
    set_suspended(None)
    rzs.work(rounds=2, until_settled=True)
    assert [r["status"] for r in rzs.rows(order_id)] == ["delivered"]


def test_a_test_job_id_out_of_range_names_no_job(rzs, client, login):
    login(rzs.tenant.owner_email)
    page = client.get(f"/producenci/{rzs.ids['producer_id']}?test={2**64}")
    assert page.status_code == 200 and "test-polaczenia/" not in page.get_data(as_text=True)
