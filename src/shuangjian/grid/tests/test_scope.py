"""A grid officer's reach is the cells assigned to them (core/scope.py): they see those cells' institutions
and nothing else, by cell and day; every other role's reach is what it was."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from shuangjian.core.models import Role
from shuangjian.core.permissions import can, object_in_scope
from shuangjian.core.scope import grid_cells_of, scope_queryset, user_reach
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory
from shuangjian.grid import selectors
from shuangjian.registry.models import Institution

from .factories import assign, cells, institution_in, officer

pytestmark = pytest.mark.django_db


def test_the_officer_sees_the_institutions_of_their_cells_and_nothing_else() -> None:
    c1, c2, c3 = cells()
    today = timezone.localdate()
    mine = institution_in(c1, name="甲培训学校")
    also_mine = institution_in(c2, name="乙培训中心")
    other = institution_in(c3, name="丙培训学校")
    no_cell = institution_in(c1, grid_code="")
    user = officer()
    assign(user, c1, today - datetime.timedelta(days=10))
    assign(user, c2, today)
    assign(user, c3, today - datetime.timedelta(days=10), today - datetime.timedelta(days=1))  # ended yesterday

    assert set(selectors.institutions_in_reach(user)) == {mine, also_mine}
    assert [r.institution for r in selectors.institutions_of_cell(user, c1)] == [mine]
    assert object_in_scope(user, mine) and not object_in_scope(user, other) and not object_in_scope(user, no_cell)
    # Nothing through the division scope: no county list, no registry page.
    assert user_reach(user) is None
    assert not scope_queryset(Institution.objects.all(), user).exists()
    assert not can(user, "registry.view_institutions")
    # Yesterday the third cell was theirs too.
    assert grid_cells_of(user, today - datetime.timedelta(days=1)) == {c1.code, c3.code}


def test_an_officer_without_assignments_reaches_nothing_even_with_a_cell_scope_code() -> None:
    c1, _c2, _c3 = cells()
    inst = institution_in(c1)
    user = officer(username="g_unassigned")
    user.scope_code = c1.code
    user.save()
    assert not selectors.institutions_in_reach(user).exists()
    assert not object_in_scope(user, inst)


def test_other_roles_reach_as_before() -> None:
    c1, _c2, c3 = cells()
    a, b = institution_in(c1), institution_in(c3)
    regulator = RegulatorFactory.create(username="g_reg", scope_code="410202")
    other_county = RegulatorFactory.create(username="g_reg_xf", scope_code="410212")
    inspector = UserFactory.create(username="g_insp", role=Role.INSPECTOR, scope_code="410202")
    for user in (regulator, inspector):
        assert user_reach(user) == "410202"
        assert set(scope_queryset(Institution.objects.all(), user)) >= {a, b}
        assert object_in_scope(user, a) and object_in_scope(user, b)
        assert grid_cells_of(user) == frozenset()
    assert not object_in_scope(other_county, a)
