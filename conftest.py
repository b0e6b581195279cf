"""Shared pytest fixtures for every app's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    from django.core.cache import cache

    cache.clear()
    # The calendar keeps holiday overrides and vacations per process; rows an earlier test wrote were rolled back.
    from shuangjian.core.calendar import clear_cache

    clear_cache()
    yield
