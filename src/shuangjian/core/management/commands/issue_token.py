"""Issue an API token for a user from the command line; the secret is printed once and never stored."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from shuangjian.core.models import User
from shuangjian.core.tokens import MAX_TOKEN_DAYS, api_token_issue


class Command(BaseCommand):
    help = "Issues an API bearer token for USERNAME and prints it once (only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="What the token is for (shown on the profile page).")
        parser.add_argument("--days", type=int, default=None, help="Lifetime in days (default API_TOKEN_DEFAULT_DAYS).")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("用户 %(username)s 不存在。") % {"username": username})
        if not user.is_active:
            raise CommandError(_("用户 %(username)s 已停用，不能签发令牌。") % {"username": username})
        days = options["days"] if options["days"] is not None else settings.API_TOKEN_DEFAULT_DAYS
        if not 1 <= days <= MAX_TOKEN_DAYS:
            raise CommandError(_("有效天数须在 1 至 %(max)s 之间。") % {"max": MAX_TOKEN_DAYS})
        name = options["name"].strip()
        if not name:
            raise CommandError(_("请填写令牌用途（--name）。"))
        # Issued from a shell, so there is no acting account: the audit log records it as a system action.
        issued = api_token_issue(actor=None, user=user, name=name, days=days)
        expires = timezone.localtime(issued.token.expires_at).strftime("%Y-%m-%d %H:%M")
        self.stdout.write(_("令牌（仅显示这一次，请妥善保存）："))
        self.stdout.write(issued.secret)
        self.stdout.write(
            _("用户 %(username)s，用途 %(name)s，过期时间 %(expires)s。")
            % {"username": user.username, "name": issued.token.name, "expires": expires}
        )
