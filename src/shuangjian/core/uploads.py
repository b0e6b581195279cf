"""Upload checks every app shares: the type by content (not by the name or the browser's word), a size limit,
and limits on an Office file's zip container before anything unpacks it.

``check_upload`` answers the kind it found or raises a ``ValidationError`` in Chinese with a code, so a form
shows it beside the field and the API answers 4xx. Scriptable formats (HTML, SVG, executables, macro-enabled
Office files) are never a kind here: a kind is something a browser or an office suite opens as a document.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class FileKind:
    name: str
    label: str
    extensions: tuple[str, ...]
    content_type: str
    # For Office Open XML files: the part that makes a zip this kind of document.
    main_part: str = ""


KINDS: dict[str, FileKind] = {
    k.name: k
    for k in (
        FileKind("pdf", "PDF", ("pdf",), "application/pdf"),
        FileKind("jpeg", "JPG", ("jpg", "jpeg"), "image/jpeg"),
        FileKind("png", "PNG", ("png",), "image/png"),
        FileKind(
            "docx",
            "Word（DOCX）",
            ("docx",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "word/document.xml",
        ),
        FileKind(
            "pptx",
            "PowerPoint（PPTX）",
            ("pptx",),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "ppt/presentation.xml",
        ),
        FileKind(
            "xlsx",
            "Excel（XLSX）",
            ("xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xl/workbook.xml",
        ),
    )
}

# Limits on a zip container, checked from its directory before any member is read: a real handout or slide
# deck has hundreds of parts and a few hundred MB at most once unpacked; a zip bomb has far more.
ZIP_MAX_MEMBERS = 5_000
ZIP_MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024

_MAGIC = {"pdf": (b"%PDF-",), "jpeg": (b"\xff\xd8\xff",), "png": (b"\x89PNG\r\n\x1a\n",)}


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def kind_for_name(name: str) -> FileKind | None:
    ext = _extension(name)
    return next((k for k in KINDS.values() if ext in k.extensions), None)


def _office_kind(upload: Any) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MAX_MEMBERS or sum(m.file_size for m in members) > ZIP_MAX_UNCOMPRESSED_BYTES:
                raise ValidationError(_("文件解压后过大或包含的部件过多。"), code="upload_zip_limits")
            names = {m.filename for m in members}
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names or any(n.lower().endswith("vbaproject.bin") for n in names):
        return None  # not Office Open XML, or a macro-enabled file under a harmless name
    return next((k.name for k in KINDS.values() if k.main_part and k.main_part in names), None)


def sniff(upload: Any) -> str | None:
    """The kind the bytes are, or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    for kind, magics in _MAGIC.items():
        if any(head.startswith(m) for m in magics):
            return kind
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    return None


def check_upload(upload: Any, *, allowed: Iterable[str], max_bytes: int) -> FileKind:
    """The upload's kind if it is one of ``allowed`` by its content and by its name, within ``max_bytes``."""
    kinds = [KINDS[k] for k in allowed]
    accepted = "、".join(k.label for k in kinds)
    name = getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": name}, code="upload_empty")
    if size > max_bytes:
        raise ValidationError(
            _("文件“%(name)s”超过 %(mb)s MB 的上限。") % {"name": name, "mb": _megabytes(max_bytes)},
            code="upload_too_large",
        )
    found = sniff(upload)
    by_name = kind_for_name(name)
    if found is None or found not in {k.name for k in kinds}:
        raise ValidationError(
            _("文件“%(name)s”的格式不受理，只接受 %(accepted)s 文件（按文件内容判断）。")
            % {"name": name, "accepted": accepted},
            code="upload_type",
        )
    if by_name is None or by_name.name != found:
        raise ValidationError(
            _("文件“%(name)s”的扩展名与内容不符（内容为 %(kind)s），请改正文件名后重新上传。")
            % {"name": name, "kind": KINDS[found].label},
            code="upload_name_mismatch",
        )
    return KINDS[found]


def _megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:.0f}" if mb == int(mb) else f"{mb:.1f}"
