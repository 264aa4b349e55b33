"""Accounts: service companies (tenants) with their owner, their users, platform operators.

Every entry point (sign-up, the owner's user screens, the account page, password reset, the
CLI, the tests' factories) calls these functions, so the rules live here once: one password
rule, an e-mail is one account across the platform, a company keeps an active owner.
Each function checks everything first and raises AccountError having written nothing, or
writes, records the audit entry and commits. No web module is imported here.
"""

import secrets

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app import audit, clock, tenancy
from app.accounts import consent, expiry, mail_proof
from app.accounts.passwords import hash_password, needs_rehash, weakness
from app.catalog.service import starter_services
from app.extensions import db
from app.identifiers import IdentifierError, normalize_nip, normalize_postal_code
from app.models import Operator, Role, Tenant, User, UserSession
from app.models.user import new_session_token

EMAIL_TAKEN = "Konto z tym adresem e-mail już istnieje."
NIP_TAKEN = "Firma z tym NIP jest już zarejestrowana w Plombie."
LAST_OWNER_DEMOTED = ("To jedyny aktywny właściciel firmy: najpierw nadaj rolę właściciela "
                      "komuś innemu.")
LAST_OWNER_DEACTIVATED = "Nie można wyłączyć jedynego aktywnego właściciela firmy."


class AccountError(ValueError):
    """Why an account operation was refused: messages in Polish by the field they concern
    (name, nip, email, password, role, active, tenant)."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(" ".join(problems.values()))
        self.problems = problems


class AlreadyRegistered(AccountError):
    """The e-mail (or, at sign-up, the NIP) already has an account. Raised only when nothing
    else was wrong, so that the answer to the person typing can be the same as a success:
    whether an address or a company uses Plomba is not told to strangers (issue 11, item 9).
    The entry point tells the existing account's owner by e-mail instead."""

    def __init__(self, problems: dict[str, str], *, email: str = "",
                 nip_tenant_id: int | None = None, email_tenant_id: int | None = None):
        super().__init__(problems)
        self.email = email  # the address that has an account, "" when only the NIP does
        self.email_tenant_id = email_tenant_id
        self.nip_tenant_id = nip_tenant_id


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def email_taken(email: str) -> bool:
    """E-mail is the login: one account per address across every tenant."""
    return _tenant_of_email(email) is not None


def _tenant_of_email(email: str) -> int | None:
    with tenancy.all_tenants():
        return db.session.scalar(
            select(User.tenant_id).where(func.lower(User.email) == normalize_email(email)))


def owner_emails(tenant_id: int) -> list[str]:
    """The addresses of the tenant's active owners (to tell them of a sign-up with their NIP)."""
    with tenancy.use_tenant(tenant_id):
        return list(db.session.scalars(
            select(User.email).where(User.role == Role.OWNER.value,
                                     User.is_active_user.is_(True)).order_by(User.id)))


def password_problems(password: str, email: str, names=()) -> dict[str, str]:
    problem = weakness(password or "", email, [n for n in names if n])
    return {"password": problem} if problem else {}


def _commit_unique_email(email: str) -> None:
    # Another request may take the address between the check and the commit.
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyRegistered({"email": EMAIL_TAKEN}, email=email,
                                email_tenant_id=_tenant_of_email(email)) from None


def _refuse_taken(email: str, nip: str | None = None) -> None:
    """AlreadyRegistered when the e-mail (or the NIP) has an account; called once the input
    is otherwise valid."""
    problems: dict[str, str] = {}
    nip_tenant_id = None
    if nip is not None:
        with tenancy.all_tenants():
            nip_tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.nip == nip))
        if nip_tenant_id is not None:
            problems["nip"] = NIP_TAKEN
    email_tenant_id = _tenant_of_email(email)
    if email_tenant_id is not None:
        problems["email"] = EMAIL_TAKEN
    if problems:
        # As long as a new account's hashing: the answer's timing must not tell either.
        hash_password(secrets.token_urlsafe(24))
        raise AlreadyRegistered(problems, email=email if email_tenant_id else "",
                                email_tenant_id=email_tenant_id, nip_tenant_id=nip_tenant_id)


