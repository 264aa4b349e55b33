"""The operators' form of a catalogue entry: the fields and rules of a company's producer form
(NIP, address, "Kontrola Nr-f." numbers and the registry's address), shared, not copied."""

from wtforms import BooleanField, StringField

from app.forms_common import PlForm, max_len, required, strip
from app.parties.catalogue import CatalogueEntry
from app.parties.forms import AddressMixin, ProducerNumbersMixin, validate_nip_value


class CatalogueEntryForm(ProducerNumbersMixin, AddressMixin, PlForm):
    name = StringField("Nazwa", filters=[strip],
                       validators=[required("Podaj nazwę producenta."), max_len(200)])
    nip = StringField("NIP", filters=[strip], validators=[required("Podaj NIP."), max_len(16)])
    online = BooleanField("Domyślnie Online: dokumentacja wysyłana przy zamknięciu lub "
                          "rozliczeniu zlecenia")

    def validate_nip(self, field):
        validate_nip_value(field)

    def to_data(self) -> CatalogueEntry:
        return CatalogueEntry(
            name=self.name.data, nip=self.nip.data, street=self.street.data,
            postal_code=self.postal_code.data, city=self.city.data,
            factory_masks=self.factory_masks.data, unique_prefixes=self.unique_prefixes.data,
            api_url=self.api_url.data, online=self.online.data)
