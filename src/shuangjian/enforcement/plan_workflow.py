"""A plan round's draw workflow as data (copying registry/workflow.py's shape): the services' guard and the
buttons on the plan page both read ``TRANSITIONS``.

draft (no live draw) → committed (lists and the seed's hash published) → drawn (result computed, inspections
planned) → published (seed and result public). A redraw, from drawn or published, needs a recorded reason: the
draw becomes discarded (kept, its seed revealed) and a new commitment starts.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.workflow import Transition, TransitionTable

from .models import DrawStatus

S = DrawStatus
DRAFT = ""  # the round has no live draw yet
REASON = "reason"


TRANSITIONS: tuple[Transition, ...] = (
    Transition("commit", gettext_lazy("生成种子并公示哈希"), (DRAFT,), S.COMMITTED),
    Transition("draw", gettext_lazy("抽取"), (S.COMMITTED,), S.DRAWN),
    Transition("publish", gettext_lazy("公布结果与种子"), (S.DRAWN,), S.PUBLISHED),
    Transition(
        "redraw",
        gettext_lazy("作废并重新抽取"),
        (S.DRAWN, S.PUBLISHED),
        S.DISCARDED,
        requires=REASON,
        missing=gettext_lazy("重新抽取须填写理由。"),
    ),
)
TABLE = TransitionTable(TRANSITIONS)
BY_ACTION = TABLE.by_action


def transition_check(action: str, state: str, *, reason: str = "") -> Transition:
    """The transition, if ``action`` may be taken from ``state``; otherwise a ValidationError saying why."""
    t = BY_ACTION[action]
    if state not in t.sources:
        raise ValidationError(_("当前状态下不能执行“%(action)s”。") % {"action": t.label}, code="invalid_transition")
    if t.requires == REASON and not reason.strip():
        raise ValidationError({"reason": [str(t.missing)]}, code="reason_required")
    return t


def actions_from(state: str) -> list[Transition]:
    return list(TABLE.from_state(state))
