"""Test helpers for the survey import, exports, lists and portal tests (workbooks in memory, institutions)."""

from __future__ import annotations

import datetime
import io
from typing import Any

from openpyxl import Workbook, load_workbook

from shuangjian.core.models import Division, DivisionLevel
from shuangjian.core.validators import make_uscc
from shuangjian.registry.imports import survey_columns
from shuangjian.registry.models import (
    AnnualInspection,
    Category,
    InspectionResult,
    Institution,
    InstitutionStatus,
    LegalForm,
    SupervisionMode,
)
from shuangjian.registry.naming import name_sort_key

_counter = iter(range(1, 10**7))


def new_uscc(prefix: str = "91410202") -> str:
    n = next(_counter)
    return make_uscc(f"{prefix}{n:08d}")


def divisions() -> None:
    Division.objects.get_or_create(code="41", defaults={"name": "河南省", "level": DivisionLevel.PROVINCE})
    Division.objects.get_or_create(
        code="4102", defaults={"name": "开封市", "level": DivisionLevel.CITY, "parent_id": "41"}
    )
    for code, name in (("410202", "龙亭区"), ("410212", "祥符区")):
        Division.objects.get_or_create(
            code=code, defaults={"name": name, "level": DivisionLevel.COUNTY, "parent_id": "4102"}
        )
    Division.objects.get_or_create(
        code="410202001", defaults={"name": "北书店街道", "level": DivisionLevel.TOWNSHIP, "parent_id": "410202"}
    )


def make_institution(*, inspected: bool = True, **kw: Any) -> Institution:
    """An institution that meets the white list's definition unless told otherwise: non-profit subject-type
    (营转非 done), fees under bank custody and, with ``inspected``, a passed annual inspection last year."""
    defaults: dict[str, Any] = {
        "name": f"测试培训学校{next(_counter)}",
        "uscc": new_uscc("52410202"),
        "category": Category.SUBJECT,
        "licensed_subjects": ["math"],
        "legal_form": LegalForm.NON_PROFIT,
        "supervision_mode": SupervisionMode.BANK_CUSTODY,
        "legal_rep_name": "张三",
        "legal_rep_id": "11010519491231002X",
        "address": "开封市龙亭区中山路1号",
        "division_code": "410202",
        "phone": "0371-12345678",
        "status": InstitutionStatus.ACTIVE,
        "licence_no": f"教民141020270{next(_counter):06d}",
        "licence_issued_on": datetime.date.today() - datetime.timedelta(days=200),
        "licence_expires_on": datetime.date.today() + datetime.timedelta(days=1000),
    }
    defaults.update(kw)
    defaults.setdefault("name_key", name_sort_key(defaults["name"]))
    inst = Institution.objects.create(**defaults)
    if inspected:
        year = datetime.date.today().year - 1
        AnnualInspection.objects.create(
            institution=inst,
            year=year,
            result=InspectionResult.PASSED,
            inspected_on=datetime.date(year, 6, 1),
            division_code=inst.division_code,
        )
    return inst


def survey_row(**kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "name": f"开封市龙亭区测试培训学校{next(_counter)}",
        "uscc": new_uscc(),
        "division": "410202",
        "category": "学科类",
        "subjects": "数学、英语",
        "site_address": "开封市龙亭区中山路8号",
        "weekly_hours": 12,
        "training_format": "线下",
        "content": "初中数学同步辅导",
        "teacher_count": 5,
        "fee_items": "数学 每课时 80 元",
        "legal_rep_name": "李四",
        "phone": "0371-22223333",
        "licence_no": "",
        "status": "",
    }
    row.update(kw)
    return row


def survey_xlsx(rows: list[dict[str, Any]], headers: list[str] | None = None) -> bytes:
    cols = survey_columns()
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(headers if headers is not None else [c.header for c in cols])
    for row in rows:
        ws.append([row.get(c.key) for c in cols])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read_xlsx(data: bytes) -> list[list[Any]]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    ws = wb.worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def body(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return bytes(response.content)
