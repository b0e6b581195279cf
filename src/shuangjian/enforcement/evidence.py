"""Storing checked photos as evidence rows (core/photos.py does the checking; nothing here re-checks)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from shuangjian.core.models import User
from shuangjian.core.photos import Photo

from .models import EvidencePhoto


def evidence_photo_store(
    *, actor: User, photo: Photo, division_code: str, institution: Any, **owner: Any
) -> EvidencePhoto:
    """One EvidencePhoto for ``owner`` (item=…, ad_finding=… or answer=…); call inside the owner's transaction."""
    taken = photo.taken_at
    if taken is not None and timezone.is_naive(taken):
        # EXIF times carry no zone: a phone records local time.
        taken = timezone.make_aware(taken)
    row = EvidencePhoto(
        division_code=division_code,
        institution=institution,
        original_sha256=photo.original_sha256,
        original_format=photo.original_format,
        original_bytes=photo.original_bytes,
        width=photo.width,
        height=photo.height,
        taken_at=taken,
        latitude=photo.latitude,
        longitude=photo.longitude,
        uploaded_by=actor,
        **owner,
    )
    row.file.save(f"{photo.original_sha256[:32]}.jpg", ContentFile(photo.display), save=False)
    row.save()
    return row
