"""Gap-free document numbers per issuing body, kind and year (rectification notices, penalty decisions,
filing numbers, bulletins).

A number is taken inside the caller's transaction: the counter row stays locked until it commits, so two
issuers never get the same number, and a rolled-back issue gives its number back (no gap).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import DocumentSequence


def document_number_next(*, issuer: str, kind: str, year: int) -> int:
    """The next number for ``issuer``'s ``kind`` documents of ``year``; call it inside the transaction that
    stores the document."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("document_number_next must run inside the transaction that stores the document")
    # The first number of a year creates the row; a concurrent first issuer loses the insert race and falls
    # through to the locked update below.
    if not DocumentSequence.objects.filter(issuer=issuer, kind=kind, year=year).exists():
        try:
            with transaction.atomic():
                DocumentSequence.objects.create(issuer=issuer, kind=kind, year=year, last_no=0)
        except IntegrityError:
            pass
    row = DocumentSequence.objects.select_for_update().get(issuer=issuer, kind=kind, year=year)
    DocumentSequence.objects.filter(pk=row.pk).update(last_no=F("last_no") + 1)
    return row.last_no + 1


def document_number_peek(*, issuer: str, kind: str, year: int) -> int:
    """The last number given (0 when none), for listings and gap checks."""
    row = DocumentSequence.objects.filter(issuer=issuer, kind=kind, year=year).values_list("last_no", flat=True)
    return int(row.first() or 0)
