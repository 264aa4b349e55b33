from datetime import date

from wtforms.validators import ValidationError

from app.forms_common import PlDateField, PlForm, present


def years_ago(today: date, years: int) -> date:
    """The same day `years` earlier; 29 February becomes the 28th."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


class ServiceBookRepairForm(PlForm):
    since = PlDateField("Zlecenia od dnia",
                        validators=[present("Podaj datę, od której poprawić zlecenia.")],
                        default=lambda: years_ago(date.today(), 2))

    def validate_since(self, field):
        if field.data and field.data > date.today():
            raise ValidationError("Data nie może być późniejsza niż dzisiejsza.")
