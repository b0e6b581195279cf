"""Labels for the registry's codes, so a page or a refusal says 数学, not math."""

from __future__ import annotations

from collections.abc import Iterable

from .models import NonSubjectField, Subject


def subject_label(code: str | None) -> str:
    """The subject's name; the code itself when it is not a subject (so nothing is hidden)."""
    if not code:
        return ""
    try:
        return str(Subject(code).label)
    except ValueError:
        return str(code)


def subjects_label(codes: Iterable[str] | str | None, sep: str = "、") -> str:
    """Several subjects as one text: ``["math", "english"]`` → 数学、英语."""
    if not codes:
        return ""
    if isinstance(codes, str):
        codes = [c for c in codes.replace("，", ",").split(",") if c.strip()]
    return sep.join(subject_label(c.strip()) for c in codes)


def field_label(code: str | None) -> str:
    """A non-subject field's name (体育, 文化艺术, 科技); the code itself when unknown."""
    if not code:
        return ""
    try:
        return str(NonSubjectField(code).label)
    except ValueError:
        return str(code)
