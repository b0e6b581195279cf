from .bulletins import Bulletin, BulletinSeries, BulletinStatus
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
    "Bulletin",
    "BulletinSeries",
    "BulletinStatus",
    "EvaluationPeriod",
    "EvaluationScore",
    "MeasureCounty",
    "MeasureKind",
    "OrderKind",
    "OrderStatus",
    "SupervisionMeasure",
    "SupervisionOrder",
]
