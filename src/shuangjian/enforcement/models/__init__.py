# Inspections area (checklist, evidence, signs and ads, rectification notices, summons).
# Penalty cases (cases area)
from .cases import CaseDocument, CaseDocumentKind, CaseStage, CaseStep, PenaltyCase
from .checklist import AdFinding, AdKind, EvidencePhoto, InspectionItem, ItemResult
from .coverage import CoverageCounty, CoverageCountyYear, CoverageMember
from .inspections import Inspection, InspectionKind, InspectionSource, InspectionStatus
from .notices import AnswerFile, NoticeAnswer, NoticeStatus, RectificationNotice, Summons
from .subjects import SubjectKind, UnlicensedOperation

__all__ = [
    "AdFinding",
    "AdKind",
    "AnswerFile",
    "CaseDocument",
    "CaseDocumentKind",
    "CaseStage",
    "CaseStep",
    "EvidencePhoto",
    "Inspection",
    "InspectionItem",
    "InspectionKind",
    "InspectionSource",
    "InspectionStatus",
    "ItemResult",
    "NoticeAnswer",
    "NoticeStatus",
    "PenaltyCase",
    "RectificationNotice",
    "SubjectKind",
    "Summons",
    "UnlicensedOperation",
]

# --- plans and the random draw (双随机一公开) ---
from .plans import Draw, DrawItem, DrawStatus, InspectionPlan, InspectorCertificate, InspectorConflict

__all__ += ["Draw", "DrawItem", "DrawStatus", "InspectionPlan", "InspectorCertificate", "InspectorConflict"]

# --- inspection coverage kept up to date (coverage.py) ---
__all__ += ["CoverageCounty", "CoverageCountyYear", "CoverageMember"]
