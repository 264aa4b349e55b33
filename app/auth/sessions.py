"""Server-side records of signed-in browsers (UserSession).

The login cookie (Flask-Login's session and remember cookie) carries
"user id : user token : session key". A session is good while its record is not ended nor
idle for too long and the user's token is unchanged: ending one record signs one browser
out, rotating the token (accounts.end_sessions: password change, reset, deactivation) signs
out all of them.
"""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import abort, current_app, request
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from app import clock, tenancy
from app.extensions import db
from app.models import User, UserSession

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


def _expired(row: UserSession, now: datetime) -> bool:
    return now - row.last_seen_at > idle_limit(row.remember)


def start(user: User, remember: bool) -> None:
    """Record a new session for a user who has just proved the password; the key goes into
    the cookie through user.get_id()."""
    key = secrets.token_urlsafe(24)
    now = clock.now()
    with tenancy.use_tenant(user.tenant_id):
        _prune(user.id, now)
        row = UserSession(user_id=user.id, key_hash=_hash(key), remember=remember,
                          created_at=now, last_seen_at=now, ip=_client_ip(),
                          user_agent=(request.user_agent.string or "")[:400])
        db.session.add(row)
        user.last_login_at = now
        db.session.commit()
        # Reloaded here, in the tenant: the request has none yet and login_user reads it.
        db.session.refresh(user)
        user.session_key, user.session_id = key, row.id


def _prune(user_id: int, now: datetime) -> None:
    # Records unused for longer than any session may live are of no use to anyone; dropping
    # them at sign-in keeps the table at a handful of rows per user without a separate job.
    # Ended ones stay until then: "Moje konto" shows the previous sign-in from them.
    oldest = now - max(idle_limit(True), idle_limit(False))
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id,
                                                 UserSession.last_seen_at < oldest))


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
        now = clock.now()
        if _expired(row, now):
            return None
        if now - row.last_seen_at > TOUCH_EVERY:
            _touch(row, now)
    user.session_key, user.session_id = key, row.id
    return user


def _touch(row: UserSession, now: datetime) -> None:
    # Its own short transaction: the request's session keeps its objects unexpired and the
    # view's own transaction is not committed early.
    with Session(db.engine) as session, tenancy.use_tenant(row.tenant_id):
        session.execute(update(UserSession).where(UserSession.id == row.id)
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


def end_current(user: User) -> None:
    if user.session_id is not None:
        db.session.execute(update(UserSession).where(UserSession.id == user.session_id)
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
