"""Test helpers for the grid app: Longting divisions, cells, officers and their assignments."""

from __future__ import annotations

import datetime
import io
from typing import Any

from PIL import Image

from shuangjian.core.models import Division, DivisionLevel, GridAssignment, GridCell, Role, User
from shuangjian.core.tests.factories import UserFactory
from shuangjian.registry.models import Institution
from shuangjian.registry.tests.factories import InstitutionFactory
from shuangjian.registry.tests.helpers import divisions

T1 = "410202001"
T2 = "410202002"


def cells() -> tuple[GridCell, GridCell, GridCell]:
    """Two cells in 北书店街道 and one in a second Longting street."""
    divisions()
    Division.objects.get_or_create(
        code=T2, defaults={"name": "大厅门街道", "level": DivisionLevel.TOWNSHIP, "parent_id": "410202"}
    )
    c1, _ = GridCell.objects.get_or_create(code=f"{T1}001", defaults={"name": "北书店第1网格", "township_id": T1})
    c2, _ = GridCell.objects.get_or_create(code=f"{T1}002", defaults={"name": "北书店第2网格", "township_id": T1})
    c3, _ = GridCell.objects.get_or_create(code=f"{T2}001", defaults={"name": "大厅门第1网格", "township_id": T2})
    return c1, c2, c3


def officer(username: str = "g_officer", **kw: Any) -> User:
    return UserFactory.create(username=username, role=Role.GRID_OFFICER, scope_code="", **kw)


def assign(user: User, cell: GridCell, start: datetime.date, end: datetime.date | None = None) -> GridAssignment:
    return GridAssignment.objects.create(officer=user, cell=cell, start=start, end=end)


def institution_in(cell: GridCell, **kw: Any) -> Institution:
    kw.setdefault("grid_code", cell.code)
    return InstitutionFactory.create(division_code=cell.township_id[:6], township_code=cell.township_id, **kw)


def jpeg_upload(name: str = "shop.jpg") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 60, 60)).save(buffer, format="JPEG")
    buffer.seek(0)
    buffer.name = name
    return buffer
