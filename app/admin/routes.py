from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from app.admin import bp
from app.admin.forms import ServiceBookRepairForm
from app.admin.repair import copy_service_book_flag
from app.auth.access import roles_required
from app.extensions import db
from app.models import Role
from app.references import plural


@bp.route("/naprawa-danych", methods=["GET", "POST"])
@roles_required(Role.OWNER, Role.OFFICE)
def repair():
    form = ServiceBookRepairForm()
    if form.validate_on_submit():
        changed = copy_service_book_flag(form.since.data, user_id=current_user.id)
        db.session.commit()
        flash(f"Zaktualizowano {changed} {plural(changed, 'zlecenie', 'zlecenia', 'zleceń')}.",
              "success")
        return redirect(url_for(".repair"), code=303)
    return render_template("admin/repair.html", form=form)
