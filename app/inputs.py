"""The request's raw values, made safe once for every view: ids in URLs, `request.args` and
`request.form` (which WTForms reads too).

- `<int:...>` in a route takes only ids an Integer column can hold: a larger one is a 404 like
  any unknown id, instead of an OverflowError (SQLite) or a DataError (PostgreSQL) in the query.
- `request.args.get(name, type=int)` / `request.form.get(...)` give the default for an integer
  out of that range, as they already do for one that does not parse.
- Every value of the query string and of a posted form loses its control characters (NUL above
  all, which PostgreSQL refuses in text); tab and line breaks stay for multi-line text, and the
  forms whose field must be one line say so themselves.
Views and forms keep reading the request as Flask documents it; nothing to remember per view.
"""

from flask import Flask, Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

from app.bounds import INT_MAX, clean_text, int_or_none


class IdConverter(IntegerConverter):
    """`<int:...>`: a non-negative id no larger than the id columns hold."""

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class RequestValues(ImmutableMultiDict):
    """request.args and request.form: values without control characters, bounded integers."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif isinstance(mapping, dict):
            pairs = ((k, v) for k, vs in mapping.items()
                     for v in (vs if isinstance(vs, list | tuple) else [vs]))
        else:
            pairs = mapping
        super().__init__([(_clean(k), _clean(v)) for k, v in pairs])

    def get(self, key, default=None, type=None):  # noqa: A002 (werkzeug's signature)
        if type is int:
            value = int_or_none(super().get(key))
            return default if value is None else value
        return super().get(key, default, type)


def _clean(value):
    return clean_text(value) if isinstance(value, str) else value


class PlombaRequest(Request):
    parameter_storage_class = RequestValues


def register(app: Flask) -> None:
    """Before any blueprint: rules are compiled with the converters the map has then."""
    app.url_map.converters["int"] = IdConverter
    app.request_class = PlombaRequest
