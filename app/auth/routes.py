from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from app import accounts, tenancy
from app.accounts.passwords import verify_password
from app.auth import bp, login_limits, sessions
from app.auth.forms import LoginForm
from app.auth.redirects import local_path
from app.auth.signup import ResendForm
from app.extensions import db, limiter, login_manager
from app.models import User

BAD_CREDENTIALS = "Nieprawidłowy e-mail lub hasło."

login_manager.login_view = "auth.login"
login_manager.login_message = "Zaloguj się, aby kontynuować."
login_manager.login_message_category = "info"


@login_manager.user_loader
def load_user(user_id: str):
    """The cookie holds "id:token:session key" (users) or "op:id:token:session key"
    (operators)."""
    kind, _, rest = user_id.partition(":")
    if kind == "op":
        op_id, _, rest = rest.partition(":")
        token, _, key = rest.partition(":")
        return sessions.resume_operator(int(op_id), token, key) if op_id.isdigit() else None
    if not kind.isdigit():
        return None
    token, _, key = rest.partition(":")
    return sessions.resume(int(kind), token, key)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limits.per_address, methods=["POST"])
@limiter.limit(login_limits.per_account_and_address, methods=["POST"],
               key_func=login_limits.account_and_address, deduct_when=login_limits.failed)
@limiter.limit(login_limits.per_account, methods=["POST"], key_func=login_limits.account,
               deduct_when=login_limits.failed, exempt_when=login_limits.known_address)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    resend = None
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        with tenancy.all_tenants():
            user = db.session.scalar(select(User).where(func.lower(User.email) == email))
            tenant_active = user.tenant.active if user is not None else False
        if not verify_password(user.password_hash if user else None, form.password.data):
            form.password.errors.append(BAD_CREDENTIALS)
        elif not user.is_active:
            form.password.errors.append(
                "Konto jest nieaktywne. Skontaktuj się z właścicielem firmy.")
        elif user.email_confirmed_at is None:
            # Told only after the right password: the address's owner may learn its state.
            form.password.errors.append(
                "Potwierdź adres e-mail: otwórz link z wiadomości, którą wysłaliśmy po "
                "rejestracji.")
            resend = ResendForm(formdata=None, email=user.email)
        elif not tenant_active:
            form.password.errors.append(
                "Konto firmy jest zawieszone. Skontaktuj się z obsługą Plomby.")
        else:
            accounts.rehash_if_outdated(user, form.password.data)
            sessions.start(user, remember=form.remember.data)  # commits the new hash too
            login_user(user, remember=form.remember.data)
            return redirect(local_path(request.args.get("next")) or url_for("main.dashboard"),
                            code=303)
    return render_template("auth/login.html", form=form, resend=resend)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    sessions.end_current(current_user._get_current_object())
    db.session.commit()
    logout_user()
    flash("Wylogowano.", "info")
    return redirect(url_for("auth.login"), code=303)
