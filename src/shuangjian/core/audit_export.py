"""The audit log export (CSV: the codes in their own columns beside the words), run as a background job.

Starting it is itself written to the log (``export.start``, by ``core.exports.export_job_start``)."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import action_label, object_labels
from .excel import FORMULA_LEADS
from .exports import ExportFile, ExportKind, JobProgress, register_export
from .models import AuditEvent, Role, User
from .names import division_name
from .selectors import audit_events_for_user

AUDIT_EXPORT = "core.audit_log"
# Excel's row limit (1,048,576) less the header: a longer export would be cut off when opened there.
AUDIT_EXPORT_MAX_ROWS = 1_048_575
CHUNK = 500


def role_labels() -> dict[str, str]:
    return {str(value): str(label) for value, label in Role.choices} | {"system": _("系统")}


def audit_filters(query: Mapping[str, Any]) -> dict[str, str]:
    """The log page's filters (action prefix, object type, actor or object id) from a query or job params."""

    def one(key: str) -> str:
        value = query.get(key, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        return str(value or "").strip()

    return {"action": one("action"), "object_type": one("object_type"), "q": one("q")}


def _cell(value: object) -> str:
    # Text a spreadsheet would run as a formula (the leads core.excel neutralises) is kept as text.
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_LEADS) else text


def audit_log_export(user: User, params: Mapping[str, Any], progress: JobProgress) -> ExportFile:
    events = audit_events_for_user(user=user, **audit_filters(params)).select_related("actor")
    events = events[:AUDIT_EXPORT_MAX_ROWS]
    progress.total(events.count())
    roles = role_labels()
    out = tempfile.TemporaryFile()
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    text.write("\ufeff")  # Excel opens UTF-8 CSV as Chinese text only with a byte-order mark
    writer = csv.writer(text)
    writer.writerow(
        [
            _("序号"),
            _("时间"),
            _("操作人"),
            _("角色"),
            _("操作"),
            _("操作代码"),
            _("对象"),
            _("对象类型代码"),
            _("对象编号"),
            _("区划"),
            _("区划代码"),
            "IP",
        ]
    )
    chunk: list[AuditEvent] = []
    written = 0

    def flush() -> None:
        nonlocal written
        objects = object_labels(chunk)
        for e in chunk:
            writer.writerow(
                [
                    _cell(v)
                    for v in (
                        e.seq,
                        timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                        e.actor_username or _("系统"),
                        roles.get(e.role, e.role),
                        action_label(e.action),
                        e.action,
                        objects.get((e.object_type, e.object_id), ""),
                        e.object_type,
                        e.object_id,
                        division_name(e.division_code),
                        e.division_code,
                        e.ip or "",
                    )
                ]
            )
        written += len(chunk)
        chunk.clear()
        progress(written)

    for event in events.iterator(chunk_size=CHUNK):
        chunk.append(event)
        if len(chunk) == CHUNK:
            flush()
    flush()
    text.flush()
    text.detach()
    out.seek(0)
    return ExportFile(stream=out, filename="audit-log.csv", rows=written, content_type="text/csv; charset=utf-8")


register_export(ExportKind(AUDIT_EXPORT, gettext_lazy("审计日志"), "core.view_audit_log", audit_log_export))
