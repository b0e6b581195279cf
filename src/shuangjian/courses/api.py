"""Data exchange (数据对接) for courses, class groups and sessions at /api/v1/courses/.

Writes are operators' only and idempotent on the caller's own record id (``external_id``): the same PUT
twice leaves one row and answers the same body (201 the first time, 200 after). A write that breaks a rule
answers 422 ``{"detail": [{code, message, basis, field}], "code": "rule_violation"}`` and saves nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Status

from shuangjian.core.access import request_user
from shuangjian.core.api_auth import session_or_token
from shuangjian.core.permissions import api_permission

from . import selectors, services
from .models import ClassGroup, Course, Session
from .schemas import ClassGroupIn, ClassGroupOut, CourseIn, CourseOut, SessionIn, SessionOut, WeeklyIn

router = Router(tags=["courses"], auth=session_or_token)


def _course_out(c: Course, created: bool = False) -> dict[str, Any]:
    return {
        "id": c.pk,
        "external_id": c.external_id,
        "name": c.name,
        "category": c.category,
        "subject": c.subject,
        "field": c.field,
        "grades": list(c.grades or []),
        "format": c.format,
        "lesson_minutes": c.lesson_minutes,
        "lesson_count": c.lesson_count,
        "price_per_lesson_fen": c.price_per_lesson_fen,
        "class_size_tier": c.class_size_tier,
        "division_code": c.division_code,
        "created": created,
    }


def _group_out(g: ClassGroup, created: bool = False) -> dict[str, Any]:
    return {
        "id": g.pk,
        "external_id": g.external_id,
        "course_id": g.course_id,
        "name": g.name,
        "site_id": g.site_id,
        "trainer_ids": list(g.trainer_ids or []),
        "capacity": g.capacity,
        "enrolled_count": g.enrolled_count,
        "division_code": g.division_code,
        "created": created,
    }


def _session_out(s: Session, created: bool = False) -> dict[str, Any]:
    return {
        "id": s.pk,
        "external_id": s.external_id,
        "class_group_id": s.class_group_id,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "is_cancelled": s.is_cancelled,
        "division_code": s.division_code,
        "created": created,
    }


@router.get("/courses", response=list[CourseOut])
def list_courses(request: HttpRequest, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The operator's courses, or a regulator's courses in scope."""
    user = request_user(request)
    limit = max(1, min(limit, 500))
    offset = max(0, min(offset, 10_000_000))  # SQLite refuses an OFFSET beyond 64 bits
    qs = selectors.courses_for_user(user)[offset : offset + limit]
    return [_course_out(c) for c in qs]


@router.put("/courses/{external_id}", response={200: CourseOut, 201: CourseOut})
@api_permission("courses.manage_courses")
def put_course(request: HttpRequest, external_id: str, payload: CourseIn) -> Status[dict[str, Any]]:
    """Create or update the course the institution's system knows as ``external_id``."""
    user = request_user(request)
    course, created = services.course_upsert(actor=user, external_id=external_id, data=payload.to_data())
    return Status(201 if created else 200, _course_out(course, created))


@router.get("/courses/{external_id}", response=CourseOut)
@api_permission("courses.manage_courses")
def get_course(request: HttpRequest, external_id: str) -> dict[str, Any]:
    user = request_user(request)
    course = get_object_or_404(selectors.courses_for_user(user), external_id=external_id)
    return _course_out(course)


@router.put("/class-groups/{external_id}", response={200: ClassGroupOut, 201: ClassGroupOut})
@api_permission("courses.manage_courses")
def put_class_group(request: HttpRequest, external_id: str, payload: ClassGroupIn) -> Status[dict[str, Any]]:
    """Create or update the class group the institution knows as ``external_id`` (within its course)."""
    user = request_user(request)
    course_id = selectors.operator_course_id(
        user=user, course_id=payload.course_id, course_external_id=payload.course_external_id
    )
    group, created = services.class_group_upsert(
        actor=user, external_id=external_id, data=payload.to_data(course_id=course_id)
    )
    return Status(201 if created else 200, _group_out(group, created))


@router.put("/sessions/{external_id}", response={200: SessionOut, 201: SessionOut})
@api_permission("courses.manage_courses")
def put_session(request: HttpRequest, external_id: str, payload: SessionIn) -> Status[dict[str, Any]]:
    """Create or move the session the institution knows as ``external_id`` (within its class group)."""
    user = request_user(request)
    group = selectors.operator_class_group(
        user=user,
        class_group_id=payload.class_group_id,
        course_external_id=payload.course_external_id,
        class_group_external_id=payload.class_group_external_id,
    )
    session, created = services.session_upsert(
        actor=user, external_id=external_id, class_group=group, starts_at=payload.starts_at, ends_at=payload.ends_at
    )
    return Status(201 if created else 200, _session_out(session, created))


@router.post("/sessions/{session_id}/cancel", response=SessionOut)
@api_permission("courses.manage_courses")
def cancel_session(request: HttpRequest, session_id: int) -> dict[str, Any]:
    """Cancel a session (repeatable: a cancelled session stays cancelled)."""
    user = request_user(request)
    session = selectors.session_for_user(user, session_id)
    return _session_out(services.session_cancel(actor=user, session=session))


@router.post("/class-groups/{group_id}/sessions/weekly", response={201: list[SessionOut]})
@api_permission("courses.manage_courses")
def generate_weekly(request: HttpRequest, group_id: int, payload: WeeklyIn) -> Status[list[dict[str, Any]]]:
    """Generate sessions from a weekly pattern: all or nothing, every violation listed by date."""
    user = request_user(request)
    group = selectors.class_group_for_user(user, group_id)
    pattern = services.WeeklyPattern(
        payload.weekdays, payload.start_time, payload.end_time, payload.date_from, payload.date_to
    )
    sessions = services.sessions_generate_weekly(actor=user, class_group=group, pattern=pattern)
    return Status(201, [_session_out(s, True) for s in sessions])
