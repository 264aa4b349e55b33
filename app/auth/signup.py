"""Sign-up of a service company, e-mail confirmation, and password reset by e-mail."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, ValidationError

from app import clock, tenancy
from app.auth import bp, sessions, tokens
from app.auth.passwords import hash_password, weakness
from app.cli import create_tenant
from app.extensions import db, limiter
from app.forms_common import PlForm, max_len, required, strip
from app.identifiers import IdentifierError, normalize_nip
from app.models import Tenant, User
from workers import jobs as job_queue


def _password_field(label: str) -> PasswordField:
    return PasswordField(label, validators=[required("Podaj hasło.")])


def check_new_password(field, email: str, names=()) -> None:
    problem = weakness(field.data or "", email, names)
    if problem:
        raise ValidationError(problem)


class SignupForm(PlForm):
    name = StringField("Nazwa firmy serwisowej", filters=[strip],
                       validators=[required("Podaj nazwę firmy."), max_len(200)])
    nip = StringField("NIP firmy", filters=[strip], validators=[required("Podaj NIP firmy.")])
    street = StringField("Ulica i numer", filters=[strip], validators=[max_len(200)])
    postal_code = StringField("Kod pocztowy", filters=[strip], validators=[max_len(10)])
    city = StringField("Miejscowość", filters=[strip], validators=[max_len(100)])
    email = EmailField("E-mail właściciela (login)", filters=[strip], validators=[
        required("Podaj adres e-mail."), Email("To nie jest poprawny adres e-mail."),
        max_len(254)])
    password = _password_field("Hasło")
    repeat = PasswordField("Powtórz hasło",
                           validators=[EqualTo("password", message="Hasła nie są takie same.")])

    def validate_nip(self, field):
        try:
            field.data = normalize_nip(field.data)
        except IdentifierError as exc:
            raise ValidationError(str(exc)) from None
        with tenancy.all_tenants():
            if db.session.scalar(select(Tenant.id).where(Tenant.nip == field.data)):
                raise ValidationError("Firma z tym NIP jest już zarejestrowana w Plombie.")

    def validate_email(self, field):
        field.data = field.data.lower()
        with tenancy.all_tenants():
            if db.session.scalar(select(User.id).where(func.lower(User.email) == field.data)):
                raise ValidationError("Konto z tym adresem e-mail już istnieje. Zaloguj się "
                                      "albo odzyskaj hasło.")

    def validate_password(self, field):
        check_new_password(field, self.email.data or "", [self.name.data or ""])


class ResetRequestForm(PlForm):
    email = EmailField("E-mail", filters=[strip], validators=[
        required("Podaj adres e-mail."), Email("To nie jest poprawny adres e-mail."),
        max_len(254)])


class NewPasswordForm(PlForm):
    password = _password_field("Nowe hasło")
    repeat = PasswordField("Powtórz hasło",
                           validators=[EqualTo("password", message="Hasła nie są takie same.")])

    def __init__(self, user: User, **kwargs):
        super().__init__(**kwargs)
        self.user = user

    def validate_password(self, field):
        check_new_password(field, self.user.email, [self.user.name])


def queue_mail(recipient: str, subject: str, body: str) -> bool:
    """Plomba's own mail goes out through the mail queue; False when the queue is away."""
    return job_queue.send_message([recipient], subject, body)


@bp.route("/rejestracja", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"], methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignupForm()
    if form.validate_on_submit():
        tenant_id = create_tenant(form.name.data, form.nip.data, form.email.data,
                                  form.password.data)
        with tenancy.use_tenant(tenant_id):
            tenant = db.session.get(Tenant, tenant_id)
            tenant.street, tenant.postal_code, tenant.city = (
                form.street.data, form.postal_code.data, form.city.data)
            owner = db.session.scalar(select(User))
            owner.email_confirmed_at = None
            db.session.commit()
            link = url_for(".confirm_email", _external=True,
                           token=tokens.make("confirm", owner.id, "unconfirmed"))
            email = owner.email
        queue_mail(email, "Plomba: potwierdź adres e-mail",
              f"Dzień dobry,\n\nfirma {form.name.data} ma konto w Plombie. Aby je włączyć, "
              f"otwórz link:\n{link}\n\nLink jest ważny 7 dni.")
        return render_template("auth/signup_done.html", email=email)
    return render_template("auth/signup.html", form=form)


@bp.route("/rejestracja/potwierdz/<token>")
def confirm_email(token):
    try:
        user_id, fingerprint = tokens.read("confirm", token, tokens.CONFIRM_MAX_AGE)
    except tokens.TokenError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".login"))
    with tenancy.all_tenants():
        user = db.session.get(User, user_id)
        used = user is None or user.email_confirmed_at is not None
        if used or not tokens.matches(fingerprint, "unconfirmed"):
            flash("Ten link został już użyty albo jest nieprawidłowy.", "error")
            return redirect(url_for(".login"))
        with tenancy.use_tenant(user.tenant_id):
            user.email_confirmed_at = clock.now()
            db.session.commit()
    flash("Potwierdzono adres e-mail. Możesz się zalogować.", "success")
    return redirect(url_for(".login"))


@bp.route("/haslo/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        email = form.email.data.lower()
        with tenancy.all_tenants():
            user = db.session.scalar(select(User).where(func.lower(User.email) == email))
            if user is not None and user.is_active and user.tenant.active:
                link = url_for(".reset_password", _external=True,
                               token=tokens.make("reset", user.id, user.password_hash))
                queue_mail(user.email, "Plomba: ustawienie nowego hasła",
                      f"Dzień dobry,\n\nktoś (mamy nadzieję, że Ty) poprosił o nowe hasło do "
                      f"Plomby. Aby je ustawić, otwórz link:\n{link}\n\nLink jest ważny "
                      "godzinę i działa raz. Jeśli to nie Ty, zignoruj tę wiadomość.")
        # The same answer whether the account exists or not: no hint for guessing addresses.
        flash("Jeśli konto z tym adresem istnieje, wysłaliśmy na nie link do ustawienia nowego "
              "hasła.", "info")
        return redirect(url_for(".login"), code=303)
    return render_template("auth/reset_request.html", form=form)


@bp.route("/haslo/nowe/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        user_id, fingerprint = tokens.read("reset", token, tokens.RESET_MAX_AGE)
    except tokens.TokenError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".reset_request"))
    with tenancy.all_tenants():
        user = db.session.get(User, user_id)
        valid = user is not None and tokens.matches(fingerprint, user.password_hash)
    if not valid:
        flash("Ten link został już użyty. Poproś o nowy.", "error")
        return redirect(url_for(".reset_request"))
    form = NewPasswordForm(user)
    if form.validate_on_submit():
        with tenancy.use_tenant(user.tenant_id):
            user.password_hash = hash_password(form.password.data)
            sessions.end_all(user)  # whoever knew the old password is signed out
            db.session.commit()
        flash("Ustawiono nowe hasło. Zaloguj się.", "success")
        return redirect(url_for(".login"), code=303)
    return render_template("auth/reset_password.html", form=form)
