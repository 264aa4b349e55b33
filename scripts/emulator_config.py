#!/usr/bin/env python3
"""Write the RZS emulator's configuration (rzs-api.md) for the demo tenant of app/demo.py:

    .venv/bin/python scripts/emulator_config.py OUTFILE [--foreign-device CODE:UNIQUE:FACTORY]

- one producer per `DEMO_PRODUCERS` entry: its code, NIP, name and unique-number prefixes;
- the demo tenant (`DEMO_TENANT` NIP and name) as a service company of each producer, with that
  producer's API login and key, and the seal numbers of the `DEMO_TECHNICIANS` who hold an
  authorisation for that producer (an expired one included: the registry knows the technician;
  the expiry is the app's warning before closing, not the registry's check);
- another service company (`OTHER_COMPANY`) on every producer, holding one device per producer
  (`FOREIGN_DEVICES`): enter such a device in Plomba, close a flagged order and the registry
  answers `Błąd: Brak uprawnień do KASY (INNY SERWIS)`. The demo's own devices are drawn from a
  random generator and today's date, so no demo device can be named from the constants;
  `--foreign-device` (repeatable) adds one that exists in a seeded database.

The emulator reads the file at start: `python -m rzs_emulator --port 5050 --data DIR --config
OUTFILE` (the demo producers' URLs are DEMO_RZS_BASE_URL/<code>).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.demo import DEMO_PRODUCERS, DEMO_TECHNICIANS, DEMO_TENANT  # noqa: E402

# A competitor with a checksum-valid NIP outside the demo's tax offices.
OTHER_COMPANY = {"nip": "9542751368", "name": "Kasy-Serwis Śląsk Sp. z o.o. (inny serwis)",
                 "seals": ["P-9001"]}
# Numbers the demo never generates (year 99; factory numbers outside the demo's letters and
# ranges), valid for each producer's prefixes and masks.
FOREIGN_DEVICES = {
    "posnet": ("ZBF9900000001", "PO000000001"),
    "novitus": ("BCD9900000001", "NOV00000001"),
    "elzab": ("ACG9900000001", "ZE000001"),
}


def build(foreign: list[tuple[str, str, str]] | None = None) -> dict:
    producers = []
    for p in DEMO_PRODUCERS:
        seals = [t.seal_no for t in DEMO_TECHNICIANS
                 if any(code == p.code for code, _days in t.authorisations)]
        devices = []
        if p.code in FOREIGN_DEVICES:
            unique_no, factory_no = FOREIGN_DEVICES[p.code]
            devices.append({"unique_no": unique_no, "factory_no": factory_no,
                            "service_nip": OTHER_COMPANY["nip"]})
        for code, unique_no, factory_no in foreign or []:
            if code == p.code:
                devices.append({"unique_no": unique_no, "factory_no": factory_no,
                                "service_nip": OTHER_COMPANY["nip"]})
        producers.append({
            "code": p.code,
            "nip": p.nip,
            "name": p.name,
            "prefixes": list(p.unique_prefixes),
            "service_companies": [
                {"nip": DEMO_TENANT["nip"], "name": DEMO_TENANT["name"],
                 "login": p.api_login, "key": p.api_key, "seals": seals},
                {"nip": OTHER_COMPANY["nip"], "name": OTHER_COMPANY["name"],
                 "login": f"inny-serwis-{p.code}", "key": f"inny-serwis-{p.code}-key",
                 "seals": list(OTHER_COMPANY["seals"])},
            ],
            "devices": devices,
        })
    return {"producers": producers}


def foreign_device(value: str) -> tuple[str, str, str]:
    parts = value.split(":")
    if len(parts) != 3 or not all(parts):
        raise argparse.ArgumentTypeError("CODE:UNIQUE_NO:FACTORY_NO, e.g. posnet:ZBF2...:PO...")
    return parts[0], parts[1].upper(), parts[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outfile", help="where to write the JSON ('-': stdout)")
    parser.add_argument("--foreign-device", type=foreign_device, action="append", default=[],
                        metavar="CODE:UNIQUE:FACTORY",
                        help="a device held by the other service company (repeatable)")
    args = parser.parse_args(argv)
    codes = {p.code for p in DEMO_PRODUCERS}
    for code, _u, _f in args.foreign_device:
        if code not in codes:
            parser.error(f"--foreign-device: no demo producer {code!r}")
    text = json.dumps(build(args.foreign_device), ensure_ascii=False, indent=2) + "\n"
    if args.outfile == "-":
        sys.stdout.write(text)
    else:
        out = Path(args.outfile)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
