"""Which grid officer patrols which grid cell, and since when.

Kept in core because a grid officer's reach (core/scope.py) is the cells assigned to them on a day, and core
imports no domain app. An officer may hold several cells; an assignment ends by setting ``end``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .divisions import GridCell


class GridAssignment(models.Model):
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="grid_assignments",
        verbose_name=_("网格员"),
    )
    cell = models.ForeignKey(GridCell, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("网格"))
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True, help_text=_("空表示仍在岗。"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("网格员分配")
        verbose_name_plural = _("网格员分配")
        ordering = ["cell_id", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="grid_assignment_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["officer", "start"], name="grid_assign_officer")]

    def __str__(self) -> str:
        return f"{self.officer} → {self.cell_id}"
