"""The registry's reply text -> one outcome per event, the summary counters, and the meaning of
every token in the words of the seed ("Odpowiedź z API RZS"). Pure functions: no I/O."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

DELIVERED, REJECTED, UNKNOWN = "delivered", "rejected", "unknown"

# The seed's list of replies, verbatim in meaning.
TOKEN_MEANINGS = {
    "OK": "połączenie udane",
    "+Kasa": "dodano kasę o danym numerze unikatowym i fabrycznym do ewidencji",
    "Kasa": "kasa istnieje w ewidencji",
    "+uEP": "uaktualniono podatnika przy danej kasie",
    "+Podatnik": "dodano podatnika do ewidencji",
    "+Lokalizacja": "dodano lokalizację do ewidencji",
    "+uEL": "uaktualniono lokalizację przy danej kasie",
    "+PU": "dodano przegląd ustawowy do ewidencji",
    "PU": "podany przegląd ustawowy kasy już istnieje w ewidencji (nie dodano)",
    "+F": "dodano fiskalizację do ewidencji",
    "F": "zdarzenie fiskalizacji danej kasy już istnieje (nie dodano)",
    "+L": "dodano likwidację danej kasy do ewidencji",
    "L": "likwidacja danej kasy już istnieje (nie dodano)",
    "+N": "dodano naprawę danej kasy do ewidencji",
    "N": "podana naprawa kasy już istnieje (nie dodano)",
    "Błąd: Nieznany prefix": "podany prefiks numeru unikatowego nie należy do tego producenta",
    "Błąd: Niezgodny nr unikatowy z nr fabrycznym": "do danego nr unikatowego/fabrycznego jest "
                                                    "już przypisany inny nr fabryczny/unikatowy",
    "Błąd: Brak uprawnień do KASY (INNY SERWIS)": "do danej kasy przypisany jest już inny serwis",
}
SEAL_RE = re.compile(r"^Nieznany serwisant, nr plomby \((.*)\)$")
SEAL_MEANING = "serwisanta wykonującego dane zlecenie nie ma w ewidencji producenta"
EVENT_TOKENS = {"+PU", "PU", "+F", "F", "+L", "L", "+N", "N"}
ERROR_TOKENS = {t for t in TOKEN_MEANINGS if t.startswith("Błąd:")}
INFO_TOKENS = {"+Kasa", "Kasa", "+uEP", "+Podatnik", "+Lokalizacja", "+uEL"}
SUMMARY_RE = re.compile(
    r"^Dodano (kontrahentów|lokalizacji|przeglądów|fiskalizacji|likwidacji|napraw): (\d+)$")
SUMMARY_MEANINGS = {
    "kontrahentów": "ilość dodanych kontrahentów do ewidencji",
    "lokalizacji": "ilość dodanych lokalizacji do ewidencji",
    "przeglądów": "ilość dodanych przeglądów do ewidencji",
    "fiskalizacji": "ilość dodanych fiskalizacji do ewidencji",
    "likwidacji": "ilość dodanych likwidacji do ewidencji",
    "napraw": "ilość dodanych napraw do ewidencji",
}

# What the user should do about a rejection: the data to correct before a resend.
REJECTION_ADVICE = {
    "Błąd: Nieznany prefix": "Sprawdź nr unikatowy urządzenia i producenta.",
    "Błąd: Niezgodny nr unikatowy z nr fabrycznym": "Sprawdź nr unikatowy i nr fabryczny "
                                                    "urządzenia.",
    "Błąd: Brak uprawnień do KASY (INNY SERWIS)": "Urządzenie jest w RZS przypisane do innego "
                                                  "serwisu: wyjaśnij to z producentem.",
    "seal": "Sprawdź nr plomby serwisanta albo zgłoś serwisanta producentowi.",
}


@dataclass
class EventOutcome:
    event_id: str
    status: str  # delivered, rejected or unknown
    tokens: list[str]
    line: str
    meaning: str

    @property
    def added(self) -> bool:
        return any(t.startswith("+") and t in EVENT_TOKENS for t in self.tokens)


@dataclass
class EventsReply:
    outcomes: dict[str, EventOutcome]
    counters: dict[str, int] = field(default_factory=dict)
    malformed: str = ""


NOT_ADDED_NOTE = ("RZS miał już to zdarzenie (to samo urządzenie, rodzaj i dzień): nie dodano go "
                  "ponownie.")


def not_added_note(status: str, reply_tokens: str) -> str:
    """For a delivered event the registry already had (`PU`, `F`, `L`, `N` without `+`): the
    note shown beside "Dostarczone", so a second inspection of the day is not taken for a new
    one. Empty otherwise."""
    tokens = (reply_tokens or "").split()
    if status != DELIVERED or not any(t in EVENT_TOKENS for t in tokens):
        return ""
    return "" if any(t.startswith("+") and t in EVENT_TOKENS for t in tokens) else NOT_ADDED_NOTE


def meaning_of(token: str) -> str:
    if token in TOKEN_MEANINGS:
        return TOKEN_MEANINGS[token]
    seal = SEAL_RE.match(token)
    if seal:
        return f"{SEAL_MEANING} (nr plomby {seal.group(1)})"
    return "nieznana odpowiedź rejestru (pokazana dosłownie)"


def split_tokens(rest: str) -> list[str]:
    """Tokens are separated by single spaces, except an error, which is the whole rest."""
    rest = rest.strip()
    if rest.startswith("Błąd:") or rest.startswith("Nieznany serwisant"):
        return [rest]
    return [t for t in rest.split(" ") if t]


def classify(tokens: list[str]) -> str:
    if len(tokens) == 1 and (tokens[0] in ERROR_TOKENS or SEAL_RE.match(tokens[0])):
        return REJECTED
    known = all(t in EVENT_TOKENS or t in INFO_TOKENS for t in tokens)
    if known and sum(t in EVENT_TOKENS for t in tokens) == 1:
        return DELIVERED
    return UNKNOWN


def advice(tokens: list[str]) -> str:
    if not tokens:
        return ""
    if SEAL_RE.match(tokens[0]):
        return REJECTION_ADVICE["seal"]
    return REJECTION_ADVICE.get(tokens[0], "")


def parse_events_reply(text: str, sent_ids: list[str]) -> EventsReply:
    """One outcome per sent id. An id the reply does not mention, and any line that is not
    understood, makes the event `unknown` with the text kept verbatim; nothing here raises.

    One pass over the lines, and each distinct reply ("+Kasa +Podatnik +PU") is split,
    classified and explained once: a batch of 500 events carries a handful of distinct
    replies, and this runs beside the next request on the wire (issue 13)."""
    text = text or ""
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    reply = EventsReply(outcomes={})
    if not lines or lines[0].strip() != "OK":
        reply.malformed = text
        for event_id in sent_ids:
            reply.outcomes[event_id] = EventOutcome(
                event_id, UNKNOWN, [], text.strip()[:500],
                "rejestr odpowiedział w nieznanym formacie (odpowiedź zachowana dosłownie)")
        return reply
    wanted = set(sent_ids)
    outcomes = reply.outcomes
    verdicts: dict[str, tuple[list[str], str, str]] = {}  # rest -> (tokens, status, meaning)
    for line in lines[1:]:
        line = line.rstrip("\r")
        if line.startswith("Dodano") or line[:1].isspace():
            summary = SUMMARY_RE.match(line.strip())
            if summary:
                reply.counters[summary.group(1)] = int(summary.group(2))
                continue
        event_id, sep, rest = line.partition(": ")
        if not sep or event_id not in wanted or event_id in outcomes:
            continue
        verdict = verdicts.get(rest)
        if verdict is None:
            tokens = split_tokens(rest)
            verdict = verdicts[rest] = (
                tokens, classify(tokens), "; ".join(f"{t}: {meaning_of(t)}" for t in tokens))
        tokens, status, meaning = verdict
        outcomes[event_id] = EventOutcome(event_id, status, list(tokens), line, meaning)
    for event_id in sent_ids:
        if event_id not in outcomes:
            outcomes[event_id] = EventOutcome(
                event_id, UNKNOWN, [], "", "rejestr nie odpowiedział w sprawie tego zdarzenia")
    return reply


# --- 422: the field the registry refused -----------------------------------------------------

INVALID_RE = re.compile(r"^Błąd: Nieprawidłowe dane: events\[(\d+)\](?:\.(\S+))?\s*$")


def invalid_event_index(body: str) -> int | None:
    """The position, in the request, of the event a 422 names (`events[3].performed_on`), or
    None when the reply names the request as a whole."""
    match = INVALID_RE.match((body or "").split("\n", 1)[0].strip())
    return int(match.group(1)) if match else None


def invalid_field(body: str) -> str | None:
    """The path inside the event that a 422 names (`performed_on`, `taxpayer.nip`), if any."""
    match = INVALID_RE.match((body or "").split("\n", 1)[0].strip())
    return match.group(2) if match and match.group(2) else None


# --- Retry-After ----------------------------------------------------------------------------

def retry_after_seconds(value: str | None, date_header: str | None,
                        now: datetime) -> float | None:
    """The wait a 429 or 503 asks for, in seconds: RFC 9110 allows a number of seconds or an
    HTTP date. A date is measured from the reply's own Date header when it has one (the
    registry's clock against the registry's clock), else from `now`. None when absent or
    unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    when = _http_date(value)
    if when is None:
        return None
    reference = _http_date(date_header or "") or now
    return max(0.0, (when - reference).total_seconds())


def _http_date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
