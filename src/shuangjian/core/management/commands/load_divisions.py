"""Load the shipped administrative divisions (GB/T 2260 and 9-digit township codes) into Division.

Idempotent: rows are compared with what the database holds, so a second run writes nothing. New rows are
inserted level by level (province, city, county, township) so every parent exists before its children;
changed names, levels or parents are updated in bulk. Rows the database holds but the file does not are
kept (other records point at them) and only counted.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from shuangjian.core.models import Division, DivisionLevel

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
LEVEL_ORDER = [DivisionLevel.PROVINCE, DivisionLevel.CITY, DivisionLevel.COUNTY, DivisionLevel.TOWNSHIP]
CODE_LENGTH = {DivisionLevel.PROVINCE: 2, DivisionLevel.CITY: 4, DivisionLevel.COUNTY: 6, DivisionLevel.TOWNSHIP: 9}
BATCH = 1000


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    level: str
    parent: str | None


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=lambda: {str(level): 0 for level in LEVEL_ORDER})
    updated: int = 0
    unchanged: int = 0
    not_in_file: int = 0

    @property
    def total_created(self) -> int:
        return sum(self.created.values())


def default_data_file() -> Path:
    for name in ("divisions.json", "divisions.json.gz"):
        if (DATA_DIR / name).exists():
            return DATA_DIR / name
    return DATA_DIR / "divisions.json"


def read_data_file(path: Path) -> tuple[dict[str, Any], list[Row]]:
    """Parse and validate the data file written by scripts/extract_divisions.py."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise CommandError(_("无法读取区划数据文件 %(path)s：%(error)s") % {"path": path, "error": exc})
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise CommandError(_("区划数据文件 %(path)s 格式不对：缺少 rows") % {"path": path})
    levels = {str(level) for level in LEVEL_ORDER}
    rows: list[Row] = []
    seen: set[str] = set()
    for item in data["rows"]:
        if not (isinstance(item, list) and len(item) == 4 and all(isinstance(v, str) for v in item)):
            raise CommandError(_("区划数据行格式不对：%(row)s") % {"row": item})
        code, name, level, parent = item
        if (
            level not in levels
            or not code.isdigit()
            or len(code) != CODE_LENGTH[DivisionLevel(level)]
            or not name
            or code in seen
            or (parent and not code.startswith(parent))
        ):
            raise CommandError(_("区划数据行无效或重复：%(row)s") % {"row": item})
        seen.add(code)
        rows.append(Row(code, name, level, parent or None))
    meta = data.get("meta")
    return (meta if isinstance(meta, dict) else {}), rows


def select_provinces(rows: list[Row], provinces: list[str] | None) -> list[Row]:
    if not provinces:
        return rows
    available = {r.code for r in rows if r.level == DivisionLevel.PROVINCE}
    unknown = sorted(set(provinces) - available)
    if unknown:
        raise CommandError(
            _("数据文件中没有这些省级代码：%(codes)s（可选：%(available)s）")
            % {"codes": ",".join(unknown), "available": ",".join(sorted(available))}
        )
    wanted = tuple(provinces)
    return [r for r in rows if r.code.startswith(wanted)]


@transaction.atomic
def load_rows(rows: list[Row]) -> LoadResult:
    """Insert or update ``rows``; a run that finds everything current issues one SELECT and no writes."""
    result = LoadResult()
    prefixes = sorted({r.code[:2] for r in rows})
    if not prefixes:
        return result
    scope = Q()
    for prefix in prefixes:
        scope |= Q(code__startswith=prefix)
    existing = {
        code: (name, level, parent)
        for code, name, level, parent in Division.objects.filter(scope).values_list(
            "code", "name", "level", "parent_id"
        )
    }

    in_file = {r.code for r in rows}
    outside = {r.parent for r in rows if r.parent and r.parent not in in_file and r.parent not in existing}
    if outside:
        # A partial file may hang rows on parents loaded earlier; anything else would break the tree.
        missing = outside - set(Division.objects.filter(code__in=outside).values_list("code", flat=True))
        if missing:
            row = next(r for r in rows if r.parent in missing)
            raise CommandError(
                _("%(code)s %(name)s 的上级 %(parent)s 不存在")
                % {"code": row.code, "name": row.name, "parent": row.parent}
            )

    to_update: list[Division] = []
    new_by_level: dict[str, list[Division]] = {str(level): [] for level in LEVEL_ORDER}
    for row in rows:
        current = existing.get(row.code)
        obj = Division(code=row.code, name=row.name, level=row.level, parent_id=row.parent)
        if current is None:
            new_by_level[row.level].append(obj)
        elif current != (row.name, row.level, row.parent):
            to_update.append(obj)
        else:
            result.unchanged += 1

    # Parents before children, so the foreign key holds even where constraints are checked per statement.
    for level in LEVEL_ORDER:
        batch = new_by_level[str(level)]
        if batch:
            Division.objects.bulk_create(batch, batch_size=BATCH)
        result.created[str(level)] = len(batch)
    if to_update:
        Division.objects.bulk_update(to_update, ["name", "level", "parent"], batch_size=BATCH)
    result.updated = len(to_update)
    result.not_in_file = len(set(existing) - in_file)
    return result


class Command(BaseCommand):
    help = "Loads the shipped administrative divisions (province to township); safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--provinces",
            default="",
            help="comma-separated 2-digit province codes to load (default: every province in the file), e.g. 41,14",
        )
        parser.add_argument("--file", type=Path, default=None, help="data file (default: the shipped divisions.json)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"] or default_data_file()
        provinces = [p.strip() for p in str(options["provinces"]).split(",") if p.strip()]
        if any(len(p) != 2 or not p.isdigit() for p in provinces):
            raise CommandError(_("--provinces 应为两位省级代码，用逗号分隔，例如 41,14"))
        meta, rows = read_data_file(path)
        rows = select_provinces(rows, provinces)
        result = load_rows(rows)

        source = meta.get("source") or path.name
        self.stdout.write(
            _("行政区划（来源：%(source)s，%(vintage)s）") % {"source": source, "vintage": meta.get("data_vintage", "")}
        )
        created = result.created
        self.stdout.write(
            _(
                "新增 %(total)d（省 %(province)d，市 %(city)d，县 %(county)d，乡镇街道 %(township)d），"
                "更新 %(updated)d，未变 %(unchanged)d，库中有而文件无 %(stale)d"
            )
            % {
                "total": result.total_created,
                "province": created[DivisionLevel.PROVINCE],
                "city": created[DivisionLevel.CITY],
                "county": created[DivisionLevel.COUNTY],
                "township": created[DivisionLevel.TOWNSHIP],
                "updated": result.updated,
                "unchanged": result.unchanged,
                "stale": result.not_in_file,
            }
        )
