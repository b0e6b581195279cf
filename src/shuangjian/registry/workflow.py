"""The licence workflow (审批准入) as data: from which states each action may be taken, the state it leads to,
who may take it and what must exist first. The services' guard, the buttons on the application page and the
words in the application's history all read ``TRANSITIONS``; nothing else lists the moves.

Every workflow of the project shares this shape (core/workflow.py): a ``Transition`` per action in one table, a
guard that raises ``invalid_transition`` or the move's own requirement error.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.core.models import User
from shuangjian.core.permissions import can
from shuangjian.core.workflow import Transition, TransitionTable
from shuangjian.core.workflow import require as require_met

from .models import ApplicationStatus, InstitutionOperator, LicenceApplication

S = ApplicationStatus
# The state before any application exists: "submit" starts from it.
NEW = ""
OPEN = (S.SUBMITTED, S.ACCEPTED, S.MATERIAL_REVIEW, S.SITE_CHECK)

# Who may act, by name. The application's county is checked before (out of scope is a 404, as everywhere).
DEPARTMENT_REGULATOR = "department_regulator"  # a regulator of the department that decides this application
APPLICANT = "applicant"  # the institution's operator

# What must exist before the move, by name.
COMMENT = "comment"  # the reasons, printed in the decision or sent back to the applicant
MATERIALS = "materials"  # at least one application document


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        gettext_lazy("提交申请"),
        (NEW,),
        S.SUBMITTED,
        APPLICANT,
        MATERIALS,
        gettext_lazy("请至少上传一份申请材料。"),
    ),
    Transition(
        "resubmit",
        gettext_lazy("补正后重新提交"),
        (S.RETURNED,),
        S.SUBMITTED,
        APPLICANT,
        MATERIALS,
        gettext_lazy("请至少上传一份申请材料。"),
    ),
    Transition("accept", gettext_lazy("受理"), (S.SUBMITTED,), S.ACCEPTED, DEPARTMENT_REGULATOR),
    Transition("start_review", gettext_lazy("开始材料审查"), (S.ACCEPTED,), S.MATERIAL_REVIEW, DEPARTMENT_REGULATOR),
    Transition(
        "pass_review",
        gettext_lazy("材料审查通过，转实地核查"),
        (S.MATERIAL_REVIEW,),
        S.SITE_CHECK,
        DEPARTMENT_REGULATOR,
    ),
    Transition("approve", gettext_lazy("准予许可"), (S.SITE_CHECK,), S.APPROVED, DEPARTMENT_REGULATOR),
    Transition(
        "return",
        gettext_lazy("退回补正"),
        OPEN,
        S.RETURNED,
        DEPARTMENT_REGULATOR,
        COMMENT,
        gettext_lazy("退回补正须写明需要补正的内容。"),
    ),
    Transition(
        "reject",
        gettext_lazy("不予许可"),
        OPEN,
        S.REJECTED,
        DEPARTMENT_REGULATOR,
        COMMENT,
        gettext_lazy("不予许可须写明理由。"),
    ),
)

TABLE = TransitionTable(TRANSITIONS)
BY_ACTION = TABLE.by_action


def _is_department_regulator(user: User, app: LicenceApplication) -> bool:
    # The named permission (registry/permissions.py) is the one answer the services, views and buttons share.
    return can(user, "registry.decide_application", app)


def _is_applicant(user: User, app: LicenceApplication) -> bool:
    return can(user, "registry.apply_for_licence") and (
        app.applicant_id == user.pk
        or InstitutionOperator.objects.filter(user=user, institution_id=app.institution_id).exists()
    )


ACTORS: dict[str, Callable[[User, LicenceApplication], bool]] = {
    DEPARTMENT_REGULATOR: _is_department_regulator,
    APPLICANT: _is_applicant,
}


def transition(state: str, action: str) -> Transition:
    """The move ``action`` from ``state``; ``invalid_transition`` if the table has none."""
    t = TABLE.find(state, action)
    if t is None:
        label = S(state).label if state in S.values else _("尚未申请")
        raise ValidationError(_("申请当前状态为“%(s)s”，不能执行此操作。") % {"s": label}, code="invalid_transition")
    return t


def may_act(t: Transition, user: User, app: LicenceApplication) -> bool:
    return ACTORS[t.actor](user, app)


def require(t: Transition, *, comment: str = "", materials: int = 0) -> None:
    """Raise the transition's refusal if what it requires is missing."""
    require_met(t, {COMMENT: bool(comment.strip()), MATERIALS: materials > 0})


def actions_from(state: str, actor: str) -> tuple[Transition, ...]:
    """The moves that ``actor`` (a name in ``ACTORS``) may offer from ``state``, in table order (the buttons)."""
    return TABLE.from_state(state, actor)


def step_label(from_status: str, to_status: str) -> str:
    """The action a history step records, in words (the status it reached, if no action matches)."""
    label = TABLE.label_of_step(from_status, to_status)
    if label is not None:
        return label
    return str(S(to_status).label) if to_status in S.values else to_status
