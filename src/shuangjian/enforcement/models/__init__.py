from .inspections import Inspection, InspectionKind, InspectionSource, InspectionStatus
from .subjects import SubjectKind, UnlicensedOperation

# Inspections area (checklist, evidence, signs and ads, rectification notices, summons).
from .checklist import AdFinding, AdKind, EvidencePhoto, InspectionItem, ItemResult  # noqa: E402, I001
from .notices import AnswerFile, NoticeAnswer, NoticeStatus, RectificationNotice, Summons  # noqa: E402

__all__ = [
    "AdFinding",
    "AdKind",
    "AnswerFile",
    "EvidencePhoto",
    "Inspection",
    "InspectionItem",
    "InspectionKind",
    "InspectionSource",
    "InspectionStatus",
    "ItemResult",
    "NoticeAnswer",
    "NoticeStatus",
    "RectificationNotice",
    "SubjectKind",
    "Summons",
    "UnlicensedOperation",
]
