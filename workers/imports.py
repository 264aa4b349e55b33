"""Jobs of an import from a file (app/imports): the dry run and the import itself, on the
reports queue (long, bulky work that must not delay the registry's sending). The uploaded
file is removed when the import ends, whatever the outcome; a dry run keeps it for the
import that follows."""

from __future__ import annotations

from app.imports import uploads
from app.imports.columns import ImportKind
from app.imports.files import FileProblem
from app.imports.service import run
from app.models import Job
from workers.jobs import JobFailed

GONE = "Plik do importu już nie istnieje (usunięty po imporcie albo po dniu). Wczytaj go ponownie."


def import_file(job: Job, progress) -> dict:
    params = job.params
    upload = uploads.find(job.tenant_id, params["token"])
    if upload is None:
        raise JobFailed(GONE)
    mapping = {name: (int(index) if index is not None else None)
               for name, index in params["mapping"].items()}
    try:
        return run(upload.path, upload.file_kind, ImportKind(params["what"]), mapping,
                   dry_run=bool(params.get("dry_run")), source=upload.name,
                   progress=progress, note=progress.note)
    except FileProblem as exc:
        raise JobFailed(str(exc)) from None
    finally:
        if not params.get("dry_run"):
            uploads.remove(upload)
