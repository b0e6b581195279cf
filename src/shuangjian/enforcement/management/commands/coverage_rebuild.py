"""Recompute the kept inspection-coverage figures from the institutions and inspections themselves.

Run it after anything that wrote institutions or inspections without the services (a bulk load, a restore, an edit
in the database), or after ``ENFORCEMENT_INSPECTIONS_PER_YEAR`` changed; it rewrites only what differs and says how
much that was (nothing, when the figures were kept right). ``--check`` only compares and exits 1 on a difference.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from shuangjian.enforcement.coverage import rebuild


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Recomputes the per-county inspection-coverage figures (检查覆盖率) and reports what it corrected."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="compare only: exit 1 if anything differs")

    def handle(self, *args: Any, **options: Any) -> None:
        result = None
        try:
            with transaction.atomic():
                result = rebuild()
                if options["check"]:
                    raise _Rollback
        except _Rollback:
            pass
        assert result is not None
        self.stdout.write(
            f"active institutions: {result.institutions}; institutions corrected: {result.corrected}; "
            f"county figures corrected: {result.counties_corrected}"
        )
        if options["check"] and (result.corrected or result.counties_corrected):
            raise CommandError("the kept coverage figures differ from the institutions and inspections")
