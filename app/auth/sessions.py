"""Server-side records of signed-in browsers: UserSession for users, OperatorSession for
platform operators, with the same key, idle limit and logout.

The login cookie (Flask-Login's session and remember cookie) carries
"user id : user token : session key". A session is good while its record is not ended nor
idle for too long and the user's token is unchanged: ending one record signs one browser
out, rotating the token (accounts.end_sessions: password change, reset, deactivation) signs
out all of them.
"""

import hashlib
import re
import secrets
from contextlib import nullcontext
from datetime import datetime, timedelta

from flask import abort, current_app, request
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from app import clock, tenancy
from app.extensions import db
from app.models import Operator, OperatorSession, User, UserSession

# Writing last_seen_at on every request would make every page view a write; once a minute
# is precise enough for "ostatnia aktywność".
TOUCH_EVERY = timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def idle_limit(remember: bool) -> timedelta:
    """How long a session may go unused: a remembered browser as long as its cookie lasts,
    any other for a working day."""
    config = current_app.config
    return config["REMEMBER_COOKIE_DURATION"] if remember else config["SESSION_IDLE_LIMIT"]


def _expired(row: UserSession | OperatorSession, now: datetime) -> bool:
    return now - row.last_seen_at > idle_limit(row.remember)


def _kind(account: User | Operator):
    """The session model of the account's kind, the name of its owner column, and the scope
    its rows live in: a user's records are tenant rows (row-level security), an operator's
    belong to no tenant, like the operator."""
    if isinstance(account, Operator):
        return OperatorSession, "operator_id", nullcontext()
    return UserSession, "user_id", tenancy.use_tenant(account.tenant_id)


def start(account: User | Operator, remember: bool) -> None:
    """Record a new session for a user or operator who has just proved the password; the
    key goes into the cookie through account.get_id()."""
    key = secrets.token_urlsafe(24)
    now = clock.now()
    model, owner, scope = _kind(account)
    with scope:
        _prune(model, getattr(model, owner) == account.id, now)
        row = model(**{owner: account.id}, key_hash=_hash(key), remember=remember,
                    created_at=now, last_seen_at=now, ip=_client_ip(),
                    user_agent=(request.user_agent.string or "")[:400])
        db.session.add(row)
        if isinstance(account, User):
            account.last_login_at = now
        db.session.commit()
        # Reloaded here, in the tenant: the request has none yet and login_user reads it.
        db.session.refresh(account)
        account.session_key, account.session_id = key, row.id


def _prune(model, owned, now: datetime) -> None:
    # Records unused for longer than any session may live are of no use to anyone; dropping
    # them at sign-in keeps the table at a handful of rows per account without a separate
    # job. Ended ones stay until then: "Moje konto" shows the previous sign-in from them.
    oldest = now - max(idle_limit(True), idle_limit(False))
    db.session.execute(delete(model).where(owned, model.last_seen_at < oldest))


def resume(user_id: int, token: str, key: str) -> User | None:
    """The user of a cookie, or None when its session is over. Runs as the login manager's
    user_loader, before the request has a tenant: one query across tenants by the key."""
    if not key:
        return None
    with tenancy.all_tenants():
        row = db.session.scalar(
            select(UserSession)
            .options(joinedload(UserSession.user).joinedload(User.tenant))
            .where(UserSession.key_hash == _hash(key)))
        if row is None or row.user_id != user_id or row.ended_at is not None:
            return None
        user = row.user
        if user.session_token != token or not user.is_active or not user.tenant.active:
            return None
        if not _still_alive(row):
            return None
    user.session_key, user.session_id = key, row.id
    return user


def resume_operator(operator_id: int, token: str, key: str) -> Operator | None:
    """The operator of a cookie, or None when its session is over (ended at logout, idle for
    too long, or the operator's token rotated)."""
    if not key:
        return None
    row = db.session.scalar(
        select(OperatorSession).options(joinedload(OperatorSession.operator))
        .where(OperatorSession.key_hash == _hash(key)))
    if row is None or row.operator_id != operator_id or row.ended_at is not None:
        return None
    operator = row.operator
    if operator.session_token != token or not _still_alive(row):
        return None
    operator.session_key, operator.session_id = key, row.id
    return operator


def _still_alive(row: UserSession | OperatorSession) -> bool:
    now = clock.now()
    if _expired(row, now):
        return False
    if now - row.last_seen_at > TOUCH_EVERY:
        _touch(row, now)
    return True


def _touch(row: UserSession | OperatorSession, now: datetime) -> None:
    # Its own short transaction: the request's session keeps its objects unexpired and the
    # view's own transaction is not committed early.
    model = type(row)
    scope = tenancy.use_tenant(row.tenant_id) if model is UserSession else nullcontext()
    with Session(db.engine) as session, scope:
        session.execute(update(model).where(model.id == row.id)
                        .values(last_seen_at=now, ip=_client_ip()))
        session.commit()


def _client_ip() -> str:
    return (request.remote_addr or "")[:45]


def active(user: User) -> list[UserSession]:
    """The user's sessions that can still be used, the most recently active first."""
    now = clock.now()
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).all()
    return [row for row in rows if not _expired(row, now)]


def previous_sign_in(user: User) -> UserSession | None:
    """The user's sign-in before this one (kept up to 30 days), for noticing a stranger's."""
    return db.session.scalar(
        select(UserSession).where(UserSession.user_id == user.id,
                                  UserSession.id != user.session_id)
        .order_by(UserSession.created_at.desc(), UserSession.id.desc()).limit(1))


def active_counts() -> dict[int, int]:
    """Live sessions per user of the current tenant, for the owner's list of users."""
    now = clock.now()
    counts: dict[int, int] = {}
    for row in db.session.scalars(select(UserSession).where(UserSession.ended_at.is_(None))):
        if not _expired(row, now):
            counts[row.user_id] = counts.get(row.user_id, 0) + 1
    return counts


def own_or_404(user: User, session_id: int) -> UserSession:
    """One of the user's own sessions by id: another user's, like another tenant's, is not
    found."""
    row = tenancy.get_or_404(UserSession, session_id)
    if row.user_id != user.id:
        abort(404)
    return row


def end(row: UserSession) -> None:
    row.ended_at = clock.now()


def end_current(account: User | Operator) -> None:
    """Logout: this browser's record ends, so a copy of its cookie is refused from now on."""
    if account.session_id is not None:
        model = OperatorSession if isinstance(account, Operator) else UserSession
        db.session.execute(update(model).where(model.id == account.session_id)
                           .values(ended_at=clock.now()))


# --- "Chrome 131 · Windows" from a User-Agent: enough to tell one's own browsers apart ----

_BROWSERS = (  # order matters: Edge and Opera also say "Chrome", Chrome also says "Safari"
    ("Edge", r"Edg(?:e|A|iOS)?/(\d+)"),
    ("Opera", r"(?:OPR|Opera)/(\d+)"),
    ("Firefox", r"(?:Firefox|FxiOS)/(\d+)"),
    ("Chrome", r"(?:Chrome|CriOS)/(\d+)"),
    ("Safari", r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/"),
)
_SYSTEMS = (
    ("Android", r"Android"),
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux"),
)


def describe(user_agent: str) -> str:
    browser = next((f"{name} {m.group(1)}" for name, pattern in _BROWSERS
                    if (m := re.search(pattern, user_agent))), None)
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, user_agent)), None)
    parts = [p for p in (browser, system) if p]
    return " · ".join(parts) if parts else "Nieznana przeglądarka"
