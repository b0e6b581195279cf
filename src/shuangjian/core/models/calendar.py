from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("法定节假日（休息）")
    WORKDAY = "workday", _("调休上班日")


class CalendarDay(models.Model):
    """An administrator's entry that overrides or extends the national holiday calendar for one date."""

    date = models.DateField(_("日期"), primary_key=True)
    kind = models.CharField(_("类型"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("节假日设置")
        verbose_name_plural = _("节假日设置")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class VacationKind(models.TextChoices):
    SUMMER = "summer", _("暑假")
    WINTER = "winter", _("寒假")


class SchoolVacation(models.Model):
    """A winter or summer vacation of primary and secondary schools in a division (and all below it)."""

    division_code = models.CharField(_("区划代码"), max_length=20, db_index=True)
    kind = models.CharField(_("假期"), max_length=10, choices=VacationKind.choices)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("寒暑假")
        verbose_name_plural = _("寒暑假")
        ordering = ["division_code", "start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gte=models.F("start")), name="vacation_end_after_start"),
            models.UniqueConstraint(fields=["division_code", "kind", "start"], name="vacation_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.division_code} {self.get_kind_display()} {self.start}–{self.end}"
