"""The prepaid-fee caps applied to a new enrolment, registered with ``students.hooks`` in ``FundsConfig.ready()``.

An enrolment is the contract (GF—2021—2604) whose fee the parent pays into custody, so a contract that states
more than one charge may collect — more class hours, a longer period or a larger amount than the caps — is
refused when it is written, not later when the first payment order fails. The numbers are funds' own
(``rules.FeeCaps``, read from settings at call time); only the per-charge caps apply here: when to collect
and when to renew are questions for the payment order.
"""

from __future__ import annotations

from typing import Any

from shuangjian.core.rules import Violation

from . import rules

# The per-charge caps of 教监管函〔2021〕2号 and the local amount cap; the others belong to the payment order.
ENROLMENT_CAP_CODES = frozenset({"charge_max_class_hours", "charge_max_months", "charge_max_amount"})
# Where the enrolment form shows each refusal.
_FIELD = {
    "charge_max_class_hours": "lessons_bought",
    "charge_max_months": "end_date",
    "charge_max_amount": "lessons_bought",
}


def check_enrolment_fee_caps(draft: Any) -> list[Violation]:
    """Violations of the per-charge caps by the fee a new enrolment states (``students.services.EnrolmentDraft``)."""
    if draft.lessons_bought <= 0 or draft.price_per_lesson_fen <= 0 or draft.end_date < draft.start_date:
        return []  # the students rules already refuse these; a cap message on top would only confuse
    found = rules.check_payment_order(
        class_hours=draft.lessons_bought,
        price_per_lesson_fen=draft.price_per_lesson_fen,
        period_start=draft.start_date,
        period_end=draft.end_date,
        course_start=draft.start_date,
        today=draft.start_date,
        remaining_hours=None,
        caps=rules.FeeCaps.from_settings(),
    )
    return [
        Violation(v.code, v.message, v.basis, _FIELD.get(v.code, v.field))
        for v in found
        if v.code in ENROLMENT_CAP_CODES
    ]
