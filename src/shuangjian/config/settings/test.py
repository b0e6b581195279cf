"""Test runs: SQLite in memory unless DATABASE_URL points at PostgreSQL; fast hashing."""

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not env.str("DATABASE_URL", default=""):
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "OPTIONS": {"timeout": 20},
        "TEST": {"NAME": None},
    }
CELERY_TASK_ALWAYS_EAGER = True
# The public name index is built in the request (a test's rows live in its own transaction, which a background
# thread's connection cannot see) and checked on every search.
SHUANGJIAN_PUBLIC_SEARCH_INDEX = "inline"
SHUANGJIAN_PUBLIC_SEARCH_INDEX_CHECK_SECONDS = 0.0
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]

# Serve static files from the installed packages without a collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
