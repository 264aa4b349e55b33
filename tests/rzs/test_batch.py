""""Wyślij zlecenia" as the seed means it, and pre-flight checks, on the real emulator (issue 13,
items 1 and 2)."""

from datetime import timedelta

from sqlalchemy import delete, select

from app import clock
from app.extensions import db
from app.models import Job, Order, Party, Transmission


def _offline(rzs, **changes):
    with rzs.ctx():
        producer = db.session.get(Party, rzs.ids["producer_id"])
        producer.online = False
        for name, value in changes.items():
            setattr(producer, name, value)
        db.session.commit()


def _batch(rzs, client, day_from, day_to) -> Job:
    response = client.post(f"/wysylka/producent/{rzs.ids['producer_id']}/wyslij",
                           data={"from": day_from.isoformat(), "to": day_to.isoformat()})
    assert response.status_code == 303
    job_id = int(response.headers["Location"].split("job=")[1])
    rzs.work()
    with rzs.ctx():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_batch_sends_flagged_orders_that_have_no_outbox_rows(rzs, client, login):
    """Orders closed before the producer could be sent to (the demo's Elzab orders): no
    transmission rows at all. The batch builds their events, shows them before the button,
    sends them once, and a second batch sends nothing again."""
    _offline(rzs)
    today = clock.today()
    orders = [rzs.closed_order(day=today - timedelta(days=2)),
              rzs.closed_order(kind="N", day=today - timedelta(days=1)),
              rzs.closed_order(day=today)]
    with rzs.ctx():
        db.session.execute(delete(Transmission))  # as if closed with no outbox
        db.session.commit()
    login(rzs.tenant.owner_email)
    first = today.replace(day=1) if today.day > 3 else today - timedelta(days=5)
    page = client.get(f"/producenci/{rzs.ids['producer_id']}").get_data(as_text=True)
    preview = client.get(f"/wysylka/producent/{rzs.ids['producer_id']}/podglad",
                         query_string={"from": first.isoformat(), "to": today.isoformat()})
    text = preview.get_data(as_text=True)
    assert "<strong>3</strong> zdarzeń" in text
    assert "przeglądy (PU): 2" in text and "naprawy i inne wpisy (N): 1" in text
    assert "Do wysłania" in page

    job = _batch(rzs, client, first, today)
    assert job.status == "finished", job.error
    assert job.result["total"] == 3 and job.result["delivered"] == 3
    assert job.result["counters"] == {"kontrahentów": 1, "lokalizacji": 1, "przeglądów": 2,
                                      "napraw": 1}
    assert {r["status"] for r in rzs.rows()} == {"delivered"}
    assert {r["event_id"].split("-")[1] for r in rzs.rows()} == {f"O{o}" for o in orders}
    stored = len(rzs.emulator.events())
    done = client.get(f"/wysylka/zadania/{job.id}").get_data(as_text=True)
    assert "dostarczone 3" in done and "Dodano przeglądów: 2" in done

    again = _batch(rzs, client, first, today)
    assert again.result["total"] == 0
    assert len(rzs.emulator.events()) == stored  # nothing delivered is sent twice
    text = client.get(f"/wysylka/producent/{rzs.ids['producer_id']}/podglad",
                      query_string={"from": first.isoformat(), "to": today.isoformat()}
                      ).get_data(as_text=True)
    assert "nie ma zdarzeń do wysłania" in text and "Już dostarczone" in text


def test_online_producer_with_wrong_parameters_catches_up_by_batch(rzs, client, login):
    """Orders closed while the online producer's URL was missing are refused; once it is
    entered, "Wyślij zlecenia" sends them."""
    with rzs.ctx():
        producer = db.session.get(Party, rzs.ids["producer_id"])
        url, producer.api_url = producer.api_url, ""
        db.session.commit()
    order_id = rzs.closed_order()
    rzs.work()
    [row] = rzs.rows(order_id)
    assert row["status"] == "rejected"
    with rzs.ctx():
        db.session.get(Party, rzs.ids["producer_id"]).api_url = url
        db.session.commit()
    login(rzs.tenant.owner_email)
    job = _batch(rzs, client, clock.today(), clock.today())
    assert job.result["delivered"] == 1
    [row] = rzs.rows(order_id)
    assert row["status"] == "delivered" and row["tokens"].endswith("+PU")


