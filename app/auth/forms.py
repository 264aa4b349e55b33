from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from app.accounts import AccountError
from app.forms_common import PlForm


class LoginForm(PlForm):
    email = EmailField(
        "E-mail",
        validators=[
            DataRequired("Podaj adres e-mail."),
            Email("To nie jest poprawny adres e-mail."),
            Length(max=254),
        ],
    )
    password = PasswordField(
        "Hasło", validators=[DataRequired("Podaj hasło."), Length(max=200)]
    )
    remember = BooleanField("Zapamiętaj mnie na tym komputerze")


def show_refusal(form: PlForm, refusal: AccountError, **renamed: str) -> None:
    """Each of the domain's reasons at its field (`renamed`: the domain's field name -> the
    form's); a reason about no field of this form goes to the first one."""
    first = next(f for f in form if f.name != "csrf_token")
    for name, message in refusal.problems.items():
        field = form._fields.get(renamed.get(name, name), first)
        field.errors = [*field.errors, message]
