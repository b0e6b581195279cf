"""Production: refuses to start without SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL."""

import os

from django.core.exceptions import ImproperlyConfigured

_missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if not os.environ.get(name, "").strip()]
if _missing:
    raise ImproperlyConfigured(f"Production settings need the environment variable(s): {', '.join(_missing)}.")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")

# A real custody bank executes instruction files itself; the simulated bank only where explicitly configured.
FUNDS_BANK_ADAPTER = env.str("FUNDS_BANK_ADAPTER", default="shuangjian.funds.banks.files.FileExchangeBank")

CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="redis://127.0.0.1:6379/1")
CACHES = {"default": env.cache("CACHE_URL", default="redis://127.0.0.1:6379/2")}
CACHES["ratelimit"] = env.cache("RATELIMIT_CACHE_URL", default=env.str("CACHE_URL", default="redis://127.0.0.1:6379/2"))
_PROCESS_LOCAL = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")
if CACHES["ratelimit"]["BACKEND"] in _PROCESS_LOCAL:
    # Each gunicorn worker would count on its own: a 60/min limit let 120 through with two workers.
    raise ImproperlyConfigured("RATELIMIT_CACHE_URL must name a cache shared by all server processes (Redis).")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# A load balancer's or orchestrator's plain-HTTP health probe gets its answer, not a redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# Production sits behind one reverse proxy (it terminates TLS, see SECURE_PROXY_SSL_HEADER); the client
# address is the X-Forwarded-For entry that proxy appended. Set TRUSTED_PROXIES=0 when serving directly.
SHUANGJIAN_TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=1)
