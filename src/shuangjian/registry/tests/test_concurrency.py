"""Two approvals at the same moment in one county still get different licence numbers (PostgreSQL row locks)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from shuangjian.core.models import Department
from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.registry import services, tasks
from shuangjian.registry.models import ApplicationStatus, Institution, LicenceApplication
from shuangjian.registry.tests.factories import (
    ApplyingInstitutionFactory,
    InstitutionFactory,
    SiteFactory,
    operator_for,
    pdf,
)


def at_site_check(actor: Any) -> LicenceApplication:
    # Science: no new subject-type institutions are approved (意见 §13).
    inst = ApplyingInstitutionFactory.create(category="non_subject", field="science", licensed_subjects=[])
    SiteFactory.create(institution=inst)
    app = services.licence_application_submit(actor=operator_for(inst), materials=[("x", pdf())])
    services.licence_application_accept(actor=actor, application=app)
    services.licence_application_start_review(actor=actor, application=app)
    services.licence_application_pass_review(actor=actor, application=app)
    app.refresh_from_db()
    return app


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_get_distinct_licence_numbers() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row-level concurrency needs PostgreSQL")
    edu = RegulatorFactory.create(username="edu_c", department=Department.SCIENCE, scope_code="410202")
    apps = [at_site_check(edu) for _ in range(4)]
    barrier = threading.Barrier(len(apps))
    errors: list[BaseException] = []

    def approve(app: LicenceApplication) -> None:
        try:
            barrier.wait()
            services.licence_application_approve(actor=edu, application=app)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(str(n) for n in Institution.objects.exclude(licence_no=None).values_list("licence_no", flat=True))
    year = timezone.localdate().year
    assert numbers == [f"科民410202{year}{n:05d}" for n in range(1, 5)]
    assert LicenceApplication.objects.filter(status=ApplicationStatus.APPROVED).count() == 4


@pytest.mark.django_db
def test_scan_zombies_counts_per_county() -> None:
    old = timezone.localdate().replace(year=timezone.localdate().year - 5)
    InstitutionFactory.create(licence_issued_on=old)
    InstitutionFactory.create(licence_issued_on=old, division_code="410212")
    InstitutionFactory.create()  # licensed recently: not a zombie yet
    assert tasks.scan_zombies.delay().get() == {"410202": 1, "410212": 1}