def create_tenant(name: str, nip: str, owner_email: str, owner_password: str, *,
                  street: str = "", postal_code: str = "", city: str = "",
                  confirmed: bool = True, terms_accepted: bool = False,
                  starter_catalogue: bool = True) -> int:
    """A service company and its owner in one transaction, with the starter catalogue of
    services (app/catalog/service.py); returns the tenant's id. An owner from sign-up
    (confirmed=False) signs in once the e-mail's link is opened; the company expires if that
    does not happen within 7 days (app/accounts/expiry.py), and an expired one holding this
    NIP or e-mail is removed first. terms_accepted: the current terms and privacy notice were
    accepted now (app/accounts/consent.py). AccountError for wrong input; then
    AlreadyRegistered when the NIP or the e-mail has an account."""
    name, owner_email = (name or "").strip(), normalize_email(owner_email)
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "Podaj nazwę firmy."
    try:
        nip = normalize_nip(nip)
    except IdentifierError as exc:
        problems["nip"] = str(exc)
    try:
        postal_code = normalize_postal_code(postal_code)
    except IdentifierError as exc:
        problems["postal_code"] = str(exc)
    problems |= password_problems(owner_password, owner_email, [name])
    if problems:
        raise AccountError(problems)
    expiry.expire_unconfirmed(nip=nip, email=owner_email)
    _refuse_taken(owner_email, nip)
    tenant = Tenant(name=name, nip=nip, street=street, postal_code=postal_code, city=city,
                    confirmed_at=clock.now() if confirmed else None)
    if terms_accepted:
        consent.record_acceptance(tenant)
    with tenancy.all_tenants():  # a new tenant belongs to no tenant yet
        db.session.add(tenant)
        db.session.flush()
    tenant_id = tenant.id
    with tenancy.use_tenant(tenant_id):
        owner = User(email=owner_email, password_hash=hash_password(owner_password),
                     role=Role.OWNER.value)
        db.session.add(owner)
        if starter_catalogue:
            db.session.add_all(starter_services())
        db.session.flush()
        if not confirmed:  # after the INSERT: the column's default is "confirmed now"
            owner.email_confirmed_at = None
        _commit_unique_email(owner_email)
    return tenant_id


def update_company(tenant: Tenant, *, name: str, street: str = "", postal_code: str = "",
                   city: str = "", email: str = "", phone: str = "") -> None:
    """The company's own data (Administracja -> Firma); its NIP stays. AccountError for a
    missing name or a postal code that is not one."""
    name, problems = (name or "").strip(), {}
    if not name:
        problems["name"] = "Podaj nazwę firmy."
    try:
        postal_code = normalize_postal_code(postal_code)
    except IdentifierError as exc:
        problems["postal_code"] = str(exc)
    if problems:
        raise AccountError(problems)
    tenant.name, tenant.street, tenant.postal_code, tenant.city = name, street, postal_code, city
    tenant.email, tenant.phone = email, phone
    audit.record("tenant.profile_updated", tenant, tenant.name)
    db.session.commit()


def create_user(tenant_id: int, email: str, role: str, password: str | None = None, *,
                name: str = "", actor_id: int | None = None) -> User:
    """A user of the tenant. Without a password the user is invited: the account has no
    usable password until the invitation's link sets one. AccountError for wrong input;
    then AlreadyRegistered when the e-mail has an account (in this tenant or another)."""
    email = normalize_email(email)
    problems: dict[str, str] = {}
    with tenancy.all_tenants():
        if db.session.get(Tenant, tenant_id) is None:
            problems["tenant"] = f"Nie ma firmy o id {tenant_id}."
    if role not in {r.value for r in Role}:
        problems["role"] = "Wybierz rolę z listy."
    if password is not None:
        problems |= password_problems(password, email, [name])
    if problems:
        raise AccountError(problems)
    _refuse_taken(email)
    with tenancy.use_tenant(tenant_id):
        user = User(email=email, name=name, role=role,
                    password_hash=hash_password(password or secrets.token_urlsafe(24)),
                    invited_at=None if password else clock.now())
        db.session.add(user)
        db.session.flush()
        audit.record("user.created" if password else "user.invited", user,
                     f"{user.email} ({user.role_label})", user_id=actor_id)
        user_id = user.id
        _commit_unique_email(email)
    return user_id


