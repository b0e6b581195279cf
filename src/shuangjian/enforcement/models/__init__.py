from .inspections import Inspection, InspectionKind, InspectionSource, InspectionStatus
from .subjects import SubjectKind, UnlicensedOperation

__all__ = [
    "Inspection",
    "InspectionKind",
    "InspectionSource",
    "InspectionStatus",
    "SubjectKind",
    "UnlicensedOperation",
]
