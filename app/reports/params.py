"""What a report is asked for: a plain value that a view, a job and the mail job all pass on."""

from dataclasses import dataclass
from datetime import date

SERVICES = "services"
DEVICES = "devices"
KIND_LABELS = {
    SERVICES: "Raport zlecenia dla RZS API – Usługi ze zleceń",
    DEVICES: "Raport zlecenia dla RZS API – Dane Kas",
}
FORMATS = {"pdf": "PDF", "xlsx": "XLSX (Excel)", "csv": "CSV (Excel, średnik)"}


@dataclass(frozen=True)
class ReportParams:
    kind: str
    date_from: date
    date_to: date
    producer_id: int | None = None
    by_producer: bool = False

    def __post_init__(self):
        if self.kind not in KIND_LABELS:
            raise ValueError(f"unknown report kind {self.kind!r}")

    @property
    def title(self) -> str:
        return KIND_LABELS[self.kind]

    def to_dict(self) -> dict:
        return {"kind": self.kind, "date_from": self.date_from.isoformat(),
                "date_to": self.date_to.isoformat(), "producer_id": self.producer_id,
                "by_producer": self.by_producer}

    @classmethod
    def from_dict(cls, d: dict) -> "ReportParams":
        producer_id = d.get("producer_id")
        return cls(kind=d["kind"], date_from=date.fromisoformat(str(d["date_from"])),
                   date_to=date.fromisoformat(str(d["date_to"])),
                   producer_id=int(producer_id) if producer_id not in (None, "") else None,
                   by_producer=bool(d.get("by_producer")))

    def query_args(self) -> dict:
        """The parameters as the report page's query string (pagination links, Druk)."""
        args = {"kind": self.kind, "date_from": self.date_from.isoformat(),
                "date_to": self.date_to.isoformat(), "producer_id": self.producer_id or ""}
        if self.by_producer:
            args["by_producer"] = "y"
        return args
