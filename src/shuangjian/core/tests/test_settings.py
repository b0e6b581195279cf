"""Production settings refuse to start half-configured, and pass Django's deployment checklist when configured."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[4]
MANAGE = REPO / "manage.py"
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in REQUIRED and not k.startswith(("DJANGO_", "DEBUG"))}
    env.update(
        DJANGO_SETTINGS_MODULE="shuangjian.config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(48),  # 64 characters
        ALLOWED_HOSTS="jg.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        SHUANGJIAN_VAR_DIR=str(tmp_path / "var"),
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v != ""}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_refuses_to_start_without_a_required_variable(tmp_path, missing):
    result = run(
        ["-c", "import django; django.setup()"],
        {**production_env(tmp_path, **{missing: ""}), "PYTHONPATH": str(REPO / "src")},
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"environment variable(s): {missing}." in result.stderr


def test_production_names_every_missing_variable_at_once(tmp_path):
    env = production_env(tmp_path, SECRET_KEY="", ALLOWED_HOSTS="", DATABASE_URL="")
    result = run([str(MANAGE), "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL" in result.stderr


def test_production_refuses_a_weak_secret_key(tmp_path):
    result = run([str(MANAGE), "check"], production_env(tmp_path, SECRET_KEY="short-and-guessable"))
    assert result.returncode != 0
    assert "SECRET_KEY must be a random string of at least 50 characters" in result.stderr


def test_configured_production_passes_check_deploy(tmp_path):
    # DEBUG=1 in the environment must not switch production into debug mode.
    result = run([str(MANAGE), "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path, DEBUG="1"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_redirects_plain_http_to_https_except_the_health_probe(tmp_path):
    env = production_env(tmp_path)
    assert run([str(MANAGE), "migrate", "-v0"], env).returncode == 0
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "c = Client(HTTP_HOST='jg.example.gov.cn')\n"
        "print(c.get('/healthz').status_code, c.get('/').status_code, c.get('/').headers.get('Location'))\n"
    )
    result = run(["-c", script], {**env, "PYTHONPATH": str(REPO / "src")})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200", "301", "https://jg.example.gov.cn/"]


@pytest.mark.django_db
def test_postgresql_sessions_run_without_jit_compilation() -> None:
    """Every PostgreSQL connection turns JIT off (settings ``DATABASE_JIT``): at province scale compiling a list's
    capped count cost more CPU than running it."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
