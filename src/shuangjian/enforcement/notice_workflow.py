"""The rectification notice (整改通知书) workflow as data: each move, the states it starts from, where it leads,
who takes it and what it needs. The services' guard and the notice page's buttons both read ``TRANSITIONS``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.workflow import Transition, TransitionTable
from shuangjian.core.workflow import require as require_met

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

TABLE = TransitionTable(TRANSITIONS)
BY_ACTION = TABLE.by_action
OPEN_STATES = (S.ISSUED, S.ANSWERED, S.CHECKING)


def transition(state: str, action: str) -> Transition:
    """The move ``action`` from ``state``; ``invalid_transition`` with the state in words if there is none."""
    t = TABLE.find(state, action)
    if t is None:
        label = S(state).label if state in S.values else state
        raise ValidationError(
            _("整改通知书当前状态为“%(s)s”，不能执行此操作。") % {"s": label}, code="invalid_transition"
        )
    return t


def require(t: Transition, *, text: str = "") -> None:
    require_met(t, {t.requires: bool(text.strip())})


def buttons(state: str, actor: str) -> tuple[Transition, ...]:
    """The moves ``actor`` may offer from ``state``, in table order."""
    return TABLE.from_state(state, actor)
