"""The operators' catalogue of producers (/platform/katalog): list, add, edit. Every save is a
new version with a revision naming the operator (app/parties/catalogue.py); companies read the
catalogue and take over its changes on their own producers' pages."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.models import CatalogueProducer
from app.parties import catalogue
from app.platform import bp
from app.platform.catalogue_forms import CatalogueEntryForm
from app.platform.routes import operator_required
from app.registry_views import submit


def _operator() -> catalogue.Operator:
    return catalogue.Operator(current_user.id, current_user.email)


@bp.route("/katalog")
@operator_required
def catalogue_list():
    return render_template("platform/catalogue.html", entries=catalogue.entries())


@bp.route("/katalog/nowy", methods=["GET", "POST"])
@operator_required
def catalogue_new():
    form = CatalogueEntryForm()
    if request.method == "GET":
        form.online.data = True
    entry = submit(form, lambda: catalogue.create_entry(form.to_data(), _operator()))
    if entry:
        flash(f"Dodano do katalogu: {entry.name}.", "success")
        return redirect(url_for(".catalogue_list"), code=303)
    return render_template("platform/catalogue_form.html", form=form, entry=None)


@bp.route("/katalog/<int:entry_id>", methods=["GET", "POST"])
@operator_required
def catalogue_edit(entry_id):
    entry = db.get_or_404(CatalogueProducer, entry_id)
    form = CatalogueEntryForm(obj=entry)
    if request.method == "GET":
        form.factory_masks.data = "\n".join(entry.factory_masks or [])
        form.unique_prefixes.data = ", ".join(entry.unique_prefixes or [])
    version = entry.version
    saved = submit(form, lambda: catalogue.update_entry(entry, form.to_data(), _operator()))
    if saved:
        flash(f"Zapisano: {entry.name}, wersja {entry.version}." if entry.version != version
              else "Bez zmian.", "success")
        return redirect(url_for(".catalogue_list"), code=303)
    return render_template("platform/catalogue_form.html", form=form, entry=entry)
