"""The emulator's own capacity: a bare httpx client sends `requests` × `per_request` new PU
events (every one a new device with a new taxpayer and location: the most work per event) to
one producer, one request after another, and reports events per second.

    python -m rzs_emulator.bench                       # starts its own emulator (temp dir)
    python -m rzs_emulator.bench --requests 20 --per-request 500

`measure(...)` is importable, to measure an emulator that is already running (bench/ in the
same run as the end-to-end figure).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH_CONFIG = {
    "producers": [{
        "code": "bench", "nip": "5272457354", "name": "Producent testowy",
        "prefixes": ["ZBF"],
        "service_companies": [{"nip": "1234563218", "name": "Serwis X", "login": "bench",
                               "key": "bench-key", "seals": ["P-1234"]}],
    }]
}


@dataclass
class Result:
    requests: int
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def make_events(start: int, count: int, prefix: str = "ZBF", seal: str = "P-1234",
                tag: str = "B") -> list[dict]:
    out = []
    for n in range(start, start + count):
        out.append({
            "id": f"{tag}-{n}",
            "kind": "PU",
            "factory_no": f"PO{n:09d}",
            "unique_no": f"{prefix}{n:010d}",
            "performed_on": "2026-11-20",
            "technician": {"name": "Jan Kowalski", "seal_no": seal},
            "taxpayer": {"nip": f"{n % 10**10:010d}", "name": f"Podatnik {n}",
                         "street": f"ul. Długa {n}", "postal_code": "90-001", "city": "Łódź"},
            "location": {"name": f"Sklep {n}", "street": f"ul. Długa {n}",
                         "postal_code": "90-001", "city": "Łódź"},
            "service": {"nip": "1234563218", "name": "Serwis X"},
        })
    return out


def measure(url: str, login: str, key: str, service_nip: str, producer_nip: str,
            requests: int = 20, per_request: int = 500, prefix: str = "ZBF",
            seal: str = "P-1234", start: int = 1, tag: str | None = None) -> Result:
    """Send the requests (bodies built before the clock starts) and time them."""
    tag = tag or f"B{int(time.time() * 1000)}"
    bodies = [
        json.dumps({"events": make_events(start + i * per_request, per_request, prefix, seal,
                                          tag)}).encode()
        for i in range(requests)
    ]
    headers = {"X-RZS-Service-NIP": service_nip, "X-RZS-Producer-NIP": producer_nip,
               "Content-Type": "application/json"}
    with httpx.Client(auth=(login, key), headers=headers,
                      timeout=httpx.Timeout(30.0, connect=5.0)) as client:
        began = time.perf_counter()
        for body in bodies:
            reply = client.post(f"{url}/events", content=body)
            if reply.status_code != 200:
                raise RuntimeError(f"{reply.status_code}: {reply.text[:200]}")
        seconds = time.perf_counter() - began
    return Result(requests=requests, events=requests * per_request, seconds=seconds)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m rzs_emulator.bench", description=__doc__)
    p.add_argument("--requests", type=int, default=20)
    p.add_argument("--per-request", type=int, default=500)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps(BENCH_CONFIG))
        proc = subprocess.Popen(
            [sys.executable, "-m", "rzs_emulator", "--port", "0", "--data", str(Path(tmp) / "d"),
             "--config", str(config), "--quiet"],
            stdout=subprocess.PIPE, text=True,
        )
        try:
            line = proc.stdout.readline()
            base = line.split("serving ", 1)[1].split()[0]
            producer = BENCH_CONFIG["producers"][0]
            company = producer["service_companies"][0]
            result = measure(f"{base}/bench", company["login"], company["key"], company["nip"],
                             producer["nip"], args.requests, args.per_request)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    print(f"{result.events} events in {result.requests} requests: {result.seconds:.2f} s, "
          f"{result.events_per_second:,.0f} events/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
