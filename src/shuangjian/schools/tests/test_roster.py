from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shuangjian.core.tests.factories import RegulatorFactory
from shuangjian.core.tokens import api_token_issue
from shuangjian.schools.models import InServiceRoster, RosterEntry
from shuangjian.schools.services import RosterRowsInvalid, roster_upload
from shuangjian.staff import services
from shuangjian.staff.models import EmploymentFlag
from shuangjian.staff.tests.factories import (
    OperatorFactory,
    SchoolAdminUserFactory,
    SchoolFactory,
    math_teacher,
    rid,
    roster_file,
    school_of,
)

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_bad_rows_reported_by_row_and_column_and_nothing_imported() -> None:
    admin = SchoolAdminUserFactory.create()
    good = rid(1)
    bad_check = good[:-1] + ("0" if good[-1] != "0" else "1")
    f = roster_file([("张老师", good), ("", rid(2)), ("李老师", bad_check), ("赵老师", good), ("钱老师", "12345")])
    with pytest.raises(RosterRowsInvalid) as exc:
        roster_upload(actor=admin, school=school_of(admin), file=f)
    got = [(e.row, e.column) for e in exc.value.errors]
    assert got == [(3, "姓名"), (4, "身份证号"), (5, "身份证号"), (6, "身份证号")]
    assert "重复" in exc.value.errors[2].message
    assert not InServiceRoster.objects.exists() and not RosterEntry.objects.exists()


def test_wrong_headers_and_not_excel_are_refused() -> None:
    admin = SchoolAdminUserFactory.create()
    from shuangjian.core.excel import FileProblem

    with pytest.raises(FileProblem):
        roster_upload(actor=admin, school=school_of(admin), file=roster_file([("a", rid(1))], headers=("名字", "证件")))
    with pytest.raises(FileProblem):
        roster_upload(actor=admin, school=school_of(admin), file=SimpleUploadedFile("x.xlsx", b"hello"))


def test_new_roster_replaces_the_old_one_for_the_hire_check() -> None:
    admin = SchoolAdminUserFactory.create()
    school = school_of(admin)
    roster_upload(actor=admin, school=school, file=roster_file([("王老师", rid(3))]))
    roster_upload(actor=admin, school=school, file=roster_file([("李老师", rid(4))]))
    assert InServiceRoster.objects.filter(is_current=True).count() == 1
    # Left the school (no longer on the current roster): may now be employed.
    assert services.check_employment(actor=OperatorFactory.create(), data=math_teacher(rid(3))) == []


def test_only_the_schools_admin_uploads() -> None:
    admin = SchoolAdminUserFactory.create()
    other_school = SchoolFactory.create()
    from django.http import Http404

    with pytest.raises(Http404):
        roster_upload(actor=admin, school=other_school, file=roster_file([("王老师", rid(5))]))
    with pytest.raises(Http404):
        roster_upload(actor=RegulatorFactory.create(), school=other_school, file=roster_file([("王老师", rid(5))]))


def test_upload_page_shows_flags_and_history() -> None:
    op = OperatorFactory.create()
    services.employment_create(actor=op, data=math_teacher(rid(6)))
    admin = SchoolAdminUserFactory.create()
    c = login(admin)
    assert c.get("/schools/rosters/").status_code == 200
    r = c.post("/schools/rosters/", {"file": roster_file([("王老师", rid(6)), ("李老师", rid(7))])})
    html = r.content.decode()
    assert r.status_code == 200 and 'data-testid="result"' in html and "王老师" in html
    assert EmploymentFlag.objects.count() == 1
    bad = c.post("/schools/rosters/", {"file": roster_file([("王老师", "410202")])})
    assert (
        bad.status_code == 422
        and "身份证号" in bad.content.decode()
        and 'data-testid="row-errors"' in bad.content.decode()
    )
    assert InServiceRoster.objects.count() == 1
    tpl = c.get("/schools/rosters/template.xlsx")
    assert tpl.status_code == 200 and tpl["Content-Disposition"].startswith("attachment")


def test_roster_api_upload_and_422_shape() -> None:
    admin = SchoolAdminUserFactory.create()
    issued = api_token_issue(actor=admin, user=admin, name="名单", days=30)
    h: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    ok = Client().post("/api/v1/schools/rosters", {"file": roster_file([("王老师", rid(8))])}, **h)
    assert ok.status_code == 201, ok.content
    assert ok.json()["row_count"] == 1
    bad = Client().post("/api/v1/schools/rosters", {"file": roster_file([("", rid(9))])}, **h)
    assert bad.status_code == 422 and bad.json()["code"] == "roster_rows_invalid"
    assert bad.json()["detail"] == [{"row": 2, "column": "姓名", "message": "姓名不能为空。"}]
    listed = Client().get("/api/v1/schools/rosters", **h).json()
    assert len(listed) == 1
