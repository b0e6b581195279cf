"""The penalty-case procedure as data (shape copied from registry/workflow.py): from which stages each action may
be taken, the stage it leads to, who may take it and which document must exist first. The services' guard, the
buttons on the case page and the words in the case history all read ``TRANSITIONS``."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.models import User
from shuangjian.core.permissions import can
from shuangjian.core.workflow import Transition as BaseTransition
from shuangjian.core.workflow import TransitionTable
from shuangjian.core.workflow import require as require_met

from .models import CaseDocumentKind, CaseStage, PenaltyCase

S = CaseStage
OPEN = (S.FILED, S.INVESTIGATION, S.NOTIFIED, S.HEARING, S.DECIDED, S.SERVED)
# "resume" returns to the stage held before suspension.
PREVIOUS = "previous"

REGULATOR = "regulator"  # a regulator of the case's county
PARTY = "party"  # the institution's operator

# What must be given or exist before the move.
REASON = "reason"


@dataclass(frozen=True)
class Transition(BaseTransition):
    document: str = ""  # the document that must exist before the move
    # Buttons that need more than a click open a form on the case page.
    form: bool = False


TRANSITIONS: tuple[Transition, ...] = (
    Transition("investigate", gettext_lazy("开始调查取证"), (S.FILED,), S.INVESTIGATION, REGULATOR),
    Transition(
        "notify",
        gettext_lazy("送达事先告知书"),
        (S.INVESTIGATION,),
        S.NOTIFIED,
        REGULATOR,
        document=CaseDocumentKind.NOTICE,
        form=True,
    ),
    Transition("request_hearing", gettext_lazy("申请听证"), (S.NOTIFIED,), S.HEARING, PARTY, form=True),
    Transition("record_hearing_request", gettext_lazy("登记听证申请"), (S.NOTIFIED,), S.HEARING, REGULATOR, form=True),
    Transition(
        "decide",
        gettext_lazy("作出处罚决定"),
        (S.NOTIFIED, S.HEARING),
        S.DECIDED,
        REGULATOR,
        form=True,
    ),
    Transition(
        "serve",
        gettext_lazy("送达决定书"),
        (S.DECIDED,),
        S.SERVED,
        REGULATOR,
        document=CaseDocumentKind.DECISION,
        form=True,
    ),
    Transition("execute", gettext_lazy("登记执行（缴款）"), (S.SERVED,), S.EXECUTED, REGULATOR, form=True),
    Transition("close", gettext_lazy("结案"), (S.SERVED, S.EXECUTED), S.CLOSED, REGULATOR),
    Transition(
        "drop",
        gettext_lazy("不予处罚并结案"),
        (S.FILED, S.INVESTIGATION, S.NOTIFIED, S.HEARING),
        S.CLOSED,
        REGULATOR,
        requires=REASON,
        missing=gettext_lazy("不予处罚须写明理由。"),
        form=True,
    ),
    Transition(
        "suspend",
        gettext_lazy("中止"),
        OPEN,
        S.SUSPENDED,
        REGULATOR,
        requires=REASON,
        missing=gettext_lazy("中止案件须写明理由。"),
        form=True,
    ),
    Transition(
        "resume",
        gettext_lazy("恢复办理"),
        (S.SUSPENDED,),
        PREVIOUS,
        REGULATOR,
        requires=REASON,
        missing=gettext_lazy("恢复办理须写明理由。"),
        form=True,
    ),
)

TABLE = TransitionTable(TRANSITIONS)
BY_ACTION = TABLE.by_action


def _is_regulator(user: User, case: PenaltyCase) -> bool:
    return can(user, "enforcement.handle_case", case)


def _is_party(user: User, case: PenaltyCase) -> bool:
    return can(user, "enforcement.answer_own_case", case)


ACTORS = {REGULATOR: _is_regulator, PARTY: _is_party}


def transition(stage: str, action: str) -> Transition:
    """The move ``action`` from ``stage``; ``invalid_transition`` if the table has none."""
    t = BY_ACTION.get(action)
    if t is None or stage not in t.sources:
        label = S(stage).label if stage in S.values else stage
        what = str(t.label) if t is not None else action
        raise ValidationError(
            _("案件当前阶段为“%(s)s”，不能执行“%(a)s”。") % {"s": label, "a": what}, code="invalid_transition"
        )
    return t


def may_act(t: Transition, user: User, case: PenaltyCase) -> bool:
    return ACTORS[t.actor](user, case)


def require(t: Transition, *, reason: str = "", documents: frozenset[str] = frozenset()) -> None:
    """Raise the transition's refusal if its document or its reason is missing."""
    if t.document and t.document not in documents:
        raise ValidationError(
            _("请先制作%(d)s。") % {"d": CaseDocumentKind(t.document).label}, code="document_required"
        )
    require_met(t, {REASON: bool(reason.strip())})


def actions_for(case: PenaltyCase, user: User) -> tuple[Transition, ...]:
    """The moves ``user`` may offer on ``case`` now, in table order (the buttons)."""
    return tuple(t for t in TRANSITIONS if case.stage in t.sources and may_act(t, user, case))


def target_of(t: Transition, case: PenaltyCase) -> str:
    return case.stage_before_suspension if t.target == PREVIOUS else t.target


def step_label(action: str) -> str:
    t = BY_ACTION.get(action)
    return str(t.label) if t is not None else action
