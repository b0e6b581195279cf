"""Reads of the schools app, restricted to the caller."""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from django.http import Http404

from shuangjian.core.models import User
from shuangjian.core.permissions import is_county_staff, is_school_admin
from shuangjian.core.scope import scope_queryset

from .models import InServiceCase, InServiceRoster, Pledge, School, SchoolClass, ServicePlan

M = TypeVar("M", bound=Model)


def school_for_admin(user: User | AnonymousUser | None) -> School | None:
    """The school a school-administrator account answers for, or None."""
    if user is None or not user.is_authenticated:
        return None
    assert isinstance(user, User)
    if not is_school_admin(user):
        return None
    link = getattr(user, "school_admin", None)
    return link.school if link is not None else None


def require_school(user: User | AnonymousUser | None) -> School:
    school = school_for_admin(user)
    if school is None:
        raise Http404
    return school


def rosters_for_user(user: User | AnonymousUser | None) -> QuerySet[InServiceRoster]:
    """A school admin sees their school's uploads; a regulator their county's."""
    qs = InServiceRoster.objects.select_related("school", "uploaded_by")
    if user is None or not user.is_authenticated:
        return qs.none()
    assert isinstance(user, User)
    if user.is_platform_admin:
        return qs
    if is_school_admin(user):
        school = school_for_admin(user)
        return qs.filter(school=school) if school else qs.none()
    if is_county_staff(user):
        return scope_queryset(qs, user)
    return qs.none()


def schools_for_user(user: User | AnonymousUser | None) -> QuerySet[School]:
    qs = School.objects.all()
    school = school_for_admin(user)
    if school is not None:
        return qs.filter(pk=school.pk)
    if user is not None and user.is_authenticated and isinstance(user, User):
        if user.is_platform_admin or is_county_staff(user):
            return scope_queryset(qs, user)
    return qs.none()


def _scoped(qs: QuerySet[M], user: User | AnonymousUser | None, school_field: str = "school") -> QuerySet[M]:
    """A school admin sees their school's rows; county staff and platform admins their jurisdiction's."""
    if user is None or not user.is_authenticated:
        return qs.none()
    assert isinstance(user, User)
    if is_school_admin(user):
        school = school_for_admin(user)
        return qs.filter(**{school_field: school}) if school else qs.none()
    if user.is_platform_admin or is_county_staff(user):
        return scope_queryset(qs, user)
    return qs.none()


def classes_for_user(user: User | AnonymousUser | None) -> QuerySet[SchoolClass]:
    return _scoped(SchoolClass.objects.select_related("school"), user)


def plans_for_user(user: User | AnonymousUser | None) -> QuerySet[ServicePlan]:
    return _scoped(ServicePlan.objects.select_related("school").prefetch_related("providers__institution"), user)


def pledges_for_user(user: User | AnonymousUser | None) -> QuerySet[Pledge]:
    return _scoped(Pledge.objects.select_related("school"), user)


def cases_for_user(user: User | AnonymousUser | None) -> QuerySet[InServiceCase]:
    return _scoped(InServiceCase.objects.select_related("school", "institution", "decided_by"), user)
