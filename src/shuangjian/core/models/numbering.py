from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentSequence(models.Model):
    """The last number an issuing body gave a kind of document in a year (文书编号). The row lock taken by
    ``core.numbering.document_number_next`` makes numbers gap-free and race-free within a transaction."""

    issuer = models.CharField(_("发文机关"), max_length=64)
    kind = models.CharField(_("文书种类"), max_length=32)
    year = models.PositiveSmallIntegerField(_("年度"))
    last_no = models.PositiveIntegerField(_("已用编号"), default=0)

    class Meta:
        verbose_name = _("文书编号计数")
        verbose_name_plural = _("文书编号计数")
        constraints = [models.UniqueConstraint(fields=["issuer", "kind", "year"], name="document_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.issuer}/{self.kind}/{self.year}:{self.last_no}"
