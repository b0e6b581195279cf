"""Platform administrators see a child's record in the admin masked, and each look is audited."""

from __future__ import annotations

import pytest

from shuangjian.core.models import AuditEvent
from shuangjian.core.tests.factories import PlatformAdminFactory

from .factories import StudentFactory


@pytest.mark.django_db
def test_admin_masks_the_childs_id_number_and_audits_the_look(client):
    admin = PlatformAdminFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)
    student = StudentFactory.create()
    assert student.resident_id

    listing = client.get("/admin/students/student/").content.decode()
    assert student.resident_id not in listing
    assert student.name in listing

    page = client.get(f"/admin/students/student/{student.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert student.resident_id not in html
    assert student.resident_id[:4] in html  # the masked form keeps the region
    event = AuditEvent.objects.get(action="students.student_viewed_in_admin")
    assert event.actor_username == admin.username and event.object_id == str(student.pk)


@pytest.mark.django_db
def test_admin_search_by_id_fragment_finds_nothing_but_the_full_number_does(client):
    admin = PlatformAdminFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)
    student = StudentFactory.create()
    fragment = student.resident_id[6:14]  # the birth date
    assert student.name not in client.get("/admin/students/student/", {"q": fragment}).content.decode()
    assert student.name in client.get("/admin/students/student/", {"q": student.resident_id}).content.decode()
