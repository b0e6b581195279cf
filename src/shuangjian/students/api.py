"""Data exchange (数据对接) for students: institutions' systems keep enrolments and attendance current.

Writes are idempotent on the caller's own record id (``external_id``): the same call twice leaves one row.
Rule violations answer 422 ``{"detail": [violations], "code": "rule_violation"}`` and write nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from shuangjian.core.access import request_user
from shuangjian.core.api_auth import session_or_token
from shuangjian.core.api_errors import ApiError
from shuangjian.core.permissions import api_permission
from shuangjian.core.rules import RuleViolationError, Violation
from shuangjian.courses.models import Session

from . import selectors, services
from .models import Enrolment
from .rules import BASIS_ATTENDANCE, BASIS_CONTRACT
from .schemas import AttendanceIn, AttendanceOut, BindIn, ChildOut, EnrolmentIn, EnrolmentOut

router = Router(tags=["students"], auth=session_or_token)


class EnrolmentListParams(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)  # bounded: SQLite refuses an OFFSET beyond 64 bits
    status: str = ""
    q: str = ""


class EnrolmentPage(Schema):
    count: int
    items: list[EnrolmentOut]


def _out(e: Enrolment, created: bool = False) -> dict[str, Any]:
    return {
        "id": e.pk,
        "external_id": e.external_id,
        "contract_no": e.contract_no,
        "status": e.status,
        "student_id": e.student_id,
        "student_name": e.student.name,
        "institution_id": e.institution_id,
        "class_group_id": e.class_group_id,
        "course_name": e.class_group.course.name,
        "start_date": e.start_date,
        "end_date": e.end_date,
        "lessons_bought": e.lessons_bought,
        "price_per_lesson_fen": e.price_per_lesson_fen,
        "total_fee_fen": e.total_fee_fen,
        "contract_confirmed_at": e.contract_confirmed_at,
        "division_code": e.division_code,
        "created": created,
    }


@router.put("/enrolments/{external_id}", response={200: EnrolmentOut, 201: EnrolmentOut})
@api_permission("students.manage_enrolments")
def put_enrolment(request: HttpRequest, external_id: str, payload: EnrolmentIn) -> Status[dict[str, Any]]:
    """Create or update the enrolment the institution knows as ``external_id`` (201 created, 200 otherwise)."""
    user = request_user(request)
    enrolment, created = services.enrolment_upsert(
        actor=user,
        external_id=external_id,
        class_group=selectors.enrolment_class_group_id(
            user=user,
            class_group_id=payload.class_group_id,
            course_external_id=payload.course_external_id,
            class_group_external_id=payload.class_group_external_id,
        ),
        student=payload.student.to_data(),
        start_date=payload.start_date,
        end_date=payload.end_date,
        lessons_bought=payload.lessons_bought,
        price_per_lesson_fen=payload.price_per_lesson_fen,
    )
    enrolment = selectors.enrolments_for_user(user).get(pk=enrolment.pk)
    return Status(201 if created else 200, _out(enrolment, created))


@router.get("/enrolments/{external_id}", response=EnrolmentOut)
@api_permission("students.manage_enrolments")
def get_enrolment(request: HttpRequest, external_id: str) -> dict[str, Any]:
    """One of the operator's enrolments by the institution's own id."""
    user = request_user(request)
    if not external_id or "\x00" in external_id:  # NUL never names a record and cannot reach PostgreSQL
        raise Http404
    enrolment = selectors.enrolments_for_user(user).filter(external_id=external_id).first()
    if enrolment is None:
        raise Http404
    return _out(enrolment)


@router.get("/enrolments", response=EnrolmentPage)
def list_enrolments(request: HttpRequest, params: Query[EnrolmentListParams]) -> dict[str, Any]:
    """Enrolments the caller may see (own institution, own pupils, or the jurisdiction), newest first."""
    user = request_user(request)
    qs = selectors.filter_enrolments(selectors.enrolments_for_user(user), {"status": params.status, "q": params.q})
    items = [_out(e) for e in qs[params.offset : params.offset + params.limit]]
    return {"count": qs.count(), "items": items}


@router.put("/attendance", response=AttendanceOut)
@api_permission("students.manage_enrolments")
def put_attendance(request: HttpRequest, payload: AttendanceIn) -> dict[str, Any]:
    """Record one pupil at one session; repeating the call changes nothing."""
    user = request_user(request)
    ids = (payload.enrolment_external_id, payload.session_external_id)
    enrolment = (
        None
        if any("\x00" in i for i in ids)
        else selectors.enrolments_for_user(user).filter(external_id=payload.enrolment_external_id).first()
    )
    if enrolment is None:
        raise RuleViolationError(
            [Violation("enrolment_not_found", _("报名不存在或不属于本机构。"), BASIS_CONTRACT, "enrolment_external_id")]
        )
    sessions = Session.objects.filter(class_group_id=enrolment.class_group_id)
    if payload.session_id is not None:
        session = sessions.filter(pk=payload.session_id).first()
    elif payload.session_external_id:
        session = sessions.filter(external_id=payload.session_external_id).first()
    else:
        session = None
    if session is None:
        raise RuleViolationError(
            [Violation("session_not_in_class", _("该课次不属于学员报名的班级。"), BASIS_ATTENDANCE, "session_id")]
        )
    attendance, changed = services.attendance_record(
        actor=user, session=session, enrolment=enrolment, present=payload.present
    )
    return {
        "id": attendance.pk,
        "session_id": session.pk,
        "enrolment_id": enrolment.pk,
        "present": attendance.present,
        "changed": changed,
    }


@router.get("/my/enrolments", response=list[EnrolmentOut])
@api_permission("students.view_own_children")
def my_enrolments(request: HttpRequest) -> list[dict[str, Any]]:
    """A parent's children's enrolments."""
    user = request_user(request)
    return [_out(e) for e in selectors.enrolments_for_user(user).order_by("-created_at")[:500]]


@router.get("/my/children", response=list[ChildOut])
@api_permission("students.view_own_children")
def my_children(request: HttpRequest) -> list[Any]:
    user = request_user(request)
    return list(selectors.children_for_parent(user))


@router.post("/my/children", response={201: ChildOut})
@api_permission("students.view_own_children")
def bind_child(request: HttpRequest, payload: BindIn) -> Status[Any]:
    """Bind a child by name, resident ID and the binding code on the contract (limited attempts per hour)."""
    user = request_user(request)
    try:
        guardianship = services.guardian_bind(
            actor=user, name=payload.name, resident_id=payload.resident_id, binding_code=payload.binding_code
        )
    except ValidationError as exc:
        if exc.code == "bind_rate_limited":
            raise ApiError(429, exc.messages[0], "rate_limited") from None
        raise
    return Status(201, guardianship.student)


@router.post("/my/enrolments/{enrolment_id}/confirm", response=EnrolmentOut)
@api_permission("students.view_own_children")
def confirm_contract(request: HttpRequest, enrolment_id: int) -> dict[str, Any]:
    """The parent confirms the enrolment's contract."""
    user = request_user(request)
    enrolment = selectors.enrolment_for_user(user, enrolment_id)
    services.contract_confirm(actor=user, enrolment=enrolment)
    return _out(selectors.enrolment_for_user(user, enrolment_id))
