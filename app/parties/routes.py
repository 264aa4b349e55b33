"""Clients (taxpayers) with their installation sites, and producers with "Kontrola Nr-f."."""


from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from app import clock, jobs, tenancy
from app.auth.access import office_staff, tenant_user
from app.extensions import db
from app.htmx import page_or_partial
from app.listing import among, keyset_page
from app.models import Device, JobKind, Location, Party, Transmission
from app.orders.access import may_batch_send
from app.parties import bp, catalogue, service
from app.parties.forms import ClientForm, FactoryCheckForm, LocationForm, ProducerForm
from app.parties.rules import client_search, nip_problem, producer_search
from app.registry_views import delete_context, deleted, deleters, submit
from app.rzs import batch, dispatch
from workers import jobs as job_queue

OPTIONS_LIMIT = 20

bp.context_processor(delete_context)


# --- clients -------------------------------------------------------------------------------

@bp.route("/klienci")
@tenant_user
def clients():
    q = request.args.get("q", "").strip()
    stmt = select(Party).where(Party.is_client.is_(True))
    condition = client_search(q)
    if condition is not None:
        stmt = stmt.where(condition)
    page = keyset_page(stmt, [Party.name_key, Party.id], request.args.get("after"))
    return page_or_partial("parties/clients.html", "parties/_client_rows.html", page=page, q=q)


@bp.route("/klienci/opcje")
@tenant_user
def client_options():
    """<option>s for pickers that choose a client among thousands (htmx fills a select)."""
    q = request.args.get("q", "").strip()
    selected = request.args.get("selected", type=int)
    stmt = select(Party).where(Party.is_client.is_(True))
    condition = client_search(q)
    if condition is not None:
        stmt = stmt.where(condition)
    found = list(db.session.scalars(stmt.order_by(Party.name_key, Party.id).limit(OPTIONS_LIMIT)))
    if selected and all(p.id != selected for p in found):
        chosen = db.session.get(Party, selected)
        if chosen is not None and chosen.is_client:
            found.insert(0, chosen)
    return render_template("parties/_client_options.html", clients=found, selected=selected,
                           q=q)


@bp.route("/klienci/nowy", methods=["GET", "POST"])
@tenant_user
def new_client():
    form = ClientForm()
    client = submit(form, lambda: service.create_client(form.to_data()))
    if client:
        flash(f"Dodano klienta „{client.name}”. Dodaj jego miejsce instalacji.", "success")
        return redirect(url_for(".new_location", client_id=client.id), code=303)
    return render_template("parties/client_form.html", form=form, client=None)


@bp.route("/klienci/<int:client_id>")
@tenant_user
def client(client_id):
    client = _client_or_404(client_id)
    devices = list(db.session.scalars(
        select(Device).where(Device.client_id == client.id).order_by(Device.id).limit(200)))
    return render_template("parties/client_detail.html", client=client, devices=devices)


@bp.route("/klienci/<int:client_id>/edycja", methods=["GET", "POST"])
@tenant_user
def edit_client(client_id):
    client = _client_or_404(client_id)
    form = ClientForm(obj=client)
    if submit(form, lambda: service.update_client(client, form.to_data())):
        flash("Zapisano zmiany.", "success")
        return redirect(url_for(".client", client_id=client.id), code=303)
    return render_template("parties/client_form.html", form=form, client=client)


@bp.route("/klienci/<int:client_id>/usun", methods=["POST"])
@deleters
def delete_client(client_id):
    client = _client_or_404(client_id)
    if not deleted(lambda: service.delete_client(client, current_user.role)):
        return redirect(url_for(".client", client_id=client.id), code=303)
    flash(f"Usunięto klienta „{client.name}”.", "success")
    return redirect(url_for(".clients"), code=303)


@bp.route("/klienci/sprawdz-nip", methods=["POST"])
@tenant_user
def check_nip():
    """Inline validation: the NIP field asks while typing; the reply is the error text only."""
    raw = request.form.get("nip", "")
    if not raw.strip():
        return ""
    return nip_problem(raw, request.form.get("party_id", type=int)) or ""


