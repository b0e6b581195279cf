"""Jurisdiction: a county regulator sees and fetches only its own county's audit events; anything else is 404."""

from __future__ import annotations

import pytest
from django.http import Http404

from shuangjian.core.audit import audit_record
from shuangjian.core.models import AuditEvent, Role
from shuangjian.core.scope import code_in_scope, get_in_scope_or_404, scope_queryset, user_reach

from .factories import PlatformAdminFactory, RegulatorFactory, UserFactory


@pytest.fixture
def events(db) -> dict[str, AuditEvent]:
    actor = PlatformAdminFactory.create(username="audit_actor")
    return {
        "longting": audit_record(
            actor=actor, action="institution.approve", object_type="registry.institution", object_id="LT-1",
            division_code="410202", after={"名称": "龙亭区甲培训学校"},
        ),
        "longting_street": audit_record(
            actor=actor, action="inspection.close", object_type="enforcement.inspection", object_id="LT-2",
            division_code="410202001",
        ),
        "xiangfu": audit_record(
            actor=actor, action="institution.approve", object_type="registry.institution", object_id="XF-1",
            division_code="410212", after={"名称": "祥符区乙培训学校"},
        ),
        "platform": audit_record(actor=actor, action="api_token.issue", division_code=""),
    }  # fmt: skip


def listed_seqs(response) -> set[int]:
    return {e.seq for e in response.context["page"]}


def test_county_regulator_sees_only_its_county_on_the_audit_page(client, events):
    client.force_login(RegulatorFactory.create(scope_code="410202"))
    response = client.get("/core/audit/")
    assert response.status_code == 200
    assert listed_seqs(response) == {events["longting"].seq, events["longting_street"].seq}
    html = response.content.decode()
    assert "LT-1" in html and "LT-2" in html
    assert "XF-1" not in html and "祥符区乙培训学校" not in html


def test_county_regulator_cannot_find_another_county_by_filtering(client, events):
    client.force_login(RegulatorFactory.create(scope_code="410202"))
    response = client.get("/core/audit/", {"q": "XF-1"})
    assert listed_seqs(response) == set()
    response = client.get("/core/audit/", {"q": "audit_actor"})
    assert events["xiangfu"].seq not in listed_seqs(response)


def test_county_regulator_gets_404_fetching_another_countys_event_over_the_api(client, events):
    client.force_login(RegulatorFactory.create(scope_code="410202"))
    own = client.get(f"/api/v1/core/audit/{events['longting'].seq}")
    assert own.status_code == 200
    assert own.json()["object_id"] == "LT-1" and own.json()["after"] == {"名称": "龙亭区甲培训学校"}
    other = client.get(f"/api/v1/core/audit/{events['xiangfu'].seq}")
    missing = client.get("/api/v1/core/audit/999999")
    # Out of scope and missing look the same: the answer does not confirm the event exists.
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json() == {"detail": "未找到", "code": "not_found"}


def test_other_county_regulator_is_symmetrically_fenced(client, events):
    client.force_login(RegulatorFactory.create(username="xf", scope_code="410212"))
    assert listed_seqs(client.get("/core/audit/")) == {events["xiangfu"].seq}
    assert client.get(f"/api/v1/core/audit/{events['longting'].seq}").status_code == 404


def test_city_regulator_reaches_every_county_below_it(client, events):
    client.force_login(RegulatorFactory.create(username="kf", scope_code="4102"))
    assert listed_seqs(client.get("/core/audit/")) == {
        events["longting"].seq,
        events["longting_street"].seq,
        events["xiangfu"].seq,
    }


def test_platform_admin_sees_everything(client, events):
    client.force_login(PlatformAdminFactory.create())
    assert listed_seqs(client.get("/core/audit/")) == {e.seq for e in events.values()}
    assert client.get(f"/api/v1/core/audit/{events['platform'].seq}").status_code == 200


