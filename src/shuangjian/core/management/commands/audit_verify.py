"""Verify the audit log's hash chain; exit non-zero if any link does not hold."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shuangjian.core.audit import audit_chain_walk


class Command(BaseCommand):
    help = "Walks every audit chain and every seal (streaming) and reports every break; exits non-zero on any break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet", action="store_true", help="Print breaks only, not the summary.")
        parser.add_argument("--chunk-size", type=int, default=5000, help="Rows fetched per round trip.")

    def handle(self, *args: Any, **options: Any) -> None:
        chunk_size = max(100, int(options["chunk_size"]))
        breaks = 0
        report = audit_chain_walk(chunk_size=chunk_size)
        for item in report.breaks():
            breaks += 1
            self.stderr.write(f"{item.chain} seq {item.seq}: {item.reason}")
        if breaks:
            raise CommandError(
                ngettext(
                    "审计链校验失败：%(breaks)s 处断裂（已校验 %(checked)s 条记录）。",
                    "审计链校验失败：%(breaks)s 处断裂（已校验 %(checked)s 条记录）。",
                    breaks,
                )
                % {"breaks": breaks, "checked": report.checked}
            )
        if not options["quiet"]:
            self.stdout.write(
                self.style.SUCCESS(
                    ngettext(
                        "审计链完整：已校验 %(checked)s 条记录。",
                        "审计链完整：已校验 %(checked)s 条记录。",
                        report.checked,
                    )
                    % {"checked": report.checked}
                )
            )
            self.stdout.write(
                _("（%(chains)s 条审计链，%(seals)s 次封存，均已核对。）")
                % {"chains": report.chains, "seals": report.seals}
            )
