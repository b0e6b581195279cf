"""Pages: a refused form shows every violation in Chinese with its basis and writes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from shuangjian.core.models import DivisionLevel
from shuangjian.core.tests.factories import DivisionFactory, RegulatorFactory
from shuangjian.courses.models import Course, Session

from .factories import ClassGroupFactory, CourseFactory, SessionFactory, operator_with_institution

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)


def test_session_form_refusal_lists_violation_with_basis_and_saves_nothing(client):
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    login(client, user)
    url = reverse("courses:class_group_detail", args=[group.pk])
    response = client.post(url, {"s-date": "2026-03-04", "s-start_time": "19:00", "s-end_time": "20:45"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "线下培训结束时间不得晚于 20:30" in body and "第十三条" in body
    assert Session.objects.count() == 0
    response = client.post(url, {"s-date": "2026-03-04", "s-start_time": "19:00", "s-end_time": "20:30"})
    assert response.status_code == 302 and Session.objects.count() == 1


def test_course_form_creates_and_refuses(client):
    user, _ = operator_with_institution()
    login(client, user)
    data = {
        "name": "初二数学",
        "category": "subject",
        "subject": "physics",
        "format": "offline",
        "lesson_minutes": "45",
        "lesson_count": "20",
        "price": "66.00",
        "class_size_tier": "medium",
    }
    response = client.post(reverse("courses:course_create"), data)
    assert "办学许可证未核准该学科" in response.content.decode() and Course.objects.count() == 0
    response = client.post(reverse("courses:course_create"), {**data, "subject": "math"})
    assert response.status_code == 302
    assert Course.objects.get().price_per_lesson_fen == 6600


def test_operator_sees_only_own_courses_and_regulator_sees_scope(client, django_assert_max_num_queries):
    user, institution = operator_with_institution()
    CourseFactory.create(institution=institution, name="我的课程")
    CourseFactory.create(name="别人的课程")
    CourseFactory.create(name="祥符课程", institution__division_code="410212")
    login(client, user)
    body = client.get(reverse("courses:course_list")).content.decode()
    assert "我的课程" in body and "别人的课程" not in body
    client.logout()
    login(client, RegulatorFactory.create())
    for _ in range(5):
        CourseFactory.create()
    with django_assert_max_num_queries(10):
        body = client.get(reverse("courses:course_list")).content.decode()
    assert "别人的课程" in body and "祥符课程" not in body


def test_long_course_list_is_paged_without_counting_everything(client, monkeypatch):
    from shuangjian.courses import views

    monkeypatch.setattr(views, "COURSE_LIST_COUNT_CAP", 3)
    near = CourseFactory.create(name="县内课程00").institution
    for n in range(1, 32):
        CourseFactory.create(name=f"县内课程{n:02d}", institution=near)
    CourseFactory.create(name="祥符课程", institution__division_code="410212")
    login(client, RegulatorFactory.create())
    url = reverse("courses:course_list")
    response = client.get(url)
    body = response.content.decode()
    # 32 courses in reach: page 1 counts one page and one row more, so it says "more than 1 page".
    assert response.status_code == 200 and len(response.context["page"].object_list) == 30
    assert "县内课程00" in body and "祥符课程" not in body
    assert "第 1 页，共超过 1 页" in body and "page=2" in body
    response = client.get(url, {"page": "2"})
    body = response.content.decode()
    assert "县内课程31" in body and "祥符课程" not in body and "第 2 / 2 页" in body


def test_regulator_course_list_goes_by_county_then_institution_as_the_register_orders_them(client):
    """A city regulator pages through the courses county by county, institutions in the register's (pinyin) order
    and each institution's courses by name; every page is the matching slice of the whole list, and each row
    names its county."""
    from shuangjian.courses.selectors import courses_for_user
    from shuangjian.registry.tests.factories import InstitutionFactory

    DivisionFactory.create(code="410202", name="龙亭区", level=DivisionLevel.COUNTY)
    DivisionFactory.create(code="410212", name="祥符区", level=DivisionLevel.COUNTY)
    made = []
    for county, names in (("410212", ["安阳培训", "北京培训"]), ("410202", ["郑州培训", "开封培训", "安康培训"])):
        for name in names:
            inst = InstitutionFactory.create(name=name, division_code=county)
            for course in ("数学", "英语"):
                made.append(CourseFactory.create(institution=inst, name=f"{name}{course}"))
    CourseFactory.create(name="外市课程", institution__division_code="410302")
    city = RegulatorFactory.create(scope_code="4102")
    rows = list(courses_for_user(city))
    expected = sorted(made, key=lambda c: (c.institution.division_code, c.institution.name_key, c.name))
    assert [c.name for c in rows] == [c.name for c in expected]
    assert [c.name for c in rows][:2] == ["安康培训数学", "安康培训英语"]  # 龙亭区 410202 first, 安康 before 开封
    for start in range(len(rows)):
        assert [c.pk for c in courses_for_user(city)[start : start + 3]] == [c.pk for c in rows[start : start + 3]]
    login(client, city)
    body = client.get(reverse("courses:course_list")).content.decode()
    assert "外市课程" not in body
    assert body.index("安康培训数学") < body.index("郑州培训英语") < body.index("安阳培训数学")
    assert "祥符区" in body and "龙亭区" in body


def test_class_group_page_lists_sessions_without_n_plus_one(client, django_assert_max_num_queries):
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    for d in range(10):
        start = datetime.datetime(2026, 3, 2 + d, 18, tzinfo=datetime.UTC)
        SessionFactory.create(class_group=group, starts_at=start, ends_at=start + datetime.timedelta(minutes=45))
    login(client, user)
    # The same 14 with one session as with ten: a fixed cost (session, user, the operator's institution asked
    # per permission, the scan findings shown on the page), nothing per session.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("courses:class_group_detail", args=[group.pk]))
    assert response.status_code == 200


def test_material_queue_and_prices_pages_for_regulator(client):
    DivisionFactory.create(code="4102", name="开封市", level=DivisionLevel.CITY)
    login(client, RegulatorFactory.create(scope_code="4102"))
    assert client.get(reverse("courses:material_queue")).status_code == 200
    response = client.post(
        reverse("courses:guidance_prices"),
        {
            "division_code": "4102",
            "class_size_tier": "small",
            "price_format": "offline",
            "benchmark": "80",
            "effective_from": "2026-01-01",
        },
    )
    assert response.status_code == 302
    assert "80.00" in client.get(reverse("courses:guidance_prices")).content.decode()


def test_operator_pages_are_404_for_others(client):
    login(client, RegulatorFactory.create())
    assert client.get(reverse("courses:course_create")).status_code == 404
    user, _ = operator_with_institution()
    client.logout()
    login(client, user)
    assert client.get(reverse("courses:violation_list")).status_code == 404
    assert client.get(reverse("courses:class_group_detail", args=[ClassGroupFactory.create().pk])).status_code == 404


def test_dashboard_cards_show_course_figures(client):
    user, institution = operator_with_institution()
    CourseFactory.create(institution=institution)
    client.force_login(user)
    assert "在售课程" in client.get("/").content.decode()
    client.logout()
    client.force_login(RegulatorFactory.create())
    body = client.get("/").content.decode()
    assert "违规课程课次" in body and "待审教材讲义" in body


def test_session_edit_refused_keeps_the_session_and_class_group_form_refuses_oversize(client):
    user, institution = operator_with_institution()
    session = SessionFactory.create(class_group__course__institution=institution)
    client.force_login(user)
    url = reverse("courses:session_edit", args=[session.pk])
    response = client.post(url, {"date": "2026-03-07", "start_time": "09:00", "end_time": "09:45"})
    assert "学科类培训不得在休息日开展" in response.content.decode()
    session.refresh_from_db()
    assert session.starts_at.date() == datetime.date(2026, 3, 4)
    site = session.class_group.site
    assert site is not None
    response = client.post(
        reverse("courses:class_group_create"),
        {"course": session.class_group.course_id, "name": "大班", "site": site.pk, "capacity": "300"},
    )
    body = response.content.decode()
    assert "超过教学点可容纳人数" in body and "班额档次" in body


def test_weekly_form_with_an_offset_in_the_time_is_a_form_error_not_a_500(client):
    user, institution = operator_with_institution()
    group = ClassGroupFactory.create(course__institution=institution)
    login(client, user)
    url = reverse("courses:class_group_detail", args=[group.pk])
    data = {"w-weekdays": ["2"], "w-date_from": "2026-03-01", "w-date_to": "2026-03-31"}
    response = client.post(url, {**data, "w-start_time": "19:00+08:00", "w-end_time": "19:45+08:00"})
    assert response.status_code == 200
    assert "输入一个有效的时间" in response.content.decode()
    assert Session.objects.count() == 0
    response = client.post(url, {**data, "w-start_time": "19:00", "w-end_time": "19:45"})
    assert response.status_code == 302 and Session.objects.count() == 4
