from .evaluation import EvaluationPeriod, EvaluationScore
from .orders import (
    MeasureCounty,
    MeasureKind,
    OrderKind,
    OrderStatus,
    SupervisionMeasure,
    SupervisionOrder,
)

__all__ = [
    "EvaluationPeriod",
    "EvaluationScore",
    "MeasureCounty",
    "MeasureKind",
    "OrderKind",
    "OrderStatus",
    "SupervisionMeasure",
    "SupervisionOrder",
]
