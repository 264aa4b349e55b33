"""The upload form and the column mapping as the screens send it."""

from flask_wtf.file import FileField
from wtforms import SelectField

from app.forms_common import PlForm, choices
from app.imports.columns import ImportKind, fields

KIND_CHOICES = choices((k.value, k.label) for k in ImportKind)


class UploadForm(PlForm):
    kind = SelectField("Co importujesz", choices=KIND_CHOICES, default=ImportKind.CLIENTS.value)
    file = FileField("Plik CSV albo XLSX")


# More columns than any spreadsheet of records has: an index past a row's end is an empty cell.
MAX_COLUMNS = 1000


def mapping_from(args, kind: ImportKind, columns: int = MAX_COLUMNS) -> dict[str, int | None]:
    """field -> column index from `m_<field>` parameters; anything else is no column."""
    mapping: dict[str, int | None] = {}
    for field in fields(kind):
        raw = args.get(f"m_{field.name}", "")
        mapping[field.name] = int(raw) if raw.isdigit() and int(raw) < columns else None
    return mapping
