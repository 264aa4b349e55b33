"""Administracja -> Firma -> NIP: the owner corrects the company's NIP (a typo at sign-up)
until its first transmission to a registry; the rule is app/accounts/company_nip.py."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import StringField

from app import tenancy
from app.accounts import company_nip
from app.admin import bp
from app.auth.access import owner_only
from app.forms_common import PlForm, required, strip
from app.models import Tenant


class NipForm(PlForm):
    nip = StringField("NIP firmy", filters=[strip], validators=[required("Podaj NIP firmy.")])


@bp.route("/nip", methods=["GET", "POST"])
@owner_only
def company_nip_form():
    tenant = tenancy.get_or_404(Tenant, current_user.tenant_id)
    locked = company_nip.locked_reason(tenant.id)
    form = NipForm(data={"nip": tenant.nip})
    if not locked and form.validate_on_submit():
        try:
            changed = company_nip.correct(tenant, form.nip.data, actor_id=current_user.id)
        except company_nip.NipRefused as refusal:
            form.nip.errors = [*form.nip.errors, str(refusal)]
        else:
            flash("Poprawiono NIP firmy." if changed else "NIP się nie zmienił.", "success")
            return redirect(url_for(".index"), code=303)
    return render_template("admin/nip.html", form=form, tenant=tenant, locked=locked)
