"""Fault injection: what the emulator does wrong on purpose, set by the command line at start
and replaced at run time by `POST /_admin/faults` (tests).

Applied to the protocol requests (`POST /<code>/ping` and `POST /<code>/events`), in this order:
1. latency: `latency_ms` added to every protocol request;
2. throttle: of every `throttle_every` consecutive protocol requests, the first `throttle`
   answer 429 `Błąd: Zbyt wiele żądań` with `Retry-After: <retry_after>` (a counter, no chance;
   with `retry_after_date` the header is the HTTP date that many seconds ahead);
3. hang: a `hang_share` of protocol requests sleeps `hang_seconds` first, then is handled
   as usual (the client has given up by then; events it carried are still stored);
4. fail: a `fail_share` of /events requests answers 500 `Błąd: Awaria rejestru`, storing nothing;
5. lost reply: a `lose_reply_share` of /events requests that were processed (200) is stored and
   committed, then the reply is lost: mode `close` shuts the connection without a byte of reply
   (httpx: RemoteProtocolError "Server disconnected without sending a response."), mode `502`
   answers 502 `Błąd: Utracono odpowiedź rejestru` as a gateway would.

Every share is drawn from its own random stream, so switching one fault on does not move the
draws of another. With a `seed` the streams are seeded (`<seed>:<fault>`) and a sequential
client sees the same faults on every run; posting faults again restarts the streams and the
throttle counter.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, fields

LOSE_REPLY_MODES = ("close", "502")


class FaultError(ValueError):
    """A fault setting out of range; the message names it."""


@dataclass(frozen=True)
class FaultSettings:
    latency_ms: int = 0
    fail_share: float = 0.0
    throttle: int = 0
    throttle_every: int = 10
    retry_after: int = 1
    # Retry-After as an HTTP date (RFC 9110 allows either form) instead of seconds.
    retry_after_date: bool = False
    hang_share: float = 0.0
    hang_seconds: float = 35.0
    lose_reply_share: float = 0.0
    lose_reply_mode: str = "close"
    seed: int | None = None

    def __post_init__(self) -> None:
        for name in ("fail_share", "hang_share", "lose_reply_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise FaultError(f"{name}: a share from 0 to 1, not {value}")
        if self.latency_ms < 0:
            raise FaultError("latency_ms: 0 or more")
        if self.throttle < 0:
            raise FaultError("throttle: 0 or more")
        if self.throttle_every < 1:
            raise FaultError("throttle_every: 1 or more")
        if self.throttle > self.throttle_every:
            raise FaultError("throttle: at most throttle_every")
        if self.retry_after < 0:
            raise FaultError("retry_after: 0 or more seconds")
        if self.hang_seconds < 0:
            raise FaultError("hang_seconds: 0 or more")
        if self.lose_reply_mode not in LOSE_REPLY_MODES:
            raise FaultError(f"lose_reply_mode: one of {', '.join(LOSE_REPLY_MODES)}")

    @classmethod
    def from_json(cls, data: object) -> FaultSettings:
        """The complete settings from a JSON object: a key left out is off (its default)."""
        if not isinstance(data, dict):
            raise FaultError("a JSON object of fault settings")
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise FaultError(f"unknown setting: {', '.join(unknown)}")
        values = {}
        for name, value in data.items():
            kind = known[name].type
            if value is None and name == "seed":
                values[name] = None
            elif kind in ("int", "int | None"):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise FaultError(f"{name}: a whole number")
                values[name] = value
            elif kind == "bool":
                if not isinstance(value, bool):
                    raise FaultError(f"{name}: true or false")
                values[name] = value
            elif kind == "float":
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise FaultError(f"{name}: a number")
                values[name] = float(value)
            else:
                if not isinstance(value, str):
                    raise FaultError(f"{name}: a string")
                values[name] = value
        return cls(**values)

    def to_json(self) -> dict:
        return asdict(self)


class Faults:
    """The current settings with their random streams and the throttle counter; thread-safe."""

    def __init__(self, settings: FaultSettings | None = None):
        self._lock = threading.Lock()
        self.set(settings or FaultSettings())

    def set(self, settings: FaultSettings) -> None:
        with self._lock:
            self.settings = settings
            self._count = 0
            self._rngs = {
                name: random.Random(f"{settings.seed}:{name}")
                if settings.seed is not None
                else random.Random()
                for name in ("hang", "fail", "lose")
            }

    def _draw(self, name: str, share: float) -> bool:
        if share <= 0.0:
            return False
        with self._lock:
            return self._rngs[name].random() < share

    def throttled(self) -> bool:
        s = self.settings
        if s.throttle <= 0:
            return False
        with self._lock:
            position = self._count % s.throttle_every
            self._count += 1
        return position < s.throttle

    def hang(self) -> bool:
        return self._draw("hang", self.settings.hang_share)

    def fail(self) -> bool:
        return self._draw("fail", self.settings.fail_share)

    def lose_reply(self) -> bool:
        return self._draw("lose", self.settings.lose_reply_share)