def create_operator(email: str, password: str) -> int:
    """A platform operator (the /platform console), with the same password rule as everyone;
    returns the operator's id."""
    email = normalize_email(email)
    problems: dict[str, str] = {}
    if db.session.scalar(select(Operator.id).where(Operator.email == email)) is not None:
        problems["email"] = EMAIL_TAKEN
    problems |= password_problems(password, email)
    if problems:
        raise AccountError(problems)
    operator = Operator(email=email, password_hash=hash_password(password))
    db.session.add(operator)
    db.session.flush()
    operator_id = operator.id
    _commit_unique_email(email)
    return operator_id


def end_sessions(user: User, keep_session_id: int | None = None) -> None:
    """End every signed-in session of the user but `keep_session_id`, in the caller's
    transaction. The token rotates as well, so even a cookie made before session records
    existed stops working."""
    user.session_token = new_session_token()
    query = update(UserSession).where(UserSession.user_id == user.id,
                                      UserSession.ended_at.is_(None))
    if keep_session_id is not None:
        query = query.where(UserSession.id != keep_session_id)
    db.session.execute(query.values(ended_at=clock.now()))


def set_password(user: User, password: str, keep_session_id: int | None = None) -> None:
    """A new password chosen by the user (account page, reset, invitation): whoever knew the
    old one is signed out everywhere (but in `keep_session_id`)."""
    problems = password_problems(password, user.email, [user.name])
    if problems:
        raise AccountError(problems)
    user.password_hash = hash_password(password)
    end_sessions(user, keep_session_id)
    audit.record("user.password_changed", user, user.email, user_id=user.id)
    db.session.commit()


def set_password_from_mail(user: User, password: str) -> None:
    """A password set through a link mailed to the user (reset, invitation): the link proves
    the address too, so it confirms it (app/accounts/mail_proof.py) and ends the invitation."""
    problems = password_problems(password, user.email, [user.name])
    if problems:
        raise AccountError(problems)
    mail_proof.confirm_address(user)
    set_password(user, password)


def rehash_if_outdated(account: User | Operator, password: str) -> None:
    """At sign-in, with the password just proved: a hash of an older method or cost is
    replaced by one at the configured cost (committed by the caller's sign-in)."""
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)


def _is_last_active_owner(user: User) -> bool:
    if user.role != Role.OWNER.value or not user.is_active_user:
        return False
    owners = db.session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.OWNER.value, User.is_active_user.is_(True))) or 0
    return owners <= 1


def change_role(user: User, role: str, actor_id: int | None = None) -> bool:
    """Give the user another role; False when it already was the user's role. A company
    keeps at least one active owner."""
    if role not in {r.value for r in Role}:
        raise AccountError({"role": "Wybierz rolę z listy."})
    if role == user.role:
        return False
    if _is_last_active_owner(user):
        raise AccountError({"role": LAST_OWNER_DEMOTED})
    audit.record("user.role_changed", user, f"{user.email}: {user.role} → {role}",
                 user_id=actor_id)
    user.role = role
    db.session.commit()
    return True


def set_active(user: User, active: bool, actor_id: int | None = None) -> None:
    """Switch an account on or off (off: signed out everywhere at once); the last active
    owner stays on."""
    if not active and _is_last_active_owner(user):
        raise AccountError({"active": LAST_OWNER_DEACTIVATED})
    user.is_active_user = active
    if not active:
        end_sessions(user)
    audit.record("user.activated" if active else "user.deactivated", user, user.email,
                 user_id=actor_id)
    db.session.commit()

