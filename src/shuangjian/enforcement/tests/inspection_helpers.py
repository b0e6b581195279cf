"""Builders for the inspections-area tests: users, photos made with Pillow, and a recorded inspection."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shuangjian.core.models import Role, User
from shuangjian.core.tests.factories import RegulatorFactory, UserFactory
from shuangjian.enforcement import inspections, notices
from shuangjian.enforcement.checklist import checklist_for
from shuangjian.enforcement.models import Inspection, ItemResult, RectificationNotice
from shuangjian.enforcement.subjects import Subject
from shuangjian.registry.models import Institution


def inspector(username: str = "insp", scope: str = "410202") -> User:
    return UserFactory.create(username=username, role=Role.INSPECTOR, scope_code=scope)


def regulator(username: str = "reg", scope: str = "410202") -> User:
    return RegulatorFactory.create(username=username, scope_code=scope)


def jpeg_bytes(*, gps: bool = False, size: tuple[int, int] = (64, 48)) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (34.0, 47.0, 30.0), 3: "E", 4: (114.0, 18.0, 0.0)}
        exif[0x0132] = "2026:03:01 10:20:30"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def jpeg(name: str = "现场.jpg", **kw: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kw), content_type="image/jpeg")


def png_bomb_bytes(width: int = 20_000, height: int = 20_000) -> bytes:
    """A tiny PNG (made with Pillow) whose header claims width × height pixels."""
    out = io.BytesIO()
    Image.new("L", (8, 8)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    ihdr = 8  # signature
    body = data[ihdr + 8 : ihdr + 8 + 13]
    body[0:8] = struct.pack(">II", width, height)
    data[ihdr + 8 : ihdr + 8 + 13] = body
    data[ihdr + 8 + 13 : ihdr + 8 + 17] = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(body)) & 0xFFFFFFFF)
    return bytes(data)


def results(failed: dict[str, str] | None = None, photos: dict[str, list[Any]] | None = None) -> list[Any]:
    failed = failed or {}
    photos = photos or {}
    return [
        inspections.ItemInput(
            code=i.code,
            result=ItemResult.FAILED if i.code in failed else ItemResult.PASSED,
            note=failed.get(i.code, ""),
            photos=photos.get(i.code, []),
        )
        for i in checklist_for(unlicensed=False)
    ]


def record(
    actor: User,
    inst: Institution,
    *,
    failed: dict[str, str] | None = None,
    photos: dict[str, list[Any]] | None = None,
    client_uuid: uuid.UUID | None = None,
) -> Inspection:
    planned = inspections.inspection_start(actor=actor, subject=Subject.of_institution(inst), kind="routine")
    done, _ = inspections.inspection_submit(
        actor=actor,
        client_uuid=client_uuid or uuid.uuid4(),
        items=results(failed, photos),
        planned=planned,
        inspector_signatures="张三、李四",
        party_signature="王五",
    )
    return done


def issued(actor: User, inst: Institution, failed: dict[str, str], **kw: Any) -> RectificationNotice:
    return notices.notice_issue(actor=actor, inspection=record(actor, inst, failed=failed), **kw)
