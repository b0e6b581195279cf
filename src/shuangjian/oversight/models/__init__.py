# --- bulletins ---
from .bulletins import Bulletin, BulletinSeries, BulletinStatus

__all__ = ["Bulletin", "BulletinSeries", "BulletinStatus"]
