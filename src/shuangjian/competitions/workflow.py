"""The filing workflow as data: from which states each action may be taken, the state it leads to, who may take
it and what must exist first. The services' guard, the buttons on the review page and the history's words all read
``TRANSITIONS`` (the shape of registry/workflow.py).

draft → submitted → approved (filing number) | refused (reason) → published → withdrawn (reason) | expired (cycle end)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.models import User
from shuangjian.core.permissions import can
from shuangjian.core.workflow import Transition as BaseTransition
from shuangjian.core.workflow import TransitionTable
from shuangjian.core.workflow import require as require_met

from .models import Competition, CompetitionStatus

S = CompetitionStatus

REVIEWER = "reviewer"  # an education regulator of the filing's jurisdiction
APPLICANT = "applicant"  # the organiser's operator, or the bureau that recorded the application
SYSTEM = "system"  # the cycle's end, run by the periodic task

COMMENT = "comment"


@dataclass(frozen=True)
class Transition(BaseTransition):
    style: str = "primary"  # the button's colour


TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", gettext_lazy("提交备案申请"), (S.DRAFT,), S.SUBMITTED, APPLICANT),
    Transition("approve", gettext_lazy("准予备案"), (S.SUBMITTED,), S.APPROVED, REVIEWER, style="success"),
    Transition(
        "refuse",
        gettext_lazy("不予备案"),
        (S.SUBMITTED,),
        S.REFUSED,
        REVIEWER,
        COMMENT,
        gettext_lazy("不予备案须写明理由。"),
        style="outline-danger",
    ),
    Transition("publish", gettext_lazy("列入公布名单"), (S.APPROVED,), S.PUBLISHED, REVIEWER),
    Transition(
        "withdraw",
        gettext_lazy("撤销备案"),
        (S.APPROVED, S.PUBLISHED),
        S.WITHDRAWN,
        REVIEWER,
        COMMENT,
        gettext_lazy("撤销备案须写明理由。"),
        style="outline-danger",
    ),
    Transition("expire", gettext_lazy("备案周期结束"), (S.APPROVED, S.PUBLISHED), S.EXPIRED, SYSTEM),
)

TABLE = TransitionTable(TRANSITIONS)
BY_ACTION = TABLE.by_action


def _is_reviewer(user: User | None, competition: Competition) -> bool:
    return can(user, "competitions.review_competition", competition)


def _is_applicant(user: User | None, competition: Competition) -> bool:
    return user is not None and (competition.applicant_id == user.pk or can(user, "competitions.apply", competition))


ACTORS: dict[str, Callable[[User | None, Competition], bool]] = {
    REVIEWER: _is_reviewer,
    APPLICANT: _is_applicant,
    SYSTEM: lambda user, competition: user is None,
}


def transition(state: str, action: str) -> Transition:
    """The move ``action`` from ``state``; ``invalid_transition`` if the table has none."""
    t = TABLE.find(state, action)
    if t is None:
        label = S(state).label if state in S.values else state
        raise ValidationError(
            _("该竞赛活动当前状态为“%(s)s”，不能执行此操作。") % {"s": label}, code="invalid_transition"
        )
    return t


def may_act(t: Transition, user: User | None, competition: Competition) -> bool:
    return ACTORS[t.actor](user, competition)


def require(t: Transition, *, comment: str = "") -> None:
    """Raise the transition's refusal if what it requires is missing."""
    require_met(t, {COMMENT: bool(comment.strip())})


def actions_for(user: User, competition: Competition) -> tuple[Transition, ...]:
    """The buttons this user sees on the filing's page, in table order."""
    return tuple(
        t
        for t in TRANSITIONS
        if competition.status in t.sources and t.actor != SYSTEM and may_act(t, user, competition)
    )


def step_label(from_status: str, to_status: str) -> str:
    label = TABLE.label_of_step(from_status, to_status)
    if label is not None:
        return label
    if not from_status and to_status == S.DRAFT:
        return str(_("填写申报"))
    return str(S(to_status).label) if to_status in S.values else to_status
