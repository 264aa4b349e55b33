"""What the registry screens (clients, sites, producers, devices, services, technicians) share:
the one decorator for deleting, and "call the service, or show why not" for forms and deletes.
The rules themselves are in the services; this only carries their answers to the screen."""

from collections.abc import Callable
from typing import TypeVar

from flask import flash
from flask_login import current_user

from app.auth.access import roles_required
from app.domain_errors import FieldErrors, Refused
from app.references import DELETE_ROLES, may_delete

T = TypeVar("T")

deleters = roles_required(*DELETE_ROLES)


def delete_context() -> dict:
    """For a blueprint's templates: whether to offer "Usuń" (the same set as `deleters`)."""
    return {"may_delete": may_delete(getattr(current_user, "role", None))}


def submit(form, call: Callable[[], T], render: Callable = str) -> T | None:
    """Validate the submitted form and call the service; its result, or None when the form or
    the service refused (the messages are then at the fields and the form is shown again)."""
    if not form.validate_on_submit():
        return None
    try:
        return call()
    except FieldErrors as exc:
        show(form, exc.problems, render)
        return None


def show(form, problems: dict, render: Callable = str) -> None:
    """Each problem at its field, unless the field already says why it could not be read."""
    for name, problem in problems.items():
        field = getattr(form, name)
        if not field.errors:
            field.errors = [*field.errors, render(problem)]


def deleted(call: Callable[[], object]) -> bool:
    """Call the service's delete; a refusal (still referenced) is flashed and gives False."""
    try:
        call()
    except Refused as exc:
        flash(exc.message, "error")
        return False
    return True
