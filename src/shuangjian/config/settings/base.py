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
    "shuangjian.complaints",
    "shuangjian.oversight",
    "shuangjian.grid",
    "shuangjian.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An oversized body is refused from its Content-Length before anything below reads it.
    "shuangjian.core.http_limits.RequestSizeLimitMiddleware",
    "shuangjian.core.http_limits.SecurityHeadersMiddleware",
    # Marks read-only requests for the replica (if configured) before anything below reads the database.
    "shuangjian.core.db_routing.ReplicaRoutingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Public searches answered here (portal.middleware); header-adding middleware belongs above this line.
    "shuangjian.portal.middleware.PublicSearchMiddleware",
    # Signed bank notifications answered here (funds.middleware): no session, CSRF, user or routing needed.
    "shuangjian.funds.middleware.BankNotificationMiddleware",
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
# PostgreSQL's JIT compiles any statement its planner prices above jit_above_cost: on a province's data that is a
# list's capped count or a dashboard figure, and compiling cost more than running it (the white list's capped count
# for a platform admin at 20 000 institutions: 85 → 34 ms of CPU without it). Off unless DATABASE_JIT=on.
PG_SESSION_OPTIONS = "" if env.bool("DATABASE_JIT", default=False) else "-c jit=off"
# A PostgreSQL streaming replica for read-only traffic (core/db_routing.py): public portal and API, dashboards,
# statistics, exports. Writes, reads inside a write's transaction and pages right after a POST use the primary.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["ATOMIC_REQUESTS"] = False
    DATABASES["replica"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # Tests read the replica as the primary's test database (no second test database is created).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
for _alias in DATABASES.values():
    if _alias["ENGINE"] != "django.db.backends.sqlite3" and PG_SESSION_OPTIONS:
        _options = _alias.setdefault("OPTIONS", {})
        # Options given in the URL (``?options=…``) come first; a later ``-c jit=…`` there would not be overridden.
        _options["options"] = f"{PG_SESSION_OPTIONS} {_options.get('options', '')}".strip()
DATABASE_ROUTERS = ["shuangjian.core.db_routing.PrimaryReplicaRouter"]
# Seconds after a POST during which the same browser reads the primary (longer than the replica's usual lag).
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)
# GET requests whose reads may go to the replica: these path prefixes, and URL names matching these patterns.
DATABASE_REPLICA_PATH_PREFIXES: list[str] = ["/public/", "/api/v1/public/"]
DATABASE_REPLICA_URL_NAMES: list[str] = ["dashboard", "*dashboard*", "*statistics*", "*export*"]

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
# Long jobs (exports, imports, scans) go to their own queue when CELERY_BULK_QUEUE names one, so a worker host
# can serve them without holding up reminders and deadlines (docs/operations.md). The default is Celery's own
# queue, so a single worker without -Q keeps running everything.
CELERY_BULK_QUEUE = env.str("CELERY_BULK_QUEUE", default="celery")
CELERY_TASK_ROUTES: dict[str, dict[str, str]] = {
    pattern: {"queue": CELERY_BULK_QUEUE} for pattern in ("*export*", "*import*", "*scan*")
}
# The regulator's funds overview reads figures computed for the whole province by a job (funds/overview.py): every
# this many seconds (Celery beat), and when a page finds them older than that. The page says when they were computed.
FUNDS_OVERVIEW_REFRESH_SECONDS = env.int("FUNDS_OVERVIEW_REFRESH_SECONDS", default=600)
CELERY_TASK_ROUTES["shuangjian.funds.tasks.overview_refresh_task"] = {"queue": CELERY_BULK_QUEUE}

# Export files (MEDIA_ROOT/jobs/out/) are deleted this many days after the export finished; the job page then says
# the file expired (core.exports.export_files_expire, run by beat every hour). Not a policy number: local practice.
EXPORT_RETENTION_DAYS = env.int("EXPORT_RETENTION_DAYS", default=7)

CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Records that a calendar, price or licence change made non-compliant: listed for regulators (courses app).
    "courses-violation-scan": {"task": "shuangjian.courses.tasks.violation_scan_task", "schedule": 6 * 3600.0},
    # Zombie institutions (RULES.md: two years without a passed annual inspection), counted nightly (registry).
    "registry-scan-zombies": {"task": "registry.scan_zombies", "schedule": 24 * 3600.0},
    # Funds: lessons unanswered N working days auto-confirm; refunds unanswered M working days = agreed (rules.py).
    "funds-auto-confirm": {"task": "shuangjian.funds.tasks.auto_confirm_task", "schedule": 3600.0},
    "funds-refunds-deemed": {"task": "shuangjian.funds.tasks.refunds_deemed_task", "schedule": 3600.0},
    # Funds: the regulator view's figures for the whole province (funds/overview.py).
    "funds-overview-refresh": {
        "task": "shuangjian.funds.tasks.overview_refresh_task",
        "schedule": float(FUNDS_OVERVIEW_REFRESH_SECONDS),
    },
    # Competitions: filings of an ended cycle leave the public list (RULES.md Competitions: "for the cycle").
    "competitions-expire": {"task": "shuangjian.competitions.tasks.expire_task", "schedule": 24 * 3600.0},
    # Oversight: open supervision orders past their deadline are marked overdue once a day (issue 16).
    "oversight-orders-escalate": {"task": "shuangjian.oversight.tasks.escalate_task", "schedule": 24 * 3600.0},
    # Enforcement (inspections area): overdue rectification notices are chased once a day.
    "enforcement-notices-overdue": {"task": "enforcement.notices_remind_overdue", "schedule": 24 * 3600.0},
    # Public reports: overdue ones escalate to the city; accepted ones without a check are listed (complaints).
    "complaints-nightly": {"task": "shuangjian.complaints.tasks.reports_nightly_task", "schedule": 24 * 3600.0},
    # Audit: seal every chain's head hourly (core/audit.py); audit_verify then catches a tail deleted after it.
    "core-audit-seal": {"task": "core.audit_seal", "schedule": 3600.0},
    # Exports: files older than EXPORT_RETENTION_DAYS are deleted and their jobs marked expired (core/exports.py).
    "core-export-files-expire": {"task": "core.export_files_expire", "schedule": 3600.0},
}

