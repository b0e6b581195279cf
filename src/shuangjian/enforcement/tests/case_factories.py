"""Helpers for penalty-case tests: a county regulator, an institution, and a case moved to a given stage."""

from __future__ import annotations

import datetime

from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.enforcement import cases
from shuangjian.enforcement.calculator import Measure, Severity, Violation
from shuangjian.enforcement.models import CaseDocumentKind, PenaltyCase
from shuangjian.enforcement.subjects import Subject
from shuangjian.registry.tests.factories import InstitutionFactory

D = datetime.date
FILED = D(2026, 3, 2)  # a Monday


def regulator(**kw):
    return RegulatorFactory.create(**kw)


def file_case(actor, institution=None, *, filed_on=FILED, **kw) -> PenaltyCase:
    institution = institution or InstitutionFactory.create()
    kw.setdefault("violation", Violation.DISGUISED)
    kw.setdefault("severity", Severity.SERIOUS)
    kw.setdefault("act_on", filed_on - datetime.timedelta(days=30))
    kw.setdefault("facts", "以“思维训练”名义开展初中数学学科类培训。")
    return cases.case_file(actor=actor, subject=Subject.of_institution(institution), filed_on=filed_on, **kw)


def notified(actor, institution=None, *, measures=None, fine_fen=2_000_000, filed_on=FILED, **kw) -> PenaltyCase:
    """A case whose notice of proposed penalty was served on the filing day + 7 (Monday 9 March 2026)."""
    case = file_case(actor, institution, filed_on=filed_on, **kw)
    cases.case_transition(actor=actor, case=case, action="investigate", on=filed_on)
    measures = measures or [Measure.WARNING, Measure.FINE]
    reason = "" if not cases.departs_from_proposal(case, measures, fine_fen) else "测试：与建议不同"
    cases.case_propose(
        actor=actor,
        case=case,
        measures=measures,
        fine_fen=fine_fen if Measure.FINE in measures else 0,
        departure_reason=reason,
    )
    on = filed_on + datetime.timedelta(days=7)
    cases.case_document_issue(actor=actor, case=case, kind=CaseDocumentKind.NOTICE, on=on)
    return cases.case_transition(actor=actor, case=case, action="notify", on=on)


def decided(actor, institution=None, **kw) -> PenaltyCase:
    case = notified(actor, institution, **kw)
    return cases.case_transition(actor=actor, case=case, action="decide", on=D(2026, 3, 20))


def served(actor, institution=None, **kw) -> PenaltyCase:
    case = decided(actor, institution, **kw)
    return cases.case_transition(actor=actor, case=case, action="serve", on=D(2026, 3, 23))