# --- locations -----------------------------------------------------------------------------

@bp.route("/klienci/<int:client_id>/lokalizacje/opcje")
@tenant_user
def location_options(client_id):
    client = _client_or_404(client_id)
    return render_template("parties/_location_options.html", locations=client.locations,
                           selected=request.args.get("selected", type=int))


@bp.route("/klienci/<int:client_id>/lokalizacje/nowa", methods=["GET", "POST"])
@tenant_user
def new_location(client_id):
    client = _client_or_404(client_id)
    form = LocationForm()
    if request.method == "GET" and not client.locations:
        # The first site is usually the client's own address.
        form.street.data, form.postal_code.data, form.city.data = (
            client.street, client.postal_code, client.city)
    if submit(form, lambda: service.create_location(client, form.to_data())):
        flash("Dodano miejsce instalacji.", "success")
        return redirect(url_for(".client", client_id=client.id), code=303)
    return render_template("parties/location_form.html", form=form, client=client, location=None)


@bp.route("/lokalizacje/<int:location_id>/edycja", methods=["GET", "POST"])
@tenant_user
def edit_location(location_id):
    location = tenancy.get_or_404(Location, location_id)
    form = LocationForm(obj=location)
    if submit(form, lambda: service.update_location(location, form.to_data())):
        flash("Zapisano miejsce instalacji.", "success")
        return redirect(url_for(".client", client_id=location.client_id), code=303)
    return render_template("parties/location_form.html", form=form, client=location.client,
                           location=location)


@bp.route("/lokalizacje/<int:location_id>/usun", methods=["POST"])
@deleters
def delete_location(location_id):
    location = tenancy.get_or_404(Location, location_id)
    client_id = location.client_id
    if deleted(lambda: service.delete_location(location, current_user.role)):
        flash("Usunięto miejsce instalacji.", "success")
    return redirect(url_for(".client", client_id=client_id), code=303)


# --- producers -----------------------------------------------------------------------------

@bp.route("/producenci")
@tenant_user
def producers():
    q = request.args.get("q", "").strip()
    stmt = select(Party).where(Party.is_producer.is_(True))
    condition = producer_search(q)
    if condition is not None:
        stmt = stmt.where(condition)
    page = keyset_page(stmt, [Party.name_key, Party.id], request.args.get("after"))
    counts = dict(db.session.execute(
        select(Device.producer_id, func.count()).where(
            among(Device.producer_id, [p.id for p in page.items])).group_by(Device.producer_id)
    ).all()) if page.items else {}
    return page_or_partial("parties/producers.html", "parties/_producer_rows.html", page=page,
                           q=q, device_counts=counts)


@bp.route("/producenci/nowy", methods=["GET", "POST"])
@office_staff
def new_producer():
    form = ProducerForm()
    producer = submit(form, lambda: service.create_producer(form.to_data()))
    if producer:
        flash(f"Dodano producenta „{producer.name}”. Uzupełnij zakładkę Kontrola Nr-f.",
              "success")
        return redirect(url_for(".factory_check", producer_id=producer.id), code=303)
    return render_template("parties/producer_form.html", form=form, producer=None)


@bp.route("/producenci/<int:producer_id>")
@tenant_user
def producer(producer_id):
    producer = _producer_or_404(producer_id)
    devices = db.session.scalar(
        select(func.count()).select_from(Device).where(Device.producer_id == producer.id))
    waiting = db.session.scalar(
        select(func.count()).select_from(Transmission).where(
            Transmission.producer_id == producer.id, Transmission.status == dispatch.PENDING))
    job_id = request.args.get("job", type=int)
    test_job = _test_job(producer, request.args.get("test", type=int))
    today = clock.today()
    batch_from = today.replace(day=1)
    plan = batch.plan(producer.id, batch_from, today) if may_batch_send(current_user) else None
    return render_template("parties/producer_detail.html", producer=producer, devices=devices,
                           waiting=waiting, job_id=job_id, test_job=test_job, today=today,
                           batch_from=batch_from, batch_plan=plan,
                           catalogue_entry=catalogue.linked_entry(producer),
                           catalogue_changes=catalogue.pending_changes(producer),
                           catalogue_match=catalogue.entry_for(producer))


