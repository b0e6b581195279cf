"""The handling of a report as data: from which states each action may be taken and the state it leads to.

The services' guard and the buttons on the report page both read ``TRANSITIONS`` (as registry/workflow.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.workflow import Transition as BaseTransition
from shuangjian.core.workflow import TransitionTable

from .models import ReportStatus

S = ReportStatus
OPEN_STATES = (S.NEW, S.ACCEPTED, S.ASSIGNED, S.DISPATCHED, S.CHECKED, S.ANSWERED)

# Who acts: county staff (regulators) or the reporter (by tracking code).
STAFF = "staff"
REPORTER = "reporter"


@dataclass(frozen=True)
class Transition(BaseTransition):
    actor: str = STAFF
    # The form field the step needs (a reason, an answer, inspectors); "" for none.
    needs: str = ""


TRANSITIONS: tuple[Transition, ...] = (
    Transition("accept", gettext_lazy("受理"), (S.NEW,), S.ACCEPTED),
    Transition("refuse", gettext_lazy("不予受理"), (S.NEW,), S.REFUSED, needs="reason"),
    Transition("assign", gettext_lazy("分办到县区和部门"), (S.ACCEPTED,), S.ASSIGNED),
    Transition("dispatch", gettext_lazy("指派核查人员"), (S.ASSIGNED,), S.DISPATCHED, needs="inspectors"),
    # Checked: the linked inspection is done, or a reason why none was possible is recorded.
    Transition("check", gettext_lazy("确认已核查"), (S.DISPATCHED,), S.CHECKED, needs="check"),
    Transition("answer", gettext_lazy("答复举报人"), (S.CHECKED,), S.ANSWERED, needs="answer"),
    Transition("close", gettext_lazy("办结"), (S.ANSWERED,), S.CLOSED),
    Transition("merge", gettext_lazy("合并到主举报"), (S.NEW, S.ACCEPTED, S.ASSIGNED, S.DISPATCHED), S.MERGED),
    Transition("rate", gettext_lazy("评价答复"), (S.ANSWERED, S.CLOSED), "", actor=REPORTER),
    # A dispute reopens the report one level up (the city), back at the assignment step.
    Transition("dispute", gettext_lazy("对答复提出异议"), (S.ANSWERED, S.CLOSED), S.ASSIGNED, actor=REPORTER),
)
TABLE = TransitionTable(TRANSITIONS)
BY_ACTION = TABLE.by_action


def transition_for(action: str, status: str) -> Transition:
    """The move ``action`` from ``status``; refused with ``invalid_transition`` when the table has none."""
    t = TABLE.find(status, action)
    if t is None:
        raise ValidationError(_("当前状态下不能执行此操作。"), code="invalid_transition")
    return t


def staff_actions(status: str) -> list[Transition]:
    return list(TABLE.from_state(status, STAFF))
