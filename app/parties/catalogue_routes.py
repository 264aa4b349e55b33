"""A company's producers from the platform catalogue: pick an entry, type the company's own API
login and key, add; on the producer's page, take over what the entry changed since."""

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select

from app.auth.access import office_staff
from app.domain_errors import Refused
from app.extensions import db
from app.models import CatalogueProducer, Party
from app.parties import bp, catalogue
from app.parties.forms import CatalogueCredentialsForm
from app.parties.routes import _producer_or_404
from app.registry_views import submit


@bp.route("/producenci/katalog")
@office_staff
def catalogue_entries():
    entries = catalogue.entries()
    nips = [e.nip for e in entries]
    # The company's parties with a catalogue NIP: "already added", with a link to it.
    taken = {p.nip: p for p in db.session.scalars(select(Party).where(Party.nip.in_(nips)))}
    return render_template("parties/catalogue.html", entries=entries, taken=taken)


@bp.route("/producenci/katalog/<int:entry_id>", methods=["GET", "POST"])
@office_staff
def add_from_catalogue(entry_id):
    entry = db.get_or_404(CatalogueProducer, entry_id)
    taken = catalogue.taken_by(entry)
    form = CatalogueCredentialsForm()
    if taken is None:
        try:
            producer = submit(form, lambda: catalogue.add_from_catalogue(
                entry, form.api_login.data, form.api_key.data))
        except Refused as exc:
            flash(exc.message, "error")
            return redirect(url_for(".catalogue_entries"), code=303)
        if producer:
            flash(f"Dodano producenta „{producer.name}” z katalogu. Sprawdź połączenie: "
                  "„Test połączenia”.", "success")
            return redirect(url_for(".producer", producer_id=producer.id), code=303)
    return render_template("parties/catalogue_add.html", entry=entry, form=form, taken=taken)


@bp.route("/producenci/<int:producer_id>/przyjmij-zmiany", methods=["POST"])
@office_staff
def accept_catalogue_changes(producer_id):
    producer = _producer_or_404(producer_id)
    try:
        accepted = catalogue.accept_changes(producer)
    except Refused as exc:
        flash(exc.message, "error")
    else:
        if accepted is None:
            flash("Producent ma już aktualne dane z katalogu.", "info")
        else:
            flash("Przyjęto zmiany z katalogu: " + accepted.sentence, "success")
    return redirect(url_for(".producer", producer_id=producer.id), code=303)


@bp.route("/producenci/<int:producer_id>/polacz-z-katalogiem", methods=["POST"])
@office_staff
def link_to_catalogue(producer_id):
    """A producer added by hand, whose NIP the catalogue has: from now on it shows what the
    catalogue's entry says otherwise, to take over with "Przyjmij zmiany"."""
    producer = _producer_or_404(producer_id)
    try:
        catalogue.link(producer)
    except Refused as exc:
        flash(exc.message, "error")
    else:
        flash("Połączono z katalogiem platformy.", "success")
    return redirect(url_for(".producer", producer_id=producer.id), code=303)
