"""An escalated rectification notice is filed as a penalty case from its page (转立案), carrying its findings."""

from __future__ import annotations

import pytest
from django.test import Client

from shuangjian.enforcement import checklist, notices
from shuangjian.enforcement.models import PenaltyCase
from shuangjian.registry.tests.factories import InstitutionFactory

from .inspection_helpers import inspector, issued, regulator

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    c = Client()
    c.force_login(user)  # type: ignore[arg-type]
    return c


def test_an_escalated_notice_is_filed_as_a_case_with_its_findings() -> None:
    reg = regulator()
    inst = InstitutionFactory.create()
    notice = issued(inspector(), inst, {checklist.PRICES: "收费未公示"})
    page = _client(reg).get(f"/enforcement/notices/{notice.pk}/").content.decode()
    assert 'data-testid="file-case"' not in page  # only an escalated notice offers filing

    notices.notice_escalate(actor=reg, notice=notice, reason="逾期拒不整改")
    page = _client(reg).get(f"/enforcement/notices/{notice.pk}/").content.decode()
    assert f"/enforcement/cases/new/?notice={notice.pk}" in page
    form = _client(reg).get(f"/enforcement/cases/new/?notice={notice.pk}").content.decode()
    assert notice.number in form and "收费未公示" in form

    r = _client(reg).post(
        "/enforcement/cases/new/",
        {
            "notice": notice.pk,
            "institution": inst.pk,
            "violation": "disguised",
            "severity": "ordinary",
            "illegal_income": "0",
            "act_on": notice.issued_on.isoformat(),
            "facts": "逾期未整改：收费未公示。",
            "source_notice_ref": notice.number,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    case = PenaltyCase.objects.get()
    assert case.source_notice_ref == notice.number and case.source_inspection_id == notice.inspection_id


def test_another_countys_notice_cannot_be_pulled_into_a_filing() -> None:
    inst = InstitutionFactory.create()
    notice = issued(inspector(), inst, {checklist.PRICES: "收费未公示"})
    far = regulator(username="far", scope="410205")
    assert _client(far).get(f"/enforcement/cases/new/?notice={notice.pk}").status_code == 404
