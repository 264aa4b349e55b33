"""The report's parameters: a read-only GET form (preview, print) that export posts too."""


from wtforms import BooleanField, SelectField, ValidationError

from app.days import add_months, range_problem
from app.forms_common import PlDateField, PlForm, choices, present
from app.parties import queries as party_queries
from app.reports.params import FORMATS, KIND_LABELS, ReportParams

MAX_RANGE_YEARS = 5


class ReportForm(PlForm):
    class Meta:
        # Preview and print are GET requests that change nothing; export is a POST that
        # CSRFProtect checks for the whole app.
        csrf = False

    kind = SelectField("Rodzaj raportu", choices=choices(KIND_LABELS.items()),
                       default="services")
    date_from = PlDateField("Data od", [present("Podaj datę początkową zakresu.")])
    date_to = PlDateField("Data do", [present("Podaj datę końcową zakresu.")])
    producer_id = SelectField("Producent", validate_choice=False)
    by_producer = BooleanField("Opis podziału wg producentów")
    fmt = SelectField("Format pliku", choices=choices(FORMATS.items()), default="xlsx")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._producers = {p.id: p.name for p in party_queries.producers()}
        self.producer_id.choices = choices(
            [("", "Wszyscy producenci")] + [(str(i), n) for i, n in self._producers.items()])

    def validate_kind(self, field):
        if field.data not in KIND_LABELS:
            raise ValidationError("Wybierz rodzaj raportu z listy.")

    def validate_date_to(self, field):
        start, end = self.date_from.data, field.data
        if start is None or end is None:
            return
        problem = range_problem(start, end)
        if problem:
            raise ValidationError(problem)
        if end >= add_months(start, 12 * MAX_RANGE_YEARS):
            raise ValidationError(f"Zakres dat może obejmować najwyżej {MAX_RANGE_YEARS} lat.")

    def validate_producer_id(self, field):
        raw = (field.data or "").strip()
        if not raw:
            return
        if not raw.isdigit() or int(raw) not in self._producers:
            raise ValidationError("Nie ma takiego producenta. Wybierz producenta z listy.")

    def validate_fmt(self, field):
        if field.data not in FORMATS:
            raise ValidationError("Wybierz format pliku: PDF, XLSX albo CSV.")

    def params(self) -> ReportParams:
        raw = (self.producer_id.data or "").strip()
        return ReportParams(kind=self.kind.data, date_from=self.date_from.data,
                            date_to=self.date_to.data,
                            producer_id=int(raw) if raw else None,
                            by_producer=bool(self.by_producer.data))
