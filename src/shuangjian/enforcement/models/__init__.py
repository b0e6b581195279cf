# Penalty cases (cases area)
from .cases import CaseDocument, CaseDocumentKind, CaseStage, CaseStep, PenaltyCase
from .inspections import Inspection, InspectionKind, InspectionSource, InspectionStatus
from .subjects import SubjectKind, UnlicensedOperation

__all__ = [
    "CaseDocument",
    "CaseDocumentKind",
    "CaseStage",
    "CaseStep",
    "Inspection",
    "InspectionKind",
    "InspectionSource",
    "InspectionStatus",
    "PenaltyCase",
    "SubjectKind",
    "UnlicensedOperation",
]
