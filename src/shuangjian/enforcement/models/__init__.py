# Inspections area (checklist, evidence, signs and ads, rectification notices, summons).
from .checklist import AdFinding, AdKind, EvidencePhoto, InspectionItem, ItemResult
from .inspections import Inspection, InspectionKind, InspectionSource, InspectionStatus
from .notices import AnswerFile, NoticeAnswer, NoticeStatus, RectificationNotice, Summons
from .subjects import SubjectKind, UnlicensedOperation

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

# --- plans and the random draw (双随机一公开) ---
from .plans import Draw, DrawItem, DrawStatus, InspectionPlan, InspectorCertificate, InspectorConflict

__all__ += ["Draw", "DrawItem", "DrawStatus", "InspectionPlan", "InspectorCertificate", "InspectorConflict"]
