"""Photo evidence (core/photos.py) as the inspections use it: shown without EXIF, hash of the original kept,
anything not a photo or a pixel bomb refused with a clear message."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from shuangjian.core.photos import photo_check, photos_check

from .inspection_helpers import jpeg_bytes, png_bomb_bytes


def test_a_jpeg_with_gps_is_shown_without_exif_and_its_hash_is_the_originals() -> None:
    raw = jpeg_bytes(gps=True)
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825)  # the original carries GPS
    photo = photo_check(SimpleUploadedFile("p.jpg", raw))
    shown = Image.open(io.BytesIO(photo.display))
    assert shown.format == "JPEG"
    assert not shown.getexif().get_ifd(0x8825) and len(shown.getexif()) == 0
    assert b"Exif" not in photo.display[:200]
    assert photo.original_sha256 == hashlib.sha256(raw).hexdigest()
    assert photo.latitude is not None and abs(float(photo.latitude) - 34.791667) < 1e-4
    assert photo.longitude is not None and abs(float(photo.longitude) - 114.3) < 1e-4
    assert photo.taken_at is not None and photo.taken_at.year == 2026


@pytest.mark.parametrize(
    ("name", "content", "code", "words"),
    [
        (
            "map.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "photo_type",
            "不是照片",
        ),
        ("photo.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "photo_type", "不是照片"),
        ("big.png", png_bomb_bytes(), "photo_too_many_pixels", "像素过多"),
    ],
)
def test_not_a_photo_or_a_pixel_bomb_is_refused_with_a_clear_message(
    name: str, content: bytes, code: str, words: str
) -> None:
    with pytest.raises(ValidationError) as info:
        photo_check(SimpleUploadedFile(name, content))
    assert info.value.code == code
    assert words in info.value.messages[0] and name in info.value.messages[0]


def test_too_many_photos_are_refused_as_a_whole() -> None:
    with pytest.raises(ValidationError) as info:
        photos_check([SimpleUploadedFile(f"{i}.jpg", jpeg_bytes()) for i in range(3)], max_count=2)
    assert info.value.code == "photo_too_many"
