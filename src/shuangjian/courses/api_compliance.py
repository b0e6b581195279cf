"""``POST /api/v1/compliance/check``: the violations a proposed record would have, without saving anything.

One code path: each kind calls the same ``check_<kind>`` function its write service calls before saving
(courses, class groups, sessions here; employment in staff.services; enrolment in students.services), with
the record in the same JSON shape as the matching write endpoint. An empty list means the write would pass
the rules (it may still fail ordinary validation, reported as 422 ``validation_error``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError

from shuangjian.core.api_auth import session_or_token
from shuangjian.core.api_errors import ApiError
from shuangjian.core.models import Role, User
from shuangjian.core.rules import Violation
from shuangjian.core.scope import require_role

from . import services
from .api import class_group_data, course_data, session_class_group
from .schemas import CheckIn, CheckOut, ClassGroupIn, CourseIn, SessionIn

router = Router(tags=["compliance"], auth=session_or_token)

KINDS = ("session", "course", "class_group", "employment", "enrolment")


def _parse(schema: type[BaseModel], record: dict[str, Any]) -> Any:
    try:
        return schema.model_validate(record)
    except PydanticError as exc:
        errors = [
            {"loc": ["record", *[str(p) for p in e.get("loc", ())]], "msg": str(e.get("msg", "")), "type": e["type"]}
            for e in exc.errors()
        ]
        raise ApiError(422, errors, "validation_error")


def _check_course(user: User, record: dict[str, Any]) -> list[Violation]:
    payload = _parse(CourseIn, record)
    return services.check_course(institution=services.operator_institution(user), data=course_data(payload))


def _check_class_group(user: User, record: dict[str, Any]) -> list[Violation]:
    payload = _parse(ClassGroupIn, record)
    return services.check_class_group(
        institution=services.operator_institution(user), data=class_group_data(user, payload)
    )


def _check_session(user: User, record: dict[str, Any]) -> list[Violation]:
    payload = _parse(SessionIn, record)
    group = session_class_group(user, payload)
    return services.check_session(
        institution=services.operator_institution(user),
        class_group=group,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
    )


def _optional(module: str, name: str) -> Callable[..., list[Violation]] | None:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _check_employment(user: User, record: dict[str, Any]) -> list[Violation]:
    check = _optional("shuangjian.staff.services", "check_employment")
    if check is None:
        raise ApiError(422, _("暂不支持此类记录的合规检查。"), "not_supported")
    return check(actor=user, data=record)


def _check_enrolment(user: User, record: dict[str, Any]) -> list[Violation]:
    check = _optional("shuangjian.students.services", "check_enrolment")
    if check is None:
        raise ApiError(422, _("暂不支持此类记录的合规检查。"), "not_supported")
    from shuangjian.courses.models import ClassGroup
    from shuangjian.students.schemas import EnrolmentIn
    from shuangjian.students.services import StudentData

    payload = _parse(EnrolmentIn, record)
    group_id = payload.class_group_id
    if group_id is None and payload.course_external_id and payload.class_group_external_id:
        group_id = (
            ClassGroup.objects.filter(
                course__institution=services.operator_institution(user),
                course__external_id=payload.course_external_id,
                external_id=payload.class_group_external_id,
            )
            .values_list("pk", flat=True)
            .first()
        )
    s = payload.student
    return check(
        actor=user,
        class_group=group_id,
        student=StudentData(
            name=s.name,
            resident_id=s.resident_id,
            school_roll_no=s.school_roll_no,
            grade=s.grade,
            school_name=s.school_name,
            school_code=s.school_code,
        ),
        start_date=payload.start_date,
        end_date=payload.end_date,
        lessons_bought=payload.lessons_bought,
        price_per_lesson_fen=payload.price_per_lesson_fen,
        external_id=str(record.get("external_id", "") or ""),
    )


CHECKS: dict[str, Callable[[User, dict[str, Any]], list[Violation]]] = {
    "course": _check_course,
    "class_group": _check_class_group,
    "session": _check_session,
    "employment": _check_employment,
    "enrolment": _check_enrolment,
}


@router.post("/check", response=CheckOut)
def compliance_check(request: HttpRequest, payload: CheckIn) -> dict[str, Any]:
    """Answer the violations the proposed record would have (same rules as the write), saving nothing.

    ``kind``: session / course / class_group / employment / enrolment; ``record``: the request body of the
    matching write endpoint (for sessions and class groups, name the class group or course as there).
    Institution operators only: the record is checked as their institution's.
    """
    assert isinstance(request.user, User)
    user = require_role(request.user, Role.INSTITUTION_OPERATOR)
    check = CHECKS.get(payload.kind)
    if check is None:
        raise ApiError(422, _("kind 须为 %(kinds)s 之一。") % {"kinds": " / ".join(KINDS)}, "validation_error")
    violations = check(user, dict(payload.record))
    return {"kind": payload.kind, "violations": [v.as_dict() for v in violations]}
