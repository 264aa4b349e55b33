"""The real emulator in a subprocess on loopback (`--port 0`: it prints the port it took), a
temporary data directory and configuration, and httpx clients speaking rzs-api.md to it.

`emulator` is one process per module, cleared (`POST /_admin/reset`, faults off) before each
test; `start_emulator` starts more (restart, command-line faults)."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

POSNET_NIP = "5272457354"
NOVITUS_NIP = "7341590839"
X_NIP = "1234563218"  # the sending company in most tests
Y_NIP = "7010002139"  # another service company
HELD_BY_Y = ("ZBF1801007587", "PO808131055")

CONFIG = {
    "producers": [
        {
            "code": "posnet", "nip": POSNET_NIP, "name": "Producent A",
            "prefixes": ["ZBF", "EBF"],
            "service_companies": [
                {"nip": X_NIP, "name": "Serwis X", "login": "sx-api", "key": "k-8f2c",
                 "seals": ["P-1234", "P-1235"]},
                {"nip": Y_NIP, "name": "Serwis Y", "login": "sy-api", "key": "k-y",
                 "seals": ["P-9000"]},
            ],
            "devices": [{"unique_no": HELD_BY_Y[0], "factory_no": HELD_BY_Y[1],
                         "service_nip": Y_NIP}],
        },
        {
            "code": "novitus", "nip": NOVITUS_NIP, "name": "Producent B",
            "prefixes": ["BCD", "BDE"],
            "service_companies": [
                {"nip": X_NIP, "name": "Serwis X", "login": "nx-api", "key": "k-n",
                 "seals": ["P-1234"]},
            ],
        },
    ]
}

CREDENTIALS = {
    ("posnet", X_NIP): ("sx-api", "k-8f2c"),
    ("posnet", Y_NIP): ("sy-api", "k-y"),
    ("novitus", X_NIP): ("nx-api", "k-n"),
}
PRODUCER_NIPS = {"posnet": POSNET_NIP, "novitus": NOVITUS_NIP}


def event(event_id: str, kind: str = "PU", unique_no: str = "ZBF0000000001",
          factory_no: str = "PO000000001", performed_on: str = "2026-11-20",
          seal_no: str = "P-1234", nip: str = "5260250274", name: str = "Piekarnia Kowalczyk",
          street: str = "ul. Długa 1", postal_code: str = "90-001", city: str = "Łódź",
          **extra) -> dict:
    body = {
        "id": event_id,
        "kind": kind,
        "factory_no": factory_no,
        "unique_no": unique_no,
        "performed_on": performed_on,
        "technician": {"name": "Jan Kowalski", "seal_no": seal_no},
        "taxpayer": {"nip": nip, "name": name, "street": "ul. Biurowa 2",
                     "postal_code": "90-002", "city": "Łódź"},
        "location": {"name": "Sklep", "street": street, "postal_code": postal_code,
                     "city": city},
        "service": {"nip": X_NIP, "name": "Serwis X"},
    }
    if kind == "N":
        body.update(
            started_at=f"{performed_on}T09:15:00+01:00",
            finished_at=f"{performed_on}T10:05:00+01:00",
            book={"fault": "Nie drukuje", "work_done": "Wymieniono mechanizm"},
        )
    body.update(extra)
    return body


class Emulator:
    def __init__(self, proc: subprocess.Popen, base: str, data: Path, config: Path):
        self.proc = proc
        self.base = base
        self.data = data
        self.config = config
        self.http = httpx.Client(base_url=base, timeout=10, verify=False)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def client(self, producer: str = "posnet", service_nip: str = X_NIP,
               login: str | None = None, key: str | None = None,
               producer_nip: str | None = None, timeout: float = 10.0,
               auth: bool = True) -> httpx.Client:
        default = CREDENTIALS.get((producer, service_nip), ("nobody", "nothing"))
        headers = {"X-RZS-Service-NIP": service_nip,
                   "X-RZS-Producer-NIP": producer_nip or PRODUCER_NIPS.get(producer, "")}
        return httpx.Client(
            base_url=f"{self.base}/{producer}",
            auth=(login or default[0], key or default[1]) if auth else None,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=5.0),
            follow_redirects=False,
            verify=False,  # plain http on loopback; skips loading CA certificates (slow)
        )

    def send(self, events: list[dict], producer: str = "posnet", **kw) -> httpx.Response:
        with self.client(producer, **kw) as client:
            return client.post("/events", json={"events": events})

    def lines(self, events: list[dict], producer: str = "posnet", **kw) -> list[str]:
        reply = self.send(events, producer, **kw)
        assert reply.status_code == 200, reply.text
        return reply.text.split("\n")

    def admin(self, path: str, payload: dict | None = None, method: str = "POST"):
        return self.http.request(method, f"/_admin/{path}", json=payload)

    def faults(self, **settings) -> dict:
        reply = self.admin("faults", settings)
        assert reply.status_code == 200, reply.text
        return reply.json()

    def stored(self, producer: str | None = None) -> list[dict]:
        query = f"?producer={producer}" if producer else ""
        return self.http.get(f"/_admin/events{query}").json()

    def stop(self) -> int:
        self.http.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def launch(data: Path, config: Path, *options: str) -> Emulator:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    stderr = open(data.parent / f"{data.name}.stderr.log", "ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rzs_emulator", "--port", "0", "--data", str(data),
         "--config", str(config), "--quiet", *options],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr,
    )
    stderr.close()
    deadline = time.monotonic() + 20
    line = b""
    while time.monotonic() < deadline and proc.poll() is None:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            break
    if b"serving http://" not in line:
        proc.kill()
        proc.wait()
        log = (data.parent / f"{data.name}.stderr.log").read_text(errors="replace")
        raise RuntimeError(f"the emulator did not start: {line!r}\n{log}")
    base = line.decode().split("serving ", 1)[1].split()[0]
    return Emulator(proc, base, data, config)


@pytest.fixture(scope="module")
def config_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rzs-config") / "config.json"
    path.write_text(json.dumps(CONFIG, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def start_emulator(tmp_path, config_file):
    started: list[Emulator] = []

    def start(*options: str, data: Path | None = None, config: Path | None = None) -> Emulator:
        emu = launch(data or tmp_path / "data", config or config_file, *options)
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()


@pytest.fixture(scope="module")
def running(tmp_path_factory, config_file):
    emu = launch(tmp_path_factory.mktemp("rzs-data") / "data", config_file)
    yield emu
    emu.stop()


@pytest.fixture
def emulator(running: Emulator) -> Emulator:
    assert running.admin("faults", {}).status_code == 200
    assert running.admin("reset").status_code == 200
    return running
