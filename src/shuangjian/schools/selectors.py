"""Reads of the schools app, restricted to the caller."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from shuangjian.core.models import User
from shuangjian.core.permissions import is_county_staff, is_school_admin
from shuangjian.core.scope import scope_queryset

from .models import InServiceRoster, School


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
