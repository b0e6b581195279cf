"""Settings shared by every environment; everything that differs comes from the environment."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
import xstatic.pkg.bootstrap
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parents[2]
BASE_DIR = PACKAGE_DIR.parents[1]

env = environ.Env()
VAR_DIR = Path(env.str("SHUANGJIAN_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Listed so /api/v1/docs serves Swagger UI from ninja's own static files instead of a CDN.
    "ninja",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "simple_history",
    "shuangjian.core",
    "shuangjian.registry",
    "shuangjian.staff",
    "shuangjian.schools",
    "shuangjian.courses",
    "shuangjian.students",
    "shuangjian.funds",
    "shuangjian.enforcement",
    "shuangjian.competitions",
    "shuangjian.grid",
    "shuangjian.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An oversized body is refused from its Content-Length before anything below reads it.
    "shuangjian.core.http_limits.RequestSizeLimitMiddleware",
    "shuangjian.core.http_limits.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Public searches answered here (portal.middleware); header-adding middleware belongs above this line.
    "shuangjian.portal.middleware.PublicSearchMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "shuangjian.core.middleware.ApiErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shuangjian.config.urls"
WSGI_APPLICATION = "shuangjian.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "shuangjian.core.context_processors.navigation",
                "shuangjian.core.http_limits.csp_nonce",
            ],
            # Names for codes on every page without a {% load %} in each template.
            "builtins": ["shuangjian.core.templatetags.names", "shuangjian.registry.templatetags.registry_labels"],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server, a job and a shell share the file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "shuangjian.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = None

# Sessions end after 8 idle hours (a working day) and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# django-axes: 5 failures for one username from one IP lock that pair for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The audit log and the lockout see the same client address; see client_ip for proxies.
AXES_CLIENT_IP_CALLABLE = "shuangjian.core.middleware.client_ip"
# Reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR only).
SHUANGJIAN_TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [PACKAGE_DIR / "static", ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR)]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The largest upload request (multipart) the server accepts at all; each upload kind has a smaller limit of its own.
SHUANGJIAN_MAX_UPLOAD_REQUEST_BYTES = env.int("SHUANGJIAN_MAX_UPLOAD_REQUEST_BYTES", default=50 * 1024 * 1024)
# Every asset is served by this site (no CDN); inline scripts run only with the page's nonce.
SHUANGJIAN_CONTENT_SECURITY_POLICY = env.str(
    "SHUANGJIAN_CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://shuangjian")}
# The public rate limit counts in this cache. It must be shared by every server process (Redis in production;
# production refuses a process-local one), or each worker would grant the full limit on its own.
CACHES["ratelimit"] = env.cache("RATELIMIT_CACHE_URL", default=env.str("CACHE_URL", default="locmemcache://shuangjian"))

# Excel uploads (core/excel.py), checked before a workbook is parsed. An .xlsx is zipped XML: the zip's declared
# sizes bound what parsing costs, and openpyxl holds the shared-strings table in memory (a 662 KB file
# grew a worker by 290 MB). Rows and cells bound the work a request or job does; a survey of a city fits.
EXCEL_MAX_UPLOAD_BYTES = env.int("EXCEL_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
EXCEL_MAX_UNCOMPRESSED_BYTES = env.int("EXCEL_MAX_UNCOMPRESSED_BYTES", default=150 * 1024 * 1024)
EXCEL_MAX_SHARED_STRINGS_BYTES = env.int("EXCEL_MAX_SHARED_STRINGS_BYTES", default=64 * 1024 * 1024)
EXCEL_MAX_COMPRESSION_RATIO = env.int("EXCEL_MAX_COMPRESSION_RATIO", default=100)
EXCEL_MAX_ROWS = env.int("EXCEL_MAX_ROWS", default=200_000)
EXCEL_MAX_CELLS = env.int("EXCEL_MAX_CELLS", default=4_000_000)
EXCEL_MAX_COLUMNS = env.int("EXCEL_MAX_COLUMNS", default=100)

# Celery: the broker is Redis in production; dev and test run tasks in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Records that a calendar, price or licence change made non-compliant: listed for regulators (courses app).
    "courses-violation-scan": {"task": "shuangjian.courses.tasks.violation_scan_task", "schedule": 6 * 3600.0},
    # Zombie institutions (RULES.md: two years without a passed annual inspection), counted nightly (registry).
    "registry-scan-zombies": {"task": "registry.scan_zombies", "schedule": 24 * 3600.0},
    # Funds: lessons unanswered N working days auto-confirm; refunds unanswered M working days = agreed (rules.py).
    "funds-auto-confirm": {"task": "shuangjian.funds.tasks.auto_confirm_task", "schedule": 3600.0},
    "funds-refunds-deemed": {"task": "shuangjian.funds.tasks.refunds_deemed_task", "schedule": 3600.0},
    # Competitions: filings of an ended cycle leave the public list (RULES.md Competitions: "for the cycle").
    "competitions-expire": {"task": "shuangjian.competitions.tasks.expire_task", "schedule": 24 * 3600.0},
}

# Grid (issue 16; RULES.md sets no numbers for the 2116 daily report, so these are local settings).
# A daily report is on time when submitted before this local hour on its day (Kaifeng's seed: reports "daily").
GRID_REPORT_CUTOFF_HOUR = env.int("GRID_REPORT_CUTOFF_HOUR", default=20)
# Local hour at which missing reports of the day are chased (a reminder to the officer, a gap on the rates page).
GRID_REMINDER_HOUR = env.int("GRID_REMINDER_HOUR", default=18)
# Cells that report on rest days and holidays too (comma-separated cell codes, e.g. around schools in term).
GRID_REST_DAY_CELLS: list[str] = env.list("GRID_REST_DAY_CELLS", default=[])
CELERY_BEAT_SCHEDULE["grid-chase-missing"] = {
    "task": "shuangjian.grid.tasks.chase_missing_task",
    "schedule": crontab(hour=GRID_REMINDER_HOUR, minute=0),
}

# RULES.md "release (一课一消)": no answer = confirmed after N working days. The default and its source are in
# funds/rules.py (CONFIRM_WORKING_DAYS); unset here means that default.
FUNDS_CONFIRM_WORKING_DAYS = env.int("FUNDS_CONFIRM_WORKING_DAYS", default=None)

# Bank adapters (funds/banks/__init__.py): the class for every bank, and per bank code an override
# ("code=dotted.path,..."). The simulated bank is the default here (demo, tests); production defaults to files.
FUNDS_BANK_ADAPTER = env.str("FUNDS_BANK_ADAPTER", default="shuangjian.funds.banks.simulated.SimulatedBank")
FUNDS_BANK_ADAPTERS: dict[str, str] = env.dict("FUNDS_BANK_ADAPTERS", default={})

# Bank statement uploads (funds/reconcile.py): the file is streamed, and refused past these sizes.
FUNDS_STATEMENT_MAX_BYTES = env.int("FUNDS_STATEMENT_MAX_BYTES", default=100 * 1024 * 1024)
FUNDS_STATEMENT_MAX_LINES = env.int("FUNDS_STATEMENT_MAX_LINES", default=2_000_000)
FUNDS_STATEMENT_MAX_UNCOMPRESSED_BYTES = env.int("FUNDS_STATEMENT_MAX_UNCOMPRESSED_BYTES", default=500 * 1024 * 1024)

# API tokens for programs: lifetime in days unless the creator chooses a shorter one.
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

SHUANGJIAN_PUBLIC_RATE_LIMIT = env.str("PUBLIC_RATE_LIMIT", default="60/m")
# Seconds a public search answer is kept (0: never cached — every query reaches the database).
SHUANGJIAN_PUBLIC_QUERY_CACHE_SECONDS = env.int("PUBLIC_QUERY_CACHE_SECONDS", default=60)
# Institutions one public search lists (1-50). Ten fill a phone screen or two; each result costs about as much as
# the rest of the answer's work together divided by ten, so a longer page makes every search dearer.
SHUANGJIAN_PUBLIC_SEARCH_PAGE = env.int("PUBLIC_SEARCH_PAGE", default=10)

# Courses: guidance-price numbers that 发改价格〔2021〕1482号 leaves to the province or city (RULES.md, "local").
# A lesson's price is compared per standard lesson: 45 minutes offline, 30 minutes online.
COURSES_STANDARD_LESSON_MINUTES_OFFLINE = env.int("COURSES_STANDARD_LESSON_MINUTES_OFFLINE", default=45)
COURSES_STANDARD_LESSON_MINUTES_ONLINE = env.int("COURSES_STANDARD_LESSON_MINUTES_ONLINE", default=30)
# Class-size tiers: small below 10 students, medium 10 to 35, large above 35.
COURSES_CLASS_SIZE_SMALL_BELOW = env.int("COURSES_CLASS_SIZE_SMALL_BELOW", default=10)
COURSES_CLASS_SIZE_LARGE_ABOVE = env.int("COURSES_CLASS_SIZE_LARGE_ABOVE", default=35)
# The price may float up to 10 % above the benchmark (no floor): the ceiling is 110 % of it.
COURSES_PRICE_CEILING_PERCENT = env.int("COURSES_PRICE_CEILING_PERCENT", default=110)
# Teaching materials filed for review (教材/讲义): largest file accepted, in bytes (a scanned textbook fits).
COURSES_MATERIAL_MAX_BYTES = env.int("COURSES_MATERIAL_MAX_BYTES", default=20 * 1024 * 1024)

# Competitions (RULES.md, Competitions: 教育部《面向中小学生的全国性竞赛活动管理办法》; Zhengzhou seed): a certificate
# must state that it is not a basis for school admission. The rule accepts any of these phrasings (compared with
# spaces and punctuation removed); a city may add its own wording (comma-separated in the environment).
COMPETITIONS_CERTIFICATE_STATEMENTS: list[str] = env.list(
    "COMPETITIONS_CERTIFICATE_STATEMENTS",
    default=[
        "不作为招生入学依据",
        "不作为升学依据",
        "不作为入学依据",
        "不作为中小学招生入学的依据",
        "不作为招生依据",
        "不得作为招生入学依据",
        "不能作为升学依据",
    ],
)
