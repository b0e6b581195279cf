"""``POST /api/v1/compliance/check``: the violations a proposed record would have, without saving anything.

One code path: each kind parses the record with the schema of the matching write endpoint, turns it into the
app's typed data (``<Schema>.to_data()``) and calls the app's ``check_<kind>(*, actor, data)``, the same
checks its write service refuses with. An empty list means the write would pass the rules (it may still fail
ordinary validation, reported as 422 ``validation_error``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

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
from shuangjian.courses import selectors as course_selectors
from shuangjian.courses import services as course_services
from shuangjian.courses.schemas import ClassGroupIn, CourseIn, SessionIn
from shuangjian.staff import services as staff_services
from shuangjian.staff.schemas import EmploymentIn
from shuangjian.students import selectors as student_selectors
from shuangjian.students import services as student_services
from shuangjian.students.schemas import EnrolmentIn

from .schemas import CheckIn, CheckOut

router = Router(tags=["compliance"], auth=session_or_token)

S = TypeVar("S", bound=BaseModel)


def _parse(schema: type[S], record: dict[str, Any]) -> S:
    try:
        return schema.model_validate(record)
    except PydanticError as exc:
        errors = [
            {"loc": ["record", *[str(p) for p in e.get("loc", ())]], "msg": str(e.get("msg", "")), "type": e["type"]}
            for e in exc.errors()
        ]
        raise ApiError(422, errors, "validation_error")


def _external_id(record: dict[str, Any]) -> str:
    # Not part of the write bodies (there it is in the URL); a check may name it so a resend is no duplicate.
    return str(record.get("external_id", "") or "")


def _check_course(user: User, record: dict[str, Any]) -> list[Violation]:
    payload = _parse(CourseIn, record)
    return course_services.check_course(actor=user, data=payload.to_data())


def _check_class_group(user: User, record: dict[str, Any]) -> list[Violation]:
    payload = _parse(ClassGroupIn, record)
    course_id = course_selectors.operator_course_id(
        user=user, course_id=payload.course_id, course_external_id=payload.course_external_id
    )
    return course_services.check_class_group(actor=user, data=payload.to_data(course_id=course_id))


def _check_session(user: User, record: dict[str, Any]) -> list[Violation]:
    payload = _parse(SessionIn, record)
    group = course_selectors.operator_class_group(
        user=user,
        class_group_id=payload.class_group_id,
        course_external_id=payload.course_external_id,
        class_group_external_id=payload.class_group_external_id,
    )
    return course_services.check_session(actor=user, data=payload.to_data(class_group_id=group.pk))


def _check_employment(user: User, record: dict[str, Any]) -> list[Violation]:
    payload = _parse(EmploymentIn, record)
    return staff_services.check_employment(actor=user, data=payload.to_data(), external_id=_external_id(record))


def _check_enrolment(user: User, record: dict[str, Any]) -> list[Violation]:
    payload = _parse(EnrolmentIn, record)
    group_id = student_selectors.enrolment_class_group_id(
        user=user,
        class_group_id=payload.class_group_id,
        course_external_id=payload.course_external_id,
        class_group_external_id=payload.class_group_external_id,
    )
    data = payload.to_data(class_group_id=group_id, external_id=_external_id(record))
    return student_services.check_enrolment(actor=user, data=data)


CHECKS: dict[str, Callable[[User, dict[str, Any]], list[Violation]]] = {
    "session": _check_session,
    "course": _check_course,
    "class_group": _check_class_group,
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
        raise ApiError(422, _("kind 须为 %(kinds)s 之一。") % {"kinds": " / ".join(CHECKS)}, "validation_error")
    violations = check(user, dict(payload.record))
    return {"kind": payload.kind, "violations": [v.as_dict() for v in violations]}
