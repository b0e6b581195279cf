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

# --- plans and the random draw (双随机一公开) ---
from .plans import Draw, DrawItem, DrawStatus, InspectionPlan, InspectorCertificate, InspectorConflict

__all__ += ["Draw", "DrawItem", "DrawStatus", "InspectionPlan", "InspectorCertificate", "InspectorConflict"]
