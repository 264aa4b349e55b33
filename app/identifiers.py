"""Identifier rules of the domain: NIP, REGON, unique number, factory-number masks, the
postal code and the producer's lists of masks and prefixes. Each normaliser turns what people
type (spaces, dashes, lower case) into the one stored form, or refuses it with a message.
Pure functions, no Flask: the forms, the services, the CLI, the API and the registry emulator
share them."""

import re

from stdnum.exceptions import ValidationError
from stdnum.pl import nip as _nip
from stdnum.pl import regon as _regon

UNIQUE_NO_RE = re.compile(r"^[A-Z]{3}[0-9]{8}([0-9]{2})?$")
# What people type between groups of digits: spaces (also the no-break one) and dashes.
_TYPED_SEPARATORS = re.compile(r"[\s\u00a0-]+")


class IdentifierError(ValueError):
    """A value that breaks an identifier rule; the message is for the user, in Polish."""


def normalize_nip(value: str) -> str:
    """The 10 digits of a valid NIP (dashes, spaces and a PL prefix allowed on input)."""
    raw = (value or "").strip().upper()
    if raw.startswith("PL"):
        raw = raw[2:]
    compact = _nip.compact(raw)
    if not compact.isdigit() or len(compact) != 10:
        raise IdentifierError("NIP musi mieć 10 cyfr.")
    try:
        return _nip.validate(compact)
    except ValidationError:
        raise IdentifierError("Nieprawidłowy NIP: błędna suma kontrolna.") from None


def format_nip(value: str) -> str:
    return _nip.format(value) if value and len(value) == 10 else (value or "")


def normalize_regon(value: str) -> str:
    compact = _regon.compact(value or "")
    if not compact:
        return ""
    if not compact.isdigit() or len(compact) not in (9, 14):
        raise IdentifierError("REGON musi mieć 9 albo 14 cyfr.")
    try:
        return _regon.validate(compact)
    except ValidationError:
        raise IdentifierError("Nieprawidłowy REGON: błędna suma kontrolna.") from None


def normalize_unique_no(value: str, prefixes: list[str] | None = None) -> str:
    """Upper-case, spaces and dashes removed; 3 letters and 8 or 10 digits; one of the
    producer's prefixes when it lists any (else the registry would answer `Błąd: Nieznany
    prefix`)."""
    compact = _TYPED_SEPARATORS.sub("", value or "").upper()
    if not UNIQUE_NO_RE.match(compact):
        raise IdentifierError(
            "Nr unikatowy to 3 litery i 10 cyfr (starsze urządzenia: 3 litery i 8 cyfr)."
        )
    allowed = [p.strip().upper() for p in prefixes or [] if p.strip()]
    if allowed and compact[:3] not in allowed:
        raise IdentifierError(
            f"Prefiks {compact[:3]} nie należy do producenta (dozwolone: {', '.join(allowed)})."
        )
    return compact


def mask_matches(mask: str, value: str) -> bool:
    """`#` a digit, `@` a letter, `*` a letter or digit, anything else stands for itself."""
    if len(mask) != len(value):
        return False
    for m, c in zip(mask, value, strict=True):
        if m == "#":
            if not (c.isascii() and c.isdigit()):
                return False
        elif m == "@":
            if not (c.isascii() and c.isalpha()):
                return False
        elif m == "*":
            if not (c.isascii() and c.isalnum()):
                return False
        elif m != c:
            return False
    return True


_MASK_SYMBOLS = "#@*"


def _fit_mask(compact: str, mask: str) -> str | None:
    """`compact` (no separators) laid over `mask`: the mask's own separators (any character
    that is neither a symbol nor a letter or digit) put back where the mask has them. None when
    it does not fit."""
    separators = {m for m in mask if m not in _MASK_SYMBOLS and not m.isalnum()}
    chars = [c for c in compact if c not in separators]
    fitted: list[str] = []
    for m in mask:
        if m in separators:
            fitted.append(m)
        elif chars:
            fitted.append(chars.pop(0))
        else:
            return None
    value = "".join(fitted)
    return value if not chars and mask_matches(mask, value) else None


def normalize_factory_no(value: str, masks: list[str] | None = None) -> str:
    """Upper-case, like the unique number. With the producer's masks the separators typed
    between groups ("po 261 122 334", "PO-261-122-334") go, and the mask's own ones (a dash in
    `AB-######`) are put back, so one number has one stored form whatever way it was typed;
    without masks only spaces go (a dash may be part of such a number)."""
    typed = (value or "").strip().upper()
    if not typed:
        raise IdentifierError("Podaj nr fabryczny.")
    masks = [m.upper() for m in masks or [] if m]
    compact = re.sub(r"\s+", "", typed)
    if len(compact) > 32:
        raise IdentifierError("Nr fabryczny może mieć najwyżej 32 znaki.")
    if masks:
        for mask in masks:
            if mask_matches(mask, compact):
                break
            fitted = _fit_mask(_TYPED_SEPARATORS.sub("", typed), mask)
            if fitted is not None:
                compact = fitted
                break
        else:
            raise IdentifierError(
                f"Nr fabryczny nie pasuje do masek producenta: {', '.join(masks)}.")
    return compact


POSTAL_CODE_RE = re.compile(r"^([0-9]{2})[\s\u00a0-]*([0-9]{3})$")
POSTAL_CODE_MESSAGE = "Kod pocztowy to 5 cyfr w formacie 00-000, np. 99-100."


def normalize_postal_code(value: str) -> str:
    """A Polish postal code as 00-000, from "99100", "99 100" or "99-100"; empty stays empty
    (an address may have none yet)."""
    typed = (value or "").strip()
    if not typed:
        return ""
    match = POSTAL_CODE_RE.match(typed)
    if not match:
        raise IdentifierError(POSTAL_CODE_MESSAGE)
    return f"{match.group(1)}-{match.group(2)}"


FACTORY_MASK_MAX = 32


def _entries(values: str | list[str] | None) -> list[str]:
    """Upper-cased entries without repeats, from a list or text split at commas and lines."""
    if isinstance(values, str):
        values = values.replace(",", "\n").splitlines()
    seen: list[str] = []
    for entry in ((v or "").strip().upper() for v in values or []):
        if entry and entry not in seen:
            seen.append(entry)
    return seen


def normalize_factory_masks(values: str | list[str] | None) -> list[str]:
    """A producer's factory-number masks (see mask_matches), one per line or comma."""
    masks = _entries(values)
    for mask in masks:
        if len(mask) > FACTORY_MASK_MAX:
            raise IdentifierError(
                f"Maska {mask} jest za długa (najwyżej {FACTORY_MASK_MAX} znaki).")
    return masks


def normalize_unique_prefixes(values: str | list[str] | None) -> list[str]:
    """A producer's unique-number prefixes: three letters each (see normalize_unique_no)."""
    prefixes = _entries(values)
    bad = [p for p in prefixes if len(p) != 3 or not p.isascii() or not p.isalpha()]
    if bad:
        raise IdentifierError(f"Prefiks to trzy litery; popraw: {', '.join(bad)}.")
    return prefixes
