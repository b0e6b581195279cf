"""Build the demo city on the real divisions (Kaifeng and its counties) and print its accounts."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any, TextIO, cast

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from shuangjian.core.demo import DemoContext, demo_steps


def _import_demo_modules() -> None:
    """Import every app's ``demo.py`` / ``demo_*.py`` so their steps register themselves."""
    import pkgutil
    from importlib import import_module

    for config in apps.get_app_configs():
        if not config.name.startswith("shuangjian."):
            continue
        for info in pkgutil.iter_modules(config.module.__path__):  # type: ignore[union-attr]
            if info.name == "demo" and config.label == "core":
                continue
            if info.name == "demo" or info.name.startswith("demo_"):
                import_module(f"{config.name}.{info.name}")


def _scope_label(account: dict[str, Any]) -> str:
    """Scoped staff show their code; the admin reaches everything; operators and parents only what they own."""
    if account["scope"]:
        return str(account["scope"])
    return "全部 all" if account["role"] == "platform_admin" else "本人 own"


class Command(BaseCommand):
    help = "Builds the demo city (divisions, grid cells, accounts and every app's demo data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--accounts-json", type=Path, default=None)
        parser.add_argument("--city", default="4102")

    def handle(self, *args: Any, **options: Any) -> None:
        _import_demo_modules()
        ctx = DemoContext(
            seed=options["seed"], rng=random.Random(options["seed"]), out=cast(TextIO, self.stdout)
        )  # OutputWrapper writes like a text stream
        ctx.city_code = options["city"]
        for _order, name, step in demo_steps():
            self.stdout.write(f"== {name}")
            with transaction.atomic():
                step(ctx)
        if options["accounts_json"]:
            path: Path = options["accounts_json"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(ctx.accounts, ensure_ascii=False, indent=2), encoding="utf-8")
        self.stdout.write("")
        self.stdout.write(
            "演示账号 (demo accounts) — 密码 password: " + (ctx.accounts[0]["password"] if ctx.accounts else "")
        )
        self.stdout.write(f"{'角色 role':<24}{'部门':<20}{'管辖 scope':<14}{'用户名 username':<18}机构")
        for a in ctx.accounts:
            self.stdout.write(
                f"{a['role_label']:<24}{a['department'] or '-':<20}{_scope_label(a):<14}"
                f"{a['username']:<18}{a['institution'] or ''}"
            )
        self.stdout.write("")
        self.stdout.write("访问 http://127.0.0.1:8000/ 登录；API 文档 http://127.0.0.1:8000/api/v1/docs")
