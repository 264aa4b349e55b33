"""What a domain operation refuses, in a shape every entry point can show: a screen puts a
field's message under its input, the API answers with the field names, the CLI prints them.
(`orders.workflow.WorkflowError` has the same idea for the order's states: message and field.)"""

from collections.abc import Mapping


class FieldErrors(Exception):
    """Values a record cannot be saved with: the message (Polish) per field, named as in the
    form and the API. Nothing was written."""

    def __init__(self, problems: Mapping[str, object]):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


class FieldError(FieldErrors):
    """One field's value cannot be saved (a taken NIP, a taken identifier...)."""

    def __init__(self, field: str, message: str):
        super().__init__({field: message})
        self.field = field
        self.message = message


class Refused(Exception):
    """An action refused as a whole (a record still referenced, a role that may not); the
    message is for the user. Nothing was written."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
