"""Sign-up of a service company, e-mail confirmation (and sending its link again), and
password reset by e-mail. A reset link proves the address as well as the confirmation link
does, so it confirms an unconfirmed account too: nobody is stranded by a lost first e-mail."""

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo

from app import accounts, tenancy
from app.accounts import mail_proof
from app.auth import bp, tokens
from app.auth.forms import show_refusal
from app.extensions import db, limiter
from app.forms_common import PlForm, max_len, postal_code_validators, required, strip
from app.links import public_url
from app.models import Tenant, User
from workers import jobs as job_queue


def _password_field(label: str) -> PasswordField:
    return PasswordField(label, validators=[required("Podaj hasło.")])


class SignupForm(PlForm):
    name = StringField("Nazwa firmy serwisowej", filters=[strip],
                       validators=[required("Podaj nazwę firmy."), max_len(200)])
    nip = StringField("NIP firmy", filters=[strip], validators=[required("Podaj NIP firmy.")])
    street = StringField("Ulica i numer", filters=[strip], validators=[max_len(200)])
    postal_code = StringField("Kod pocztowy", filters=[strip], validators=postal_code_validators())
    city = StringField("Miejscowość", filters=[strip], validators=[max_len(100)])
    email = EmailField("E-mail właściciela (login)", filters=[strip], validators=[
        required("Podaj adres e-mail."), Email("To nie jest poprawny adres e-mail."),
        max_len(254)])
    password = _password_field("Hasło")
    repeat = PasswordField("Powtórz hasło",
                           validators=[EqualTo("password", message="Hasła nie są takie same.")])
    accept_terms = BooleanField(
        "Akceptuję Regulamin i zapoznałem(-am) się z Polityką prywatności",
        validators=[required("Aby założyć konto, zaakceptuj Regulamin i Politykę "
                             "prywatności.")])


class ResendForm(PlForm):
    """"Wyślij link ponownie": the address comes from the page that offers it (the sign-up's
    "check your e-mail" page, the sign-in page of an unconfirmed account) or is typed."""

    email = EmailField("E-mail", filters=[strip], validators=[
        required("Podaj adres e-mail."), Email("To nie jest poprawny adres e-mail."),
        max_len(254)])


class ResetRequestForm(PlForm):
    email = EmailField("E-mail", filters=[strip], validators=[
        required("Podaj adres e-mail."), Email("To nie jest poprawny adres e-mail."),
        max_len(254)])


class NewPasswordForm(PlForm):
    password = _password_field("Nowe hasło")
    repeat = PasswordField("Powtórz hasło",
                           validators=[EqualTo("password", message="Hasła nie są takie same.")])


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
        email = accounts.normalize_email(form.email.data)
        try:
            tenant_id = accounts.create_tenant(
                form.name.data, form.nip.data, email, form.password.data,
                street=form.street.data, postal_code=form.postal_code.data,
                city=form.city.data, confirmed=False, terms_accepted=True)
        except accounts.AlreadyRegistered as taken:
            # The same page as a success: whether an address or a NIP uses Plomba is told
            # only to its owner, by e-mail.
            _tell_owners_of(taken, form.name.data, email)
            return _check_your_email(email)
        except accounts.AccountError as refusal:
            show_refusal(form, refusal)
            return render_template("auth/signup.html", form=form)
        with tenancy.use_tenant(tenant_id):
            _send_confirmation(db.session.scalar(select(User)), form.name.data)
        return _check_your_email(email)
    return render_template("auth/signup.html", form=form)


def _check_your_email(email: str):
    return render_template("auth/signup_done.html", email=email,
                           resend=ResendForm(formdata=None, email=email))


def _send_confirmation(owner: User, company: str) -> None:
    link = public_url("auth.confirm_email", token=tokens.make("confirm", owner.id, "unconfirmed"))
    queue_mail(owner.email, "Plomba: potwierdź adres e-mail",
               f"Dzień dobry,\n\nfirma {company} ma konto w Plombie. Aby je włączyć, "
               f"otwórz link:\n{link}\n\nLink jest ważny 7 dni; po tym czasie "
               "niepotwierdzone konto jest usuwane.")


@bp.route("/rejestracja/wyslij-ponownie", methods=["POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"], methods=["POST"])
def resend_confirmation():
    """A new confirmation link for an account that waits for one. The answer is the same for
    any address (confirmed, unknown, expired): it tells nobody which addresses use Plomba."""
    form = ResendForm()
    if not form.validate_on_submit():
        flash(" ".join(form.email.errors) or "Podaj adres e-mail.", "error")
        return redirect(url_for(".login"), code=303)
    email = accounts.normalize_email(form.email.data)
    accounts.expiry.expire_unconfirmed(email=email)
    with tenancy.all_tenants():
        owner = db.session.scalar(select(User).where(func.lower(User.email) == email,
                                                     User.email_confirmed_at.is_(None)))
        if owner is not None and owner.is_active:
            _send_confirmation(owner, db.session.get(Tenant, owner.tenant_id).name)
    flash("Jeśli konto z tym adresem czeka na potwierdzenie, wysłaliśmy na nie nowy link.",
          "info")
    return _check_your_email(email)


def _tell_owners_of(taken: accounts.AlreadyRegistered, company: str, email: str) -> None:
    """A sign-up with an address or a NIP that has an account: the address's owner learns
    that someone used it, the company's owners that someone signed up with their NIP (with
    the address used, so that they can invite that person). The person who signed up gets
    nothing: the inbox of any address they type must not tell them who uses Plomba."""
    told = set()
    if taken.email:
        queue_mail(taken.email, "Plomba: próba rejestracji z Twoim adresem",
                   "Dzień dobry,\n\nktoś próbował założyć w Plombie konto firmy "
                   f"„{company}” z Twoim adresem e-mail. Masz już konto w Plombie, więc nowego "
                   "nie założyliśmy.\n\nJeśli to Ty: zaloguj się "
                   f"({public_url('auth.login')}) albo ustaw nowe hasło "
                   f"({public_url('auth.reset_request')}).\nJeśli to nie Ty, zignoruj tę "
                   "wiadomość: nic się nie zmieniło.")
        told.add(taken.email)
    if taken.nip_tenant_id is not None:
        for owner in accounts.owner_emails(taken.nip_tenant_id):
            if owner in told:
                continue
            queue_mail(owner, "Plomba: próba rejestracji Waszej firmy",
                       "Dzień dobry,\n\nktoś z adresu "
                       f"{email} próbował zarejestrować w Plombie firmę o NIP Waszej firmy "
                       "(podana nazwa: "
                       f"„{company}”). Firma ma już konto, więc nowego nie założyliśmy.\n\n"
                       "Jeśli to ktoś z Waszej firmy, zaproś go w Administracja → Użytkownicy "
                       f"({public_url('admin.users')}). Jeśli nie, zignoruj tę wiadomość.")


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
            mail_proof.confirm_address(user)
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
                link = public_url("auth.reset_password",
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
    return new_password_page(user, "Ustawiono nowe hasło. Zaloguj się.")


def new_password_page(user: User, done: str, **page):
    """The password form behind a link from the user's mailbox (a reset, an invitation): the
    password is set (which also confirms the address), then the user signs in."""
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            with tenancy.use_tenant(user.tenant_id):
                accounts.set_password_from_mail(user, form.password.data)
        except accounts.AccountError as refusal:
            show_refusal(form, refusal)
        else:
            flash(done, "success")
            return redirect(url_for(".login"), code=303)
    return render_template("auth/reset_password.html", form=form, **page)
