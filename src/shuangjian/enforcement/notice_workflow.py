"""The rectification notice (整改通知书) workflow as data: each move, the states it starts from, where it leads,
who takes it and what it needs. The services' guard and the notice page's buttons both read ``TRANSITIONS``."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import NoticeStatus

S = NoticeStatus

# Who takes the move (the permission named here is asked of the notice, so the county is checked too).
OPERATOR = "enforcement.answer_notice"
FIELD_STAFF = "enforcement.follow_up_notice"
REGULATOR = "enforcement.escalate_notice"
# A move the platform makes itself when the follow-up inspection is submitted (no button).
SYSTEM = ""

# What must be given first.
TEXT = "text"
REASON = "reason"


@dataclass(frozen=True)
class Transition:
    action: str
    label: str | Promise
    sources: tuple[str, ...]
    target: str
    actor: str
    requires: str = ""
    missing: str | Promise = ""


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "answer",
        gettext_lazy("提交整改情况"),
        (S.ISSUED, S.ANSWERED),
        S.ANSWERED,
        OPERATOR,
        TEXT,
        gettext_lazy("请写明整改情况。"),
    ),
    Transition("follow_up", gettext_lazy("安排复查"), (S.ISSUED, S.ANSWERED), S.CHECKING, FIELD_STAFF),
    Transition("close", gettext_lazy("复查合格，办结"), (S.CHECKING,), S.CLOSED, SYSTEM),
    Transition(
        "escalate",
        gettext_lazy("转立案查处"),
        (S.ISSUED, S.ANSWERED, S.CHECKING),
        S.ESCALATED,
        REGULATOR,
        REASON,
        gettext_lazy("转立案须写明理由。"),
    ),
)

BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
OPEN_STATES = (S.ISSUED, S.ANSWERED, S.CHECKING)


def transition(state: str, action: str) -> Transition:
    """The move ``action`` from ``state``; ``invalid_transition`` with the state in words if there is none."""
    t = BY_ACTION.get(action)
    if t is None or state not in t.sources:
        label = S(state).label if state in S.values else state
        raise ValidationError(
            _("整改通知书当前状态为“%(s)s”，不能执行此操作。") % {"s": label}, code="invalid_transition"
        )
    return t


def require(t: Transition, *, text: str = "") -> None:
    if t.requires and not text.strip():
        raise ValidationError(str(t.missing), code=f"{t.requires}_required")


def buttons(state: str, actor: str) -> tuple[Transition, ...]:
    """The moves ``actor`` may offer from ``state``, in table order."""
    return tuple(t for t in TRANSITIONS if state in t.sources and t.actor == actor)