@pytest.mark.parametrize("role", [Role.PARENT, Role.INSTITUTION_OPERATOR, Role.INSPECTOR, Role.GRID_OFFICER])
def test_non_regulators_get_404_on_the_audit_page_and_api(client, events, role):
    client.force_login(UserFactory.create(role=role, scope_code="410202"))
    assert client.get("/core/audit/").status_code == 404
    response = client.get(f"/api/v1/core/audit/{events['longting'].seq}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_regulator_without_scope_sees_nothing(client, events):
    client.force_login(RegulatorFactory.create(username="noscope", scope_code=""))
    assert listed_seqs(client.get("/core/audit/")) == set()
    assert client.get(f"/api/v1/core/audit/{events['longting'].seq}").status_code == 404


def test_anonymous_is_sent_to_login(client, events):
    response = client.get("/core/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/core/audit/")
    api = client.get(f"/api/v1/core/audit/{events['longting'].seq}")
    assert api.status_code == 401 and api.json()["code"] == "unauthorized"


def test_filters_apply_inside_the_scope(client, events):
    client.force_login(RegulatorFactory.create(scope_code="410202"))
    by_action = client.get("/core/audit/", {"action": "institution."})
    assert listed_seqs(by_action) == {events["longting"].seq}
    by_type = client.get("/core/audit/", {"object_type": "enforcement.inspection"})
    assert listed_seqs(by_type) == {events["longting_street"].seq}


def test_audit_page_query_count_does_not_grow_with_rows(client, db, django_assert_max_num_queries):
    actor = RegulatorFactory.create(username="busy", scope_code="410202")
    for i in range(60):
        audit_record(actor=actor, action="test.many", object_id=i, division_code="410202")
    client.force_login(actor)
    with django_assert_max_num_queries(8):
        response = client.get("/core/audit/")
    assert len(response.context["page"]) == 50
    assert client.get("/core/audit/", {"page": 2}).context["page"].number == 2


def test_scope_helpers_agree_with_the_pages(events):
    regulator = RegulatorFactory.create(scope_code="410202")
    admin = PlatformAdminFactory.create(username="admin_helpers")
    parent = UserFactory.create(role=Role.PARENT, scope_code="410202")
    assert user_reach(regulator) == "410202" and user_reach(admin) == "" and user_reach(parent) is None
    assert code_in_scope(regulator, "410202001") and not code_in_scope(regulator, "410212")
    qs = AuditEvent.objects.all()
    assert set(scope_queryset(qs, parent)) == set()
    with pytest.raises(Http404):
        get_in_scope_or_404(qs, regulator, seq=events["xiangfu"].seq)
    assert get_in_scope_or_404(qs, regulator, seq=events["longting"].seq) == events["longting"]


def test_audit_page_shows_roles_in_chinese(client, events):
    audit_record(actor=None, action="job.nightly", division_code="410202")
    client.force_login(RegulatorFactory.create(scope_code="410202"))
    html = client.get("/core/audit/").content.decode()
    assert "平台管理员" in html and "系统" in html
    assert ">platform_admin<" not in html


def test_malformed_lookup_is_404_not_500(events):
    regulator = RegulatorFactory.create(scope_code="410202")
    with pytest.raises(Http404):
        get_in_scope_or_404(AuditEvent.objects.all(), regulator, seq="not-a-number")
    with pytest.raises(Http404):
        # Two rows match: ambiguous lookups must not leak which rows exist either.
        get_in_scope_or_404(AuditEvent.objects.all(), regulator, action__startswith="i")


def test_a_bearer_token_is_fenced_like_its_user(client, events):
    from shuangjian.core.tokens import api_token_issue

    regulator = RegulatorFactory.create(scope_code="410202")
    secret = api_token_issue(actor=regulator, user=regulator, name="t").secret
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(f"/api/v1/core/audit/{events['longting'].seq}", **auth).status_code == 200
    other = client.get(f"/api/v1/core/audit/{events['xiangfu'].seq}", **auth)
    assert other.status_code == 404 and other.json()["code"] == "not_found"