def _many_rows(rzs, count: int, bad: dict[int, dict], orders: int = 1) -> None:
    """`orders` closed orders and `count - orders` more pending events of them, in turn
    (distinct ids and days); the events at the indexes of `bad` get those fields changed."""
    order_ids = [rzs.closed_order(day=clock.today() - timedelta(days=700 + i))
                 for i in range(1, orders)]
    order_id = rzs.closed_order()
    order_ids.append(order_id)
    with rzs.ctx():
        template = db.session.scalar(select(Transmission).where(
            Transmission.order_id == order_id)).payload
        for i in range(1, count - len(order_ids) + 1):
            event = dict(template, id=f"{template['id']}-{i}",
                         performed_on=(clock.today() - timedelta(days=i)).isoformat())
            for path, value in bad.get(i, {}).items():
                if "." in path:
                    head, tail = path.split(".")
                    event[head] = dict(event[head], **{tail: value})
                else:
                    event[path] = value
            db.session.add(Transmission(order_id=order_ids[i % len(order_ids)],
                                        producer_id=rzs.ids["producer_id"],
                                        event_id=event["id"], kind="PU", payload=event))
        db.session.commit()


BAD = {10: {"unique_no": ""}, 600: {"taxpayer.nip": "123"}, 901: {"performed_on": "2026-13-40"}}


def test_batch_of_1000_with_3_bad_events_delivers_997(rzs, client, login):
    _offline(rzs)
    _many_rows(rzs, 1000, BAD)
    login(rzs.tenant.owner_email)
    job = _batch(rzs, client, clock.today(), clock.today())
    rows = rzs.rows()
    statuses = [r["status"] for r in rows]
    assert statuses.count("delivered") == 997 and statuses.count("held") == 3
    assert job.result["delivered"] == 997 and job.result["held"] == 3
    assert len(rzs.emulator.events()) == 997
    assert rzs.emulator.stats()["requests"] == 2  # nothing malformed reached the registry
    held = {r["event_id"].rsplit("-", 1)[1]: r for r in rows if r["status"] == "held"}
    assert held["10"]["error"] == "unique_no" and "nr unikatowy" in held["10"]["meaning"]
    assert held["600"]["error"] == "taxpayer.nip"
    listing = client.get("/wysylka", query_string={"status": "held"}).get_data(as_text=True)
    assert "Do poprawy" in listing and "Popraw dane podatnika" in listing
    assert f"/klienci/{rzs.ids['client_id']}/edycja#nip" in listing
    assert f"/urzadzenia/{rzs.ids['device_id']}/edycja#unique_no" in listing


def test_a_422_for_one_event_rejects_it_alone_and_the_others_go_at_once(rzs, client, login,
                                                                        monkeypatch):
    """Should the registry still refuse one event (a rule Plomba does not know), that event is
    rejected with the field named, and the rest of its request is sent again at once."""
    monkeypatch.setattr("app.rzs.preflight.problems", lambda event: [])
    _offline(rzs)
    _many_rows(rzs, 1000, BAD)
    login(rzs.tenant.owner_email)
    job = _batch(rzs, client, clock.today(), clock.today())
    rows = rzs.rows()
    statuses = [r["status"] for r in rows]
    assert statuses.count("delivered") == 997 and statuses.count("rejected") == 3
    assert job.result["delivered"] == 997 and job.result["rejected"] == 3
    assert len(rzs.emulator.events()) == 997
    # Two requests of 500 stored: each refused event cost a 422, then its request went again.
    assert rzs.emulator.stats()["requests"] == 2
    rejected = [r for r in rows if r["status"] == "rejected"]
    assert any("NIP podatnika" in r["meaning"] for r in rejected)


