from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

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
