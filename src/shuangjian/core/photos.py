"""Photo evidence every field and public upload shares (inspections, public reports, grid patrols).

A photo is taken only as JPEG, PNG or WebP by its content, within a size and a pixel limit (a decompression
bomb is refused before it is decoded), and is **re-encoded**: what the platform shows is a fresh JPEG without
EXIF (no GPS, no camera serial leaks to the party or the public), while the original's SHA-256, the time it
was taken and its GPS point are kept as evidence. Anything else — SVG, HTML, a renamed executable, a corrupt
image — is refused with a Chinese message and a code.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000  # a 50-megapixel phone photo is ~50M; 40M keeps a 20,000×20,000 bomb out
DISPLAY_MAX_SIDE = 2560
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825


@dataclass(frozen=True)
class Photo:
    """A checked photo: the bytes to store and show, and the evidence read from the original."""

    display: bytes  # re-encoded JPEG, no metadata
    original_sha256: str
    original_format: str
    original_bytes: int
    width: int
    height: int
    taken_at: datetime.datetime | None
    latitude: Decimal | None
    longitude: Decimal | None


def _limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES)),
        int(getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)),
    )


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def _dms(values: Any, ref: str) -> Decimal | None:
    try:
        d, m, s = (float(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = d + m / 60 + s / 3600
    if ref in ("S", "W"):
        value = -value
    return Decimal(f"{value:.6f}")


def _evidence(img: Image.Image) -> tuple[datetime.datetime | None, Decimal | None, Decimal | None]:
    try:
        exif = img.getexif()
    except Exception:
        return None, None, None
    taken: datetime.datetime | None = None
    raw = exif.get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL) or exif.get(0x0132)
    if isinstance(raw, str):
        try:
            taken = datetime.datetime.strptime(raw.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken = None
    gps = exif.get_ifd(_GPS_IFD)
    lat = _dms(gps.get(2), str(gps.get(1, "N"))) if gps.get(2) else None
    lon = _dms(gps.get(4), str(gps.get(3, "E"))) if gps.get(4) else None
    if lat is not None and not Decimal(-90) <= lat <= Decimal(90):
        lat = None
    if lon is not None and not Decimal(-180) <= lon <= Decimal(180):
        lon = None
    return taken, lat, lon


def photo_check(upload: Any) -> Photo:
    """Check and re-encode one uploaded photo (a Django UploadedFile or any file-like with ``name``/``read``)."""
    max_bytes, max_pixels = _limits()
    name = getattr(upload, "name", "") or _("照片")
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if not data:
        raise ValidationError(_("照片“%(name)s”是空文件。") % {"name": name}, code="photo_empty")
    if len(data) > max_bytes:
        raise ValidationError(
            _("照片“%(name)s”超过 %(mb)d MB 的上限。") % {"name": name, "mb": max_bytes // (1024 * 1024)},
            code="photo_too_large",
        )
    fmt = _sniff(data[:16])
    if fmt is None:
        raise ValidationError(
            _("文件“%(name)s”不是照片：只接受 JPEG、PNG、WebP 格式（按文件内容判断）。") % {"name": name},
            code="photo_type",
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format != fmt:
                raise ValidationError(_("照片“%(name)s”已损坏，无法读取。") % {"name": name}, code="photo_corrupt")
            width, height = probe.size
            if width * height > max_pixels:
                raise ValidationError(
                    _("照片“%(name)s”的像素过多（%(w)d×%(h)d），请压缩后重新上传。")
                    % {"name": name, "w": width, "h": height},
                    code="photo_too_many_pixels",
                )
            taken, lat, lon = _evidence(probe)
            probe.load()
            img = ImageOps.exif_transpose(probe)
            if img.mode not in ("RGB", "L"):
                img = img.convert("RGB")
            img.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE))
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=85, optimize=True)
    except ValidationError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow refuses images far past its own limit already in open(), before the size check above runs.
        raise ValidationError(
            _("照片“%(name)s”的像素过多，请压缩后重新上传。") % {"name": name}, code="photo_too_many_pixels"
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise ValidationError(_("照片“%(name)s”已损坏，无法读取。") % {"name": name}, code="photo_corrupt") from exc
    return Photo(
        display=out.getvalue(),
        original_sha256=hashlib.sha256(data).hexdigest(),
        original_format=fmt,
        original_bytes=len(data),
        width=img.width,
        height=img.height,
        taken_at=taken,
        latitude=lat,
        longitude=lon,
    )


def photos_check(uploads: list[Any], *, max_count: int) -> list[Photo]:
    """Check several photos; refuses the whole lot (nothing stored) when there are too many or any is bad."""
    if len(uploads) > max_count:
        raise ValidationError(
            _("最多上传 %(n)d 张照片，本次选择了 %(got)d 张。") % {"n": max_count, "got": len(uploads)},
            code="photo_too_many",
        )
    return [photo_check(u) for u in uploads]


def photo_copy(
    stored: Any,
    *,
    original_sha256: str,
    original_format: str = "",
    original_bytes: int | None = None,
    taken_at: datetime.datetime | None = None,
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Photo:
    """A photo already checked and stored (its display JPEG) copied to another record: checked again by content
    and re-encoded as any upload (so a stored file that is not, or no longer, a sound image is refused with the
    same messages), while the evidence of the *original* — its hash, format, size, time and point — is carried
    over, not recomputed from the copy."""
    checked = photo_check(stored)
    return Photo(
        display=checked.display,
        original_sha256=original_sha256 or checked.original_sha256,
        original_format=original_format or checked.original_format,
        original_bytes=original_bytes if original_bytes is not None else checked.original_bytes,
        width=checked.width,
        height=checked.height,
        taken_at=taken_at,
        latitude=latitude,
        longitude=longitude,
    )
