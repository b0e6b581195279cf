"""Schools' data exchange: upload an in-service teacher roster (multipart .xlsx) and list uploads.

A file with bad rows answers 422 ``{"detail": [{"row", "column", "message"}], "code": "roster_rows_invalid"}`` and
imports nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from shuangjian.core.access import request_user
from shuangjian.core.api_auth import session_or_token
from shuangjian.core.api_errors import ApiError
from shuangjian.core.excel import FileProblem

from . import selectors, services

router = Router(tags=["schools"], auth=session_or_token)


class RosterOut(Schema):
    id: int
    school_code: str
    school_name: str
    uploaded_at: datetime.datetime
    row_count: int
    flagged_count: int
    is_current: bool


def _out(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "school_code": r.school.code,
        "school_name": r.school.name,
        "uploaded_at": r.uploaded_at,
        "row_count": r.row_count,
        "flagged_count": r.flagged_count,
        "is_current": r.is_current,
    }


@router.get("/rosters", response=list[RosterOut], summary="在职教师名单上传记录（学校看本校，监管部门看辖区）")
def roster_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_out(r) for r in selectors.rosters_for_user(request_user(request))[:200]]


@router.post("/rosters", response={201: RosterOut}, summary="上传本校在职教师名单（.xlsx：姓名、身份证号）")
def roster_post(request: HttpRequest, file: File[UploadedFile]) -> Status:
    user = request_user(request)
    school = selectors.require_school(user)
    try:
        result = services.roster_upload(actor=user, school=school, file=file)
    except services.RosterRowsInvalid as exc:
        raise ApiError(422, [e.as_dict() for e in exc.errors], "roster_rows_invalid") from exc
    except FileProblem as exc:
        raise ApiError(422, exc.messages[0], "roster_file_invalid") from exc
    return Status(201, _out(result.roster))
