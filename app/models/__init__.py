"""The data model, one module per aggregate; imported here so metadata is complete."""

from app.models.audit import AuditEntry
from app.models.base import TenantOwned
from app.models.catalog import SPECIAL_KIND_LABELS, VAT_RATES, Service, SpecialKind
from app.models.device import Device, DeviceKind, DeviceStatus
from app.models.heartbeat import Heartbeat
from app.models.job import Job, JobKind, JobStatus
from app.models.order import (
    BOOK_FIELDS,
    BOOK_TEXT_FIELDS,
    DONE_STATUSES,
    OPEN_STATUSES,
    ORDER_STATUS_LABELS,
    Order,
    OrderBook,
    OrderCounter,
    OrderItem,
    OrderStatus,
)
from app.models.party import Location, Party
from app.models.producer_catalogue import (
    CATALOGUE_FIELDS,
    CatalogueProducer,
    CatalogueRevision,
)
from app.models.reminder import REMINDER_STATUS_LABELS, Reminder, ReminderStatus
from app.models.technician import Authorisation, Technician
from app.models.tenant import Tenant
from app.models.transmission import (
    TRANSMISSION_STATUS_LABELS,
    Transmission,
    TransmissionStatus,
)
from app.models.user import Operator, OperatorSession, Role, User, UserSession

__all__ = [
    "BOOK_FIELDS",
    "CATALOGUE_FIELDS",
    "BOOK_TEXT_FIELDS",
    "DONE_STATUSES",
    "OPEN_STATUSES",
    "ORDER_STATUS_LABELS",
    "REMINDER_STATUS_LABELS",
    "SPECIAL_KIND_LABELS",
    "TRANSMISSION_STATUS_LABELS",
    "VAT_RATES",
    "AuditEntry",
    "Authorisation",
    "CatalogueProducer",
    "CatalogueRevision",
    "Device",
    "DeviceKind",
    "DeviceStatus",
    "Heartbeat",
    "Job",
    "JobKind",
    "JobStatus",
    "Location",
    "Operator",
    "OperatorSession",
    "Order",
    "OrderBook",
    "OrderCounter",
    "OrderItem",
    "OrderStatus",
    "Party",
    "Reminder",
    "ReminderStatus",
    "Role",
    "Service",
    "SpecialKind",
    "Technician",
    "Tenant",
    "TenantOwned",
    "Transmission",
    "TransmissionStatus",
    "User",
    "UserSession",
]