@bp.route("/producenci/<int:producer_id>/edycja", methods=["GET", "POST"])
@office_staff
def edit_producer(producer_id):
    producer = _producer_or_404(producer_id)
    form = ProducerForm(obj=producer)
    if submit(form, lambda: service.update_producer(producer, form.to_data())):
        flash("Zapisano zmiany.", "success")
        return redirect(url_for(".producer", producer_id=producer.id), code=303)
    return render_template("parties/producer_form.html", form=form, producer=producer)


@bp.route("/producenci/<int:producer_id>/kontrola", methods=["GET", "POST"])
@office_staff
def factory_check(producer_id):
    """The "Kontrola Nr-f." tab: masks, prefixes, API parameters (the key never shown back)."""
    producer = _producer_or_404(producer_id)
    form = FactoryCheckForm()
    if request.method == "GET":
        form.factory_masks.data = "\n".join(producer.factory_masks or [])
        form.unique_prefixes.data = ", ".join(producer.unique_prefixes or [])
        form.api_url.data, form.api_login.data = producer.api_url, producer.api_login
        form.online.data = producer.online
    if submit(form, lambda: service.update_factory_check(producer, form.to_data())):
        flash("Zapisano kontrolę numerów i parametry API.", "success")
        return redirect(url_for(".producer", producer_id=producer.id), code=303)
    return render_template("parties/factory_check.html", form=form, producer=producer)


@bp.route("/producenci/<int:producer_id>/test-polaczenia", methods=["POST"])
@office_staff
def test_connection(producer_id):
    """"Test połączenia": the registry's ping as a short job (the result is kept on the
    producer); the producer's page polls the job's row."""
    producer = _producer_or_404(producer_id)
    job = jobs.new(JobKind.RZS_PING, current_user.id, producer_id=producer.id)
    db.session.commit()
    if not job_queue.start(job):
        flash(job_queue.QUEUE_AWAY, "error")
        return redirect(url_for(".producer", producer_id=producer.id), code=303)
    return redirect(url_for(".producer", producer_id=producer.id, test=job.id), code=303)


@bp.route("/producenci/<int:producer_id>/test-polaczenia/<int:job_id>")
@tenant_user
def connection_test_progress(producer_id, job_id):
    producer = _producer_or_404(producer_id)
    job = _test_job(producer, job_id)
    if job is None:
        abort(404)
    return render_template("parties/_connection_test.html", producer=producer, job=job)


@bp.route("/producenci/<int:producer_id>/usun", methods=["POST"])
@deleters
def delete_producer(producer_id):
    producer = _producer_or_404(producer_id)
    if not deleted(lambda: service.delete_producer(producer, current_user.role)):
        return redirect(url_for(".producer", producer_id=producer.id), code=303)
    flash(f"Usunięto producenta „{producer.name}”.", "success")
    return redirect(url_for(".producers"), code=303)


# --- helpers -------------------------------------------------------------------------------

def _client_or_404(client_id: int) -> Party:
    client = tenancy.get_or_404(Party, client_id)
    if not client.is_client:
        abort(404)
    return client


def _test_job(producer: Party, job_id: int | None):
    """The producer's connection-test job named in the URL; another producer's is none."""
    job = jobs.find(job_id, JobKind.RZS_PING)
    return job if job is not None and job.params.get("producer_id") == producer.id else None


def _producer_or_404(producer_id: int) -> Party:
    producer = tenancy.get_or_404(Party, producer_id)
    if not producer.is_producer:
        abort(404)
    return producer
