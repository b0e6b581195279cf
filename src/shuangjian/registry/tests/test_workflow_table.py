"""The licence workflow table is the only list of moves: every move on it can be made through the services and
is recorded in words from it, every move not on it is refused, and the page offers exactly its buttons."""

from __future__ import annotations

import re
from collections import deque
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shuangjian.registry import services, workflow
from shuangjian.registry.models import (
    ApplicationStatus,
    ApplicationStep,
    Category,
    LicenceApplication,
    NonSubjectField,
)
from shuangjian.registry.tests.factories import OperatorFactory, SiteFactory, pdf
from shuangjian.registry.tests.test_workflow import data

S = ApplicationStatus
STATES = [workflow.NEW, *S.values]
REGULATOR_MOVES = [t for t in workflow.TRANSITIONS if t.actor == workflow.DEPARTMENT_REGULATOR]


def test_the_table_is_well_formed() -> None:
    actions = [t.action for t in workflow.TRANSITIONS]
    assert len(actions) == len(set(actions))
    for t in workflow.TRANSITIONS:
        assert t.target in S.values and set(t.sources) <= set(STATES)
        assert t.actor in workflow.ACTORS
        assert t.requires in ("", workflow.COMMENT, workflow.MATERIALS)
        assert bool(t.requires) == bool(t.missing)
    assert set(services.ACTION_SERVICES) == {t.action for t in REGULATOR_MOVES}


def test_every_state_is_reachable_from_a_new_application() -> None:
    seen = {workflow.NEW}
    queue = deque(seen)
    while queue:
        state = queue.popleft()
        for t in workflow.TRANSITIONS:
            if state in t.sources and t.target not in seen:
                seen.add(t.target)
                queue.append(t.target)
    assert seen == set(STATES)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", [t.action for t in workflow.TRANSITIONS])
def test_the_guard_allows_exactly_the_table(state: str, action: str) -> None:
    t = workflow.BY_ACTION[action]
    if state in t.sources:
        assert workflow.transition(state, action) is t
    else:
        with pytest.raises(ValidationError) as exc:
            workflow.transition(state, action)
        assert exc.value.code == "invalid_transition"


def new_application() -> LicenceApplication:
    op = OperatorFactory.create()
    app = services.licence_application_submit(
        actor=op,
        data=data(category=Category.NON_SUBJECT, field=NonSubjectField.SPORTS, licensed_subjects=[]),
        materials=[("章程", pdf())],
    )
    SiteFactory.create(institution=app.institution)
    return app


def path_to(state: str) -> list[workflow.Transition]:
    """The shortest run of regulator moves from a submitted application to ``state``."""
    paths: dict[str, list[workflow.Transition]] = {S.SUBMITTED: []}
    queue = deque([S.SUBMITTED.value])
    while queue:
        here = queue.popleft()
        for t in REGULATOR_MOVES:
            if here in t.sources and t.target not in paths:
                paths[t.target] = [*paths[here], t]
                queue.append(t.target)
    return paths[state]


def act(t: workflow.Transition, actor: Any, app: LicenceApplication) -> None:
    services.ACTION_SERVICES[t.action](actor=actor, application=app, comment="意见：按规定办理")
    app.refresh_from_db()


@pytest.mark.parametrize(
    "move,source", [(t, s) for t in REGULATOR_MOVES for s in t.sources], ids=lambda v: getattr(v, "action", v)
)
def test_every_regulator_move_is_made_and_recorded_in_its_words(
    sports: Any, move: workflow.Transition, source: str
) -> None:
    app = new_application()
    for step in path_to(source):
        act(step, sports, app)
    assert app.status == source
    act(move, sports, app)
    assert app.status == move.target
    last = ApplicationStep.objects.filter(application=app).order_by("-created_at", "-id").first()
    assert last is not None and workflow.step_label(last.from_status, last.to_status) == str(move.label)


def test_resubmit_after_a_return_is_the_applicant_move(sports: Any) -> None:
    app = new_application()
    act(workflow.BY_ACTION["return"], sports, app)
    services.licence_application_resubmit(actor=app.applicant, application=app, materials=[("补正", pdf())])
    app.refresh_from_db()
    assert app.status == workflow.BY_ACTION["resubmit"].target
    with pytest.raises(ValidationError) as exc:  # only from a return
        services.licence_application_resubmit(actor=app.applicant, application=app, materials=[("补正", pdf())])
    assert exc.value.code == "invalid_transition"


@pytest.mark.parametrize("state", S.values)
def test_every_move_off_the_table_is_refused_and_changes_nothing(sports: Any, state: str) -> None:
    app = new_application()
    LicenceApplication.objects.filter(pk=app.pk).update(status=state)
    app.refresh_from_db()
    steps = ApplicationStep.objects.filter(application=app).count()
    for t in REGULATOR_MOVES:
        if state in t.sources:
            continue
        with pytest.raises(ValidationError) as exc:
            services.ACTION_SERVICES[t.action](actor=sports, application=app, comment="意见")
        assert exc.value.code == "invalid_transition"
    app.refresh_from_db()
    assert app.status == state
    assert ApplicationStep.objects.filter(application=app).count() == steps


def test_requirements_come_from_the_table(sports: Any) -> None:
    app = new_application()
    for action in ("return", "reject"):
        with pytest.raises(ValidationError) as exc:
            services.ACTION_SERVICES[action](actor=sports, application=app, comment="  ")
        assert exc.value.code == "comment_required"
        assert exc.value.messages == [str(workflow.BY_ACTION[action].missing)]
    with pytest.raises(ValidationError) as exc:
        services.licence_application_submit(actor=OperatorFactory.create(), data=data(), materials=[])
    assert exc.value.code == "materials_required"


@pytest.mark.parametrize("state", S.values)
def test_the_page_offers_exactly_the_table_buttons(client: Any, sports: Any, state: str) -> None:
    app = new_application()
    LicenceApplication.objects.filter(pk=app.pk).update(status=state)
    client.force_login(sports)
    page = client.get(reverse("registry:application_detail", args=[app.pk])).content.decode()
    offered = set(re.findall(r'name="action" value="(\w+)"', page))
    assert offered == {t.action for t in workflow.actions_from(state, workflow.DEPARTMENT_REGULATOR)}
