"""Import from a file (issue 14): 10,000 clients with their installation sites, then 20,000
of their devices, from CSV and from XLSX, on SQLite or PostgreSQL (as the app role, under
row-level security). Time and peak memory of each import, the preview of the first 100
rows, and a second import of the same file (which must change nothing), with its own time
and peak memory.

Each import runs in its own subprocess the way the worker runs it (workers.jobs.run on a job
row, progress written to the row), so its peak RSS (VmHWM) is its own; the figure includes
the interpreter and the app ("baseline" is the RSS before the import).

    python -m bench.imports --database-url sqlite:////tmp/import-bench.db
    python -m bench.imports --database-url postgresql+psycopg://postgres@127.0.0.1:PORT/postgres \
        --app-role
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.reports import _rss_mb

PRODUCER = "Bench Kasy"


def _app(url: str, import_dir: str):
    os.environ.setdefault("PLOMBA_ENV", "development")
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "redis://127.0.0.1:1/0",
                       "IMPORT_DIR": import_dir})


def _nips(n: int) -> list[str]:
    from stdnum.pl import nip

    found, value = [], 1_000_000_000
    while len(found) < n:
        value += 7
        if nip.is_valid(str(value)):
            found.append(str(value))
    return found


CLIENT_HEADER = ["NIP", "Nazwa", "Ulica", "Kod pocztowy", "Miejscowość", "Miejsce instalacji",
                 "Ulica miejsca instalacji", "Kod pocztowy miejsca instalacji",
                 "Miejscowość miejsca instalacji"]
DEVICE_HEADER = ["NIP klienta", "Producent", "Model", "Nr fabryczny", "Nr unikatowy",
                 "Data fiskalizacji", "Data ostatniego przeglądu", "Ulica miejsca instalacji",
                 "Kod pocztowy miejsca instalacji", "Miejscowość miejsca instalacji"]


def rows(clients: int, devices: int):
    nips = _nips(clients)
    client_rows = [[nip, f"Sklep Żółty nr {i}", f"Główna {i}", f"{i % 100:02d}-{i % 1000:03d}",
                    "Łódź", f"Punkt {i}", f"Polna {i}", f"{i % 100:02d}-{i % 1000:03d}", "Łódź"]
                   for i, nip in enumerate(nips)]
    device_rows = []
    for j in range(devices):
        i = j % clients
        device_rows.append([nips[i], PRODUCER, "Deon E", f"AB{j:08d}", f"ABC{j:010d}",
                            "15.03.2024", "10.03.2025", f"Polna {i}",
                            f"{i % 100:02d}-{i % 1000:03d}", "Łódź"])
    return client_rows, device_rows


def write_csv(path: Path, header, data) -> None:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(data)
    path.write_bytes(out.getvalue().encode("cp1250"))  # as Polish Excel saves "CSV"


def write_xlsx(path: Path, header, data) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for row in data:
        sheet.append(row)
    book.save(path)


# --- one import, in a subprocess ----------------------------------------------------------

def measure_one(url: str, import_dir: str, tenant_id: int, path: str, kind: str) -> dict:
    from app import jobs, tenancy
    from app.extensions import db
    from app.imports import uploads
    from app.imports.columns import ImportKind, guess_mapping
    from app.imports.files import header_and_rows
    from app.imports.service import PREVIEW_ROWS, check
    from app.models import Job, JobKind
    from workers.jobs import run

    app = _app(url, import_dir)
    with app.app_context(), tenancy.use_tenant(tenant_id):
        with open(path, "rb") as stream:
            upload = uploads.save(tenant_id, Path(path).name, stream, 64 * 1024 * 1024)
        header, _ = header_and_rows(upload.path, upload.file_kind)
        mapping = guess_mapping(ImportKind(kind), header)
        started = time.perf_counter()
        preview = check(upload.path, upload.file_kind, ImportKind(kind), mapping,
                        limit=PREVIEW_ROWS)
        preview_s = time.perf_counter() - started
        assert len(preview.preview) == PREVIEW_ROWS and not preview.errors, preview.errors[:3]
        job = jobs.new(JobKind.IMPORT, None, token=upload.token, what=kind, mapping=mapping,
                       dry_run=False, name=upload.name)
        db.session.commit()
        job_id = job.id
        db.session.remove()
    baseline = _rss_mb()
    with app.app_context():
        started = time.perf_counter()
        result = run(job_id)
        seconds = time.perf_counter() - started
        with tenancy.use_tenant(tenant_id):
            status = db.session.get(Job, job_id).status
    return {"seconds": seconds, "preview_s": preview_s, "peak_mb": _rss_mb(),
            "baseline_mb": baseline, "status": status, "result": result}


def _child(url: str, import_dir: str, tenant_id: int, path: Path, kind: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.imports", "--child", url, import_dir,
                          str(tenant_id), str(path), kind],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"import of {path.name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the whole run -------------------------------------------------------------------------

def _setup(url: str, import_dir: str, fmt: str) -> int:
    """A tenant of its own for this format, with the producer the devices name."""
    from flask_migrate import upgrade

    from app import accounts, tenancy
    from app.extensions import db
    from app.models import Party

    app = _app(url, import_dir)
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        nip = {"csv": "1234563218", "xlsx": "5260250274"}[fmt]  # a fresh database each run
        tenant_id = accounts.create_tenant(f"Import bench {fmt} {time.time_ns()}", nip,
                                           f"import-{fmt}-{time.time_ns()}@example.com",
                                           "bench-password-123")
        with tenancy.use_tenant(tenant_id):
            db.session.add(Party(name=PRODUCER, nip="5272457354", is_producer=True,
                                 is_client=False, unique_prefixes=["ABC"],
                                 factory_masks=["AB########"]))
            db.session.commit()
        db.engine.dispose()
    return tenant_id


def _counts(url: str, import_dir: str, tenant_id: int) -> dict:
    from sqlalchemy import func, select

    from app import tenancy
    from app.extensions import db
    from app.models import Device, Location, Party

    app = _app(url, import_dir)
    with app.app_context(), tenancy.use_tenant(tenant_id):
        count = {name: db.session.scalar(select(func.count()).select_from(model).where(*where))
                 for name, model, where in (
                     ("clients", Party, (Party.is_client.is_(True),)),
                     ("sites", Location, ()), ("devices", Device, ()))}
        db.engine.dispose()
    return count


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        url, import_dir, tenant_id, path, kind = argv[1:6]
        print(json.dumps(measure_one(url, import_dir, int(tenant_id), path, kind)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--app-role", action="store_true",
                        help="PostgreSQL: import as a role that owns no table (RLS on)")
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--formats", default="csv,xlsx")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="import-bench-"))
    import_dir = str(work / "uploads")
    client_rows, device_rows = rows(args.clients, args.devices)
    dialect = args.database_url.split(":", 1)[0] + (" (app role)" if args.app_role else "")
    print("| database | file | rows | preview 100 rows s | import s | peak MB | baseline MB "
          "| again s | again peak MB | report |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for fmt in args.formats.split(","):
        tenant_id = _setup(args.database_url, import_dir, fmt)
        url = args.database_url
        if args.app_role:
            from bench.latency import as_app_role

            url = as_app_role(args.database_url)
        writer = write_csv if fmt == "csv" else write_xlsx
        for kind, header, data, expect in (
                ("clients", CLIENT_HEADER, client_rows,
                 {"clients_added": args.clients, "sites_added": args.clients}),
                ("devices", DEVICE_HEADER, device_rows, {"devices_added": args.devices})):
            path = work / f"{kind}.{fmt}"
            writer(path, header, data)
            first = _child(url, import_dir, tenant_id, path, kind)
            assert first["status"] == "finished", first
            assert first["result"]["saved"] and first["result"]["counts"] == expect, first
            again = _child(url, import_dir, tenant_id, path, kind)
            unchanged = {k.replace("_added", "_unchanged"): v for k, v in expect.items()}
            assert again["result"]["counts"] == unchanged, again
            size = path.stat().st_size / 1024 / 1024
            print(f"| {dialect} | {kind}.{fmt} ({size:.1f} MB) | {len(data):,} "
                  f"| {first['preview_s']:.2f} | {first['seconds']:.1f} "
                  f"| {first['peak_mb']:.0f} | {first['baseline_mb']:.0f} "
                  f"| {again['seconds']:.1f} | {again['peak_mb']:.0f} "
                  f"| {', '.join(f'{k} {v:,}' for k, v in first['result']['counts'].items())} |")
            sys.stdout.flush()
        counts = _counts(args.database_url, import_dir, tenant_id)
        assert counts == {"clients": args.clients, "sites": args.clients,
                          "devices": args.devices}, counts
        print(f"|  | in the database ({fmt} tenant) | | | | | | | | clients {counts['clients']:,}, "
              f"sites {counts['sites']:,}, devices {counts['devices']:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
