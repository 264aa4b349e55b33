from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Optional

from app.catalog.service import ServiceData
from app.forms_common import PlDecimalField, PlForm, at_least, choices, max_len, required, strip
from app.models import SPECIAL_KIND_LABELS, VAT_RATES, Service

SPECIAL_KIND_CHOICES = choices(
    [("", "brak")] + [(k, f"{k}: {v}") for k, v in SPECIAL_KIND_LABELS.items()]
)
VAT_CHOICES = choices((v, f"{v}%" if v != "zw" else "zw.") for v in VAT_RATES)


class ServiceForm(PlForm):
    name = StringField("Nazwa usługi", filters=[strip],
                       validators=[required("Podaj nazwę usługi."), max_len(200)])
    price = PlDecimalField("Cena netto (zł)", places=2, default=0, column=Service.price,
                           validators=[Optional(), at_least(0)])
    vat_rate = SelectField("Stawka VAT", choices=VAT_CHOICES, default="23")
    special_kind = SelectField("Usługa specjalna", choices=SPECIAL_KIND_CHOICES, default="")
    service_book = BooleanField("Wpis do książki serwisowej")
    active = BooleanField("Aktywna (do wyboru w zleceniach)", default=True)

    def to_data(self) -> ServiceData:
        return ServiceData(name=self.name.data, price=self.price.data, vat_rate=self.vat_rate.data,
                           special_kind=self.special_kind.data or None,
                           service_book=self.service_book.data, active=self.active.data)
