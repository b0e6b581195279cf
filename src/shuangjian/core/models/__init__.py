from .accounts import SCOPED_ROLES, Department, Role, User
from .audit import AuditChainHead, AuditEvent, AuditSeal, AuditSealedHead
from .calendar import CalendarDay, DayKind, SchoolVacation, VacationKind
from .divisions import Division, DivisionLevel, GridCell
from .grid import GridAssignment
from .jobs import Job, JobStatus
from .numbering import DocumentSequence
from .tokens import ApiToken

__all__ = [
    "SCOPED_ROLES",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "AuditSeal",
    "AuditSealedHead",
    "CalendarDay",
    "DayKind",
    "Department",
    "Division",
    "DivisionLevel",
    "DocumentSequence",
    "GridAssignment",
    "GridCell",
    "Job",
    "JobStatus",
    "Role",
    "SchoolVacation",
    "User",
    "VacationKind",
]
