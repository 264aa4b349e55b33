import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import clock
from app.extensions import db
from app.models.base import TenantOwned, Timestamps, UTCDateTime
from app.models.tenant import Tenant


class Role(StrEnum):
    OWNER = "owner"
    OFFICE = "office"
    TECHNICIAN = "technician"

    @property
    def label(self) -> str:
        return {"owner": "Właściciel", "office": "Biuro", "technician": "Serwisant"}[self.value]


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, TenantOwned, Timestamps, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # E-mail is the login, so it is unique across the platform, not only within a tenant.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.OFFICE.value)
    is_active_user: Mapped[bool] = mapped_column("active", default=True)
    # Part of the login cookie (get_id): rotating it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None until the link of the sign-up e-mail is opened; accounts made by an owner or the
    # CLI are confirmed when created.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=clock.now)
    # Set while an invited user has not yet set a password through the invitation's link.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tenant: Mapped[Tenant] = relationship()

    @property
    def is_active(self) -> bool:
        return self.is_active_user

    # Set by app/auth/sessions.py for the signed-in request: which UserSession this is.
    session_key = None
    session_id = None

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and the remember cookie: the user, the user's
        # rotating token (a new one ends every session) and the key of this one session.
        return f"{self.id}:{self.session_token}:{self.session_key}"

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class SignedInBrowser:
    """What a session record holds, for users and operators alike (app/auth/sessions.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(400), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserSession(SignedInBrowser, TenantOwned, db.Model):
    """One signed-in browser of a user: listed on "Moje konto", ended one by one or all at
    once. Only a hash of the key is kept; the key itself lives in the user's cookie."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_last_seen", "user_id", "last_seen_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"


class Operator(UserMixin, Timestamps, db.Model):
    """A platform operator: signs in to /platform only, belongs to no tenant."""

    __tablename__ = "operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)

    # Set by app/auth/sessions.py for the signed-in request, as for users.
    session_key = None
    session_id = None

    def get_id(self) -> str:
        return f"op:{self.id}:{self.session_token}:{self.session_key}"


class OperatorSession(SignedInBrowser, db.Model):
    """One signed-in browser of an operator: the same record, idle limit and logout as a
    user's (UserSession). Operators belong to no tenant, so neither do their sessions."""

    __tablename__ = "operator_session"
    __table_args__ = (Index("ix_operator_session_operator_last_seen", "operator_id",
                            "last_seen_at"),)

    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id", ondelete="CASCADE"))
    operator: Mapped[Operator] = relationship()

    def __repr__(self) -> str:
        return f"<OperatorSession {self.id} of operator {self.operator_id}>"
