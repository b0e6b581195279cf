"""Core API: who am I, divisions."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from .api_auth import session_or_token
from .models import Division, User

router = Router(tags=["core"])


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    department: str
    scope_code: str


class DivisionOut(Schema):
    code: str
    name: str
    level: str
    parent_id: str | None


@router.get("/me", response=MeOut, auth=session_or_token, summary="当前用户")
def me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@router.get("/divisions", response=list[DivisionOut], auth=None, summary="行政区划（下一级）")
def divisions(request: HttpRequest, parent: str | None = None) -> list[Division]:
    qs = Division.objects.all()
    qs = qs.filter(parent_id=parent) if parent else qs.filter(parent__isnull=True)
    return list(qs.order_by("code")[:500])
