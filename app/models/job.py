"""A background job as a row: what the screens and the API read, whatever Redis forgot.

The web creates the row (queued) and enqueues only its id; the worker sets the tenant from the
row, marks it running, writes progress, the result and the error into it."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app import clock
from app.extensions import db
from app.models.base import TenantOwned, UTCDateTime


class JobKind(StrEnum):
    REPORT_EXPORT = "report_export"
    REPORT_EMAIL = "report_email"
    RZS_BATCH = "rzs_batch"
    # Short jobs a user starts and watches: they connect to a host the tenant typed, which
    # may hang for seconds, so never inside a web request (gunicorn has few workers).
    RZS_PING = "rzs_ping"
    SMTP_TEST = "smtp_test"
    IMPORT = "import"  # a file's clients, devices or technicians (app/imports)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class Job(TenantOwned, db.Model):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED.value)
    # The job's arguments: the queue carries only the row's id.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None] = mapped_column()
    # The step under way, shown beside the spinner.
    message: Mapped[str] = mapped_column(String(200), default="")
    # What the finished job reports (row counts, the registry's counters, recipients).
    result: Mapped[dict | None] = mapped_column(JSON)
    result_path: Mapped[str | None] = mapped_column(String(500))
    result_name: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rq_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_job_tenant_kind_created", "tenant_id", "kind", "created_at"),)

    @property
    def ended(self) -> bool:
        return self.status in (JobStatus.FINISHED, JobStatus.FAILED)
