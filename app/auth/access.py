"""The one access check each view starts with: signed in, and of a role that may."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.models import Role, User


def roles_required(*roles: Role):
    """Signed-in tenant users of the given roles (all roles when none are given)."""
    allowed = {r.value for r in roles} or {r.value for r in Role}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not isinstance(current_user._get_current_object(), User):
                abort(404)
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(allowed)
        return wrapped

    return decorator


tenant_user = roles_required()
# Owners and office staff: they keep the company's data (catalogue, producers, clients,
# technicians), read the reports and the audit log; technicians only work on their orders.
office_staff = roles_required(Role.OWNER, Role.OFFICE)
owner_only = roles_required(Role.OWNER)
