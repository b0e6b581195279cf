"""The page walk that `bench/bench_pages.py` times at 20k and 200k institutions reaches every menu page.

Its users (one per role and scope, `bench.page_walk.make_walkers`) are built here on tiny data, as the bench
builds them on a generated province. Every entry registered in `core.nav` whose URL reverses must be in the menu
of at least one of them — a new menu page that no bench role reaches fails here, so it cannot go unmeasured —
and every page the walk reaches must answer 200 for its role (no 500 on an empty or nearly empty register).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, get_resolver, reverse

from bench.page_walk import ROLES, make_walkers, menu_pages
from shuangjian.core import nav


def _registered_pages() -> set[str]:
    get_resolver().url_patterns  # noqa: B018 -- importing every urls module registers the views' menu entries
    names = set()
    for item in nav._REGISTRY.values():
        try:
            reverse(item.url_name)
        except NoReverseMatch:
            continue
        names.add(item.url_name)
    return names


def _walked(users: dict[str, Any]) -> set[str]:
    return {page.url_name for role, user in users.items() for page in menu_pages(role, user)}


@pytest.fixture
def walkers(db: Any) -> dict[str, Any]:
    return make_walkers()


def test_every_menu_page_is_reached_by_a_bench_role(walkers: dict[str, Any]) -> None:
    assert set(walkers) == set(ROLES)
    missing = sorted(_registered_pages() - _walked(walkers))
    assert missing == [], "menu pages no role of the page walk reaches (bench/page_walk.py): " + ", ".join(missing)


def test_a_menu_page_no_role_may_open_fails_the_walk(walkers: dict[str, Any]) -> None:
    """The check above bites: an entry whose permission no bench role holds is reported as missing."""
    # A real URL name is needed for the entry to count: the audit log's, under a permission nobody holds.
    probe = nav.NavItem("无人可见", "core:audit_list", permission="walk.nobody_has_this")
    original = nav._REGISTRY["core:audit_list"]
    nav.register(probe)
    try:
        missing = _registered_pages() - _walked(walkers)
    finally:
        nav.register(original)
    assert missing == {"core:audit_list"}


def test_every_walked_page_answers_200(walkers: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    problems = []
    for role, user in walkers.items():
        client = Client()
        client.force_login(user)
        pages = menu_pages(role, user)
        assert pages, f"{role} sees no menu"
        for page in pages:
            with django_capture_on_commit_callbacks(execute=True):  # a job started by the view runs, as it commits
                status = client.get(page.url).status_code
            if status == 302:
                # A page computed by a background job (complaints:statistics) starts it on the first view and
                # redirects to it; the job has run (eager, as in the bench), so the next view shows the result.
                status = client.get(page.url).status_code
            if status != 200:
                problems.append(f"{role} {page.url} ({page.url_name}): {status}")
    assert problems == [], "\n".join(problems)