def test_an_order_with_a_taxpayer_without_nip_is_held_with_a_link(rzs, client, login):
    with rzs.ctx():
        db.session.get(Party, rzs.ids["client_id"]).nip = None
        db.session.commit()
    order_id = rzs.closed_order()
    rzs.work()
    [row] = rzs.rows(order_id)
    assert row["status"] == "held" and row["attempts"] == 0
    assert rzs.emulator.stats()["requests"] == 0
    login(rzs.tenant.owner_email)
    page = client.get(f"/zlecenia/{order_id}").get_data(as_text=True)
    assert "Do poprawy" in page and "Brak: NIP podatnika." in page
    assert f"/klienci/{rzs.ids['client_id']}/edycja#nip" in page
    # Corrected, then resent: it goes.
    with rzs.ctx():
        db.session.get(Party, rzs.ids["client_id"]).nip = "5260250274"
        db.session.commit()
    assert client.post(f"/wysylka/{row['id']}/ponow",
                       data={"next": "order"}).status_code == 303
    rzs.work()
    [row] = rzs.rows(order_id)
    assert row["status"] == "delivered"
    with rzs.ctx():
        assert db.session.get(Order, order_id).status == "closed"


def _seed_failing_only_the_first_request(share: float) -> int:
    """A fault seed under which the emulator's 500s hit the first /events request and not the
    second (rzs_emulator/faults.py: each fault draws from random.Random("<seed>:<fault>"))."""
    import random

    for seed in range(1000):
        stream = random.Random(f"{seed}:fail")
        if stream.random() < share <= stream.random():
            return seed
    raise AssertionError("no such seed")


def test_a_failed_chunk_of_a_batch_is_resent_as_one_request(rzs, client, login):
    """700 events of 5 orders go as 500 + 200; the 500 fails once (a 500 of the registry,
    nothing stored). The sweeper resends those 500 as one request, not as an order each, and
    nothing is stored twice (issue 18, item 5)."""
    _offline(rzs)
    _many_rows(rzs, 700, {}, orders=5)
    rzs.emulator.faults(fail_share=0.5, seed=_seed_failing_only_the_first_request(0.5))
    login(rzs.tenant.owner_email)
    job = _batch(rzs, client, clock.today(), clock.today())
    assert job.result["delivered"] == 200 and job.result["waiting"] == 500
    assert rzs.emulator.stats()["requests"] == 1  # the failed one stored nothing
    rzs.emulator.faults()
    rzs.work(rounds=2, until_settled=True)
    assert {r["status"] for r in rzs.rows()} == {"delivered"}
    assert rzs.emulator.stats()["requests"] == 2
    events = rzs.emulator.events()
    assert len(events) == len({e["id"] for e in events}) == 700
    assert len({e["request_id"] for e in events}) == 2


def _seed_failing_only_request(number: int, of: int, share: float) -> int:
    """A fault seed under which the emulator's 500 hits the `number`-th /events request of
    `of` and no other (see _seed_failing_only_the_first_request)."""
    import random

    for seed in range(5000):
        stream = random.Random(f"{seed}:fail")
        if [stream.random() < share for _ in range(of)] == [n == number for n in range(1, of + 1)]:
            return seed
    raise AssertionError("no such seed")


def test_a_batch_of_many_chunks_records_each_and_retries_the_failed_one_whole(rzs, client, login,
                                                                           monkeypatch):
    """send_many pipelines two requests deep and records a chunk in the transaction that
    claims the one after next: with 6 chunks every path runs (issue 13). The third request
    fails (a 500 of the registry): its 4 events wait as one chunk, every other chunk is
    recorded delivered, and the retry stores each event once."""
    monkeypatch.setattr("app.rzs.client.MAX_EVENTS", 4)
    _offline(rzs)
    _many_rows(rzs, 23, {})
    rzs.emulator.faults(fail_share=0.5, seed=_seed_failing_only_request(3, 6, 0.5))
    login(rzs.tenant.owner_email)
    job = _batch(rzs, client, clock.today(), clock.today())
    assert job.status == "finished", job.error
    assert job.result["delivered"] == 19 and job.result["waiting"] == 4
    statuses = [r["status"] for r in rzs.rows()]
    assert statuses.count("delivered") == 19 and statuses.count("pending") == 4
    assert rzs.emulator.stats()["requests"] == 5  # the failed one stored nothing
    rzs.emulator.faults()
    rzs.work(rounds=2, until_settled=True)
    assert {r["status"] for r in rzs.rows()} == {"delivered"}
    events = rzs.emulator.events()
    assert len(events) == len({e["id"] for e in events}) == 23
    assert len({e["request_id"] for e in events}) == 6  # the 4 went again as one request
