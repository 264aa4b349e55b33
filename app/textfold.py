"""How text is folded for search: lower case, no diacritics, Polish "ł" as "l".

"leczyca" finds "Łęczyca", "ZOLW" finds "Żółw". One function, beneath the models, because the
party's stored search key (`Party.name_key`) is folded with it when the name is set, and the
search terms (app/search.py) are folded with it before they reach the database, so both
databases compare the same folded text without a function of their own.

NFKD splits a letter from its accents (ą = a + ogonek, ó = o + acute); the table covers the
letters that carry their stroke inside them and do not split (ł, ø, đ) and a few ligatures,
as PostgreSQL's `unaccent` rules do.
"""

import unicodedata

_UNSPLIT = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
    "ħ": "h", "Ħ": "H", "ı": "i", "ŧ": "t", "Ŧ": "T", "ß": "ss", "æ": "ae", "Æ": "AE",
    "œ": "oe", "Œ": "OE", "þ": "th", "Þ": "TH",
})


def fold(text: str | None) -> str:
    """`text` in lower case without diacritics ("Łęczyca" -> "leczyca")."""
    if not text:
        return ""
    if text.isascii():  # most names and every number: nothing to strip
        return text.lower()
    split = unicodedata.normalize("NFKD", text.translate(_UNSPLIT))
    return "".join(ch for ch in split if not unicodedata.combining(ch)).lower()
