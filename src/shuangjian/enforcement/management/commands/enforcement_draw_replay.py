"""Replay a random draw: from the database by id, or from an exported JSON (the public page's download)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shuangjian.enforcement import draw as algo


class Command(BaseCommand):
    help = "Recomputes a draw from its published lists and seed and says whether it matches the published result."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw_id", nargs="?", type=int, help="id of a published (or discarded) draw")
        parser.add_argument("--json", dest="json_path", help="an exported draw JSON file instead of a draw id")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["json_path"]:
            try:
                document = json.loads(Path(options["json_path"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read {options['json_path']}: {exc}") from None
        elif options["draw_id"] is not None:
            from shuangjian.enforcement.plans import public_document
            from shuangjian.enforcement.selectors import public_draws

            d = public_draws().filter(pk=options["draw_id"]).first()
            if d is None:
                raise CommandError(f"draw {options['draw_id']} is not public")
            if not d.seed_revealed:
                raise CommandError(f"draw {d.pk} has not been drawn and published yet: its seed is still secret")
            document = public_document(d)
        else:
            raise CommandError("give a draw id or --json FILE")
        if not isinstance(document, dict) or "lists" not in document:
            raise CommandError("not a draw document")
        check = algo.replay(document)
        try:
            result = algo.result_json(algo.draw(document["lists"], str(document.get("seed") or "")))
        except (algo.DrawImpossible, ValueError, KeyError, TypeError) as exc:
            result = []
            self.stderr.write(f"cannot recompute: {exc}")
        for n, row in enumerate(result, start=1):
            self.stdout.write(f"{n}. institution {row['institution']} inspectors {row['inspectors']}")
        self.stdout.write(f"seed matches its published hash: {'yes' if check.seed_matches_hash else 'NO'}")
        self.stdout.write(f"lists match their published hash: {'yes' if check.lists_match_hash else 'NO'}")
        self.stdout.write(f"result matches the published result: {'yes' if check.result_matches else 'NO'}")
        if not check.ok:
            raise CommandError("replay does NOT match")
        self.stdout.write("replay matches")