# Enforcement, inspections area. Not in RULES.md: local practice, kept as settings a bureau may change.
# Rectification deadline: county bureaus' notices commonly give 10 working days (local practice).
RECTIFICATION_WORKING_DAYS = env.int("RECTIFICATION_WORKING_DAYS", default=10)
# A notice is flagged "due soon" this many days before its deadline (local practice).
RECTIFICATION_WARNING_DAYS = env.int("RECTIFICATION_WARNING_DAYS", default=3)
# Photos per checklist item / per answer (keeps a phone upload within the request limit: 5 × 10 MB).
INSPECTION_PHOTOS_PER_ITEM = env.int("INSPECTION_PHOTOS_PER_ITEM", default=5)
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
# Name searches answered from a per-process index of names (registry.name_index): "background" (built in a thread
# while SQL answers), "inline" (built in the request: tests), "off" (SQL only). Each process checks whether
# institutions were created, renamed or deleted at most every PUBLIC_SEARCH_INDEX_CHECK_SECONDS: a rename is found
# under the new name within that delay.
SHUANGJIAN_PUBLIC_SEARCH_INDEX = env.str("PUBLIC_SEARCH_INDEX", default="background")
SHUANGJIAN_PUBLIC_SEARCH_INDEX_CHECK_SECONDS = env.float("PUBLIC_SEARCH_INDEX_CHECK_SECONDS", default=2.0)

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
# Portal content (announcements, policies, news, bulletins): not policy numbers (RULES.md has none), engineering
# limits. An attachment is a policy document, form or scanned notice: 20 MB as for course materials; ten files
# per article; a body of 100,000 characters holds a long policy text several times over; 20 items per list page.
PORTAL_ATTACHMENT_MAX_BYTES = env.int("PORTAL_ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
PORTAL_ATTACHMENTS_PER_ARTICLE = env.int("PORTAL_ATTACHMENTS_PER_ARTICLE", default=10)
PORTAL_ARTICLE_BODY_MAX_CHARS = env.int("PORTAL_ARTICLE_BODY_MAX_CHARS", default=100_000)
PORTAL_PAGE_SIZE = env.int("PORTAL_PAGE_SIZE", default=20)

# --- oversight: bulletins ---
# Not in RULES.md: the issuing body printed on a bulletin (发文机关标志), from the division's name. Kaifeng's and
# Zhengzhou's bulletins are issued by the 双减 office of the local leading group (issue 16's seeds).
BULLETIN_ISSUER_FORMAT = env.str("BULLETIN_ISSUER_FORMAT", default="{name}“双减”工作领导小组办公室")
# Not in RULES.md: the longest period one bulletin covers (a quarter); weekly and monthly issues fit well inside.
BULLETIN_MAX_PERIOD_DAYS = env.int("BULLETIN_MAX_PERIOD_DAYS", default=92)
# Not in RULES.md: how many published penalty cases a bulletin cites as typical cases (Zhengzhou's 信息快报 cites a
# handful), and how many months its trend chart covers (half a year). Stored with each bulletin's queries.
BULLETIN_TYPICAL_CASES = env.int("BULLETIN_TYPICAL_CASES", default=5)
BULLETIN_TREND_MONTHS = env.int("BULLETIN_TREND_MONTHS", default=6)
# The font the bulletin's chart images are drawn in (Debian's fonts-noto-cjk, installed by .ci/run).
BULLETIN_CHART_FONT = env.str("BULLETIN_CHART_FONT", default="Noto Sans CJK SC")
# --- schools: after-school service and in-service teachers ------------------------------------------------------
# After-school service fee caps per pupil per month, in fen (RULES.md After-school service: Xuchang seed, local):
# primary 80 yuan, junior secondary 120 yuan.
AFTERSCHOOL_FEE_CAP_PRIMARY_FEN = env.int("AFTERSCHOOL_FEE_CAP_PRIMARY_FEN", default=8000)
AFTERSCHOOL_FEE_CAP_JUNIOR_FEN = env.int("AFTERSCHOOL_FEE_CAP_JUNIOR_FEN", default=12000)
# Working days a school has to answer an in-service teacher case (not in RULES.md: local practice, a setting).
INSERVICE_CASE_ANSWER_WORKING_DAYS = env.int("INSERVICE_CASE_ANSWER_WORKING_DAYS", default=5)
# Largest scan of a paper pledge accepted, in bytes.
PLEDGE_SCAN_MAX_BYTES = env.int("PLEDGE_SCAN_MAX_BYTES", default=10 * 1024 * 1024)
# Wrong name / ID confirmations a pledge's signing link accepts per hour before it refuses further tries (the last
# 4 ID characters are guessable in 10,000 tries; counted in the shared "ratelimit" cache).
PLEDGE_SIGN_MAX_FAILURES = env.int("PLEDGE_SIGN_MAX_FAILURES", default=5)
# Enforcement — plans and the random draw (双随机一公开).
# Inspections each active institution should have a year (RULES.md, "inspections per institution": ≥ 2, Shanxi).
ENFORCEMENT_INSPECTIONS_PER_YEAR = env.int("ENFORCEMENT_INSPECTIONS_PER_YEAR", default=2)
# Inspectors sent to each drawn institution (law-enforcement practice: at least two officers on site).
ENFORCEMENT_DRAW_INSPECTORS = env.int("ENFORCEMENT_DRAW_INSPECTORS", default=2)
# Seconds the county statistics page keeps its figures (it shows when they were computed; 0: always recompute).
ENFORCEMENT_STATS_CACHE_SECONDS = env.int("ENFORCEMENT_STATS_CACHE_SECONDS", default=300)
# Public reports (complaints). RULES.md "public reports (local)": acknowledged within 1 working day, assigned
# within 2, answered within 15 working days; statutory outer bound 60 days from acceptance (《信访工作条例》(2022)).
COMPLAINTS_ACKNOWLEDGE_WORKING_DAYS = env.int("COMPLAINTS_ACKNOWLEDGE_WORKING_DAYS", default=1)
COMPLAINTS_ASSIGN_WORKING_DAYS = env.int("COMPLAINTS_ASSIGN_WORKING_DAYS", default=2)
COMPLAINTS_ANSWER_WORKING_DAYS = env.int("COMPLAINTS_ANSWER_WORKING_DAYS", default=15)
COMPLAINTS_OUTER_BOUND_DAYS = env.int("COMPLAINTS_OUTER_BOUND_DAYS", default=60)
# Not policy numbers (local choices, not in RULES.md): photos per report (the issue: up to 9), longest
# description, days within which reports on the same institution and category are suggested as duplicates,
# per-address intake limit, reports per address per day before an arithmetic challenge is asked.
COMPLAINTS_MAX_PHOTOS = env.int("COMPLAINTS_MAX_PHOTOS", default=9)
COMPLAINTS_DESCRIPTION_MAX_CHARS = env.int("COMPLAINTS_DESCRIPTION_MAX_CHARS", default=5000)
COMPLAINTS_DUPLICATE_WINDOW_DAYS = env.int("COMPLAINTS_DUPLICATE_WINDOW_DAYS", default=30)
COMPLAINTS_INTAKE_RATE_LIMIT = env.str("COMPLAINTS_INTAKE_RATE_LIMIT", default="20/h")
COMPLAINTS_CHALLENGE_AFTER = env.int("COMPLAINTS_CHALLENGE_AFTER", default=3)
# The city whose counties the public form offers ("" = every county loaded).
COMPLAINTS_CITY_CODE = env.str("COMPLAINTS_CITY_CODE", default="")
# A map point is offered only when a tile server is configured (none by default: no external tile server).
COMPLAINTS_MAP_TILES_URL = env.str("COMPLAINTS_MAP_TILES_URL", default="")
# The public report statistics page shows figures computed in the background (complaints.services
# .public_statistics_refresh): beat recomputes them this often, and a visit finding them older asks for a
# recomputation, so they are at most this old plus one computation while a worker runs.
COMPLAINTS_PUBLIC_STATS_SECONDS = env.int("COMPLAINTS_PUBLIC_STATS_SECONDS", default=600)
CELERY_BEAT_SCHEDULE["complaints-public-statistics"] = {
    "task": "shuangjian.complaints.tasks.public_statistics_task",
    "schedule": float(COMPLAINTS_PUBLIC_STATS_SECONDS),
}
# Department handling each category (everything else: education). Data, not code: a city may change it.
COMPLAINTS_CATEGORY_DEPARTMENTS = {"fees": "market_regulation", "ads": "market_regulation", "safety": "fire"}
# Enforcement: penalty cases (RULES.md, Enforcement). Numbers the law leaves to local practice are settings here.
# Defence period after the notice of proposed penalty: 3 working days (common local practice; RULES.md "local").
ENFORCEMENT_DEFENCE_WORKING_DAYS = env.int("ENFORCEMENT_DEFENCE_WORKING_DAYS", default=3)
# "Large fine" that gives the right to a hearing (行政处罚法 art. 63 leaves the amount to the provinces): the
# common provincial thresholds, 10,000 yuan for a person and 100,000 yuan for an organisation, in fen.
ENFORCEMENT_HEARING_FINE_PERSON_FEN = env.int("ENFORCEMENT_HEARING_FINE_PERSON_FEN", default=1_000_000)
ENFORCEMENT_HEARING_FINE_ORGANISATION_FEN = env.int("ENFORCEMENT_HEARING_FINE_ORGANISATION_FEN", default=10_000_000)
# The local graded ladder (Nanchang seed, RULES.md): findings within the repeat window -> measure.
# 1st: summons and rectify; 2nd: stop and rectify, no training for 3 months; 3rd and later: licence revoked.
ENFORCEMENT_LADDER = ("summons", "stop_3_months", "revoke")
ENFORCEMENT_LADDER_STOP_MONTHS = env.int("ENFORCEMENT_LADDER_STOP_MONTHS", default=3)
# Repeat window for "repeat within 2 years" (MoE53 aggravating factor, RULES.md).
ENFORCEMENT_REPEAT_WINDOW_YEARS = 2
# 限制从业 / institution black-list term when a decision names none (local practice; RULES.md gives no number).
ENFORCEMENT_BLACKLIST_DEFAULT_YEARS = env.int("ENFORCEMENT_BLACKLIST_DEFAULT_YEARS", default=3)

# --- oversight: county evaluation (一体评价) --------------------------------------------------------------------
# The inspection indicator's yearly target is ENFORCEMENT_INSPECTIONS_PER_YEAR (above): one number for one policy.
# Weights of the indicators in the ranked table and the share (%) below which a county's figure is flagged. Not
# from policy: equal weights and a 90 % line until the city sets its evaluation method (issue 16).
OVERSIGHT_INDICATOR_WEIGHTS = {
    "on_record": 1,
    "custody": 1,
    "inspection": 1,
    "rectification": 1,
    "afterschool": 1,
    "reports_on_time": 1,
    "cases_closed": 1,
    "grid_reporting": 1,
}
OVERSIGHT_INDICATOR_THRESHOLDS = {
    "on_record": 90,
    "custody": 90,
    "inspection": 90,
    "rectification": 90,
    "afterschool": 90,
    "reports_on_time": 90,
    "cases_closed": 90,
    "grid_reporting": 90,
}
