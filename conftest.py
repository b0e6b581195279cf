"""Shared pytest fixtures for every app's tests."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

# No timed assertions in tests (speed belongs to bench/): Hypothesis's per-example deadline and its "generation is
# slow" check measure wall-clock time, which on a shared 2-core machine moves with everybody else's load.
settings.register_profile("shuangjian", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("shuangjian")


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    # The calendar keeps holiday overrides and vacations per process; rows an earlier test wrote were rolled back.
    from shuangjian.core.calendar import clear_cache

    clear_cache()
    # Likewise the public name index: built from rows an earlier test wrote and rolled back.
    from shuangjian.registry import name_index

    name_index.reset()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """A request with an English cookie leaves English active in this thread (LocaleMiddleware never resets it);
    later tests in the same worker expect the default Chinese."""
    from django.conf import settings as django_settings
    from django.utils import translation

    yield
    translation.activate(django_settings.LANGUAGE_CODE)
