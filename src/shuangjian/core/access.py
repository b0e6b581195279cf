"""Access helpers every app shares: the request's user, the operator's institution, a job its owner may open,
a row locked only if it is in the caller's jurisdiction, and the check that refuses characters no name holds.

One copy each, so a fix (a missing DEL, a forgotten platform-admin case) lands everywhere at once.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Job, User
from .permissions import is_operator
from .scope import scope_queryset

M = TypeVar("M", bound=Model)


def request_user(request: HttpRequest) -> User:
    """The signed-in user of a request; an anonymous request is a 404 (views also sit behind login_required)."""
    user = request.user
    if not user.is_authenticated:
        raise Http404
    assert isinstance(user, User)
    return user


def operator_institution(user: User | AnonymousUser | None) -> Any:
    """The institution an operator account manages, or None for anyone else (platform admins included).

    Typed loosely because core sits below registry, which owns ``Institution``; registry re-exports it typed.
    """
    if user is None or not user.is_authenticated:
        return None
    assert isinstance(user, User)
    if not is_operator(user):
        return None
    # Asked of the database each time rather than through ``user.operated``: Django caches a missing reverse
    # one-to-one as None, so an operator who has just applied would still own nothing for this request.
    descriptor = getattr(user.__class__, "operated", None)  # __class__: request.user is a lazy proxy
    if descriptor is None:  # registry not installed
        return None
    link = descriptor.related.related_model._default_manager.filter(user=user).select_related("institution").first()
    return link.institution if link is not None else None


def lock_in_scope_or_404(
    qs: QuerySet[M], user: User | AnonymousUser | None, field: str = "division_code", **lookup: Any
) -> M:
    """One row the user may reach, locked FOR UPDATE until commit; missing or out of scope is a 404.

    The scope is applied in the same query as the lock, so a row cannot be re-scoped between check and lock.
    """
    try:
        return scope_queryset(qs, user, field).select_for_update(of=("self",)).get(**lookup)
    except (ObjectDoesNotExist, MultipleObjectsReturned, ValidationError, ValueError, TypeError):
        raise Http404 from None


def job_for_user(*, user: User, pk: int, kinds: tuple[str, ...]) -> Job:
    """A background job of one of these kinds that the user started (platform admins: any); else a 404."""
    job = Job.objects.filter(pk=pk, kind__in=kinds).first()
    if job is None or not (job.owner_id == user.pk or user.is_platform_admin):
        raise Http404
    return job


# Characters that print nothing or reverse the reading order: a name holding one looks like another name and
# escapes search for it. Zero-width space..right-to-left mark, the embedding/override controls,
# the isolates, the byte-order mark and the soft hyphen.
INVISIBLE_CHARACTERS = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\ufeff", "\u00ad"]
)


def has_forbidden_characters(text: str) -> bool:
    """True if the text holds a control character (C0 or DEL: PostgreSQL refuses NUL, and no name, number or
    address holds one) or an invisible / direction-reversing character."""
    return any(ord(c) < 32 or ord(c) == 127 or c in INVISIBLE_CHARACTERS for c in text)


FORBIDDEN_CHARACTERS_MESSAGE = _("不能包含控制字符或不可见字符（如零宽空格、方向控制符）：它们会让名称无法被检索。")


def validate_printable(value: object) -> None:
    """Field validator: refuse control, invisible and direction-reversing characters with a Chinese message."""
    if isinstance(value, str) and has_forbidden_characters(value):
        raise ValidationError(FORBIDDEN_CHARACTERS_MESSAGE, code="forbidden_characters")
