"""Courses, their filed materials, class groups and sessions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shuangjian.registry.models import Category, Institution, NonSubjectField, Site, Subject

from .rules import class_size_tier_choices


class CourseFormat(models.TextChoices):
    OFFLINE = "offline", _("线下")
    ONLINE_LIVE = "online_live", _("线上直播")
    ONLINE_RECORDED = "online_recorded", _("线上录播")


class ClassSizeTier(models.TextChoices):
    """Guidance-price class-size tiers (发改价格〔2021〕1482号; RULES.md).

    The head counts are local settings, so fields take their labels from ``rules.class_size_tier_choices``
    (labels with the head counts in force); these short names are for code.
    """

    SMALL = "small", _("小班")
    MEDIUM = "medium", _("中班")
    LARGE = "large", _("大班")


class FilingStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已备案")
    REJECTED = "rejected", _("退回")


class Course(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="courses", verbose_name=_("机构")
    )
    external_id = models.CharField(_("机构系统编号"), max_length=64, blank=True)
    name = models.CharField(_("课程名称"), max_length=128)
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices)
    subject = models.CharField(_("学科"), max_length=12, choices=Subject.choices, blank=True)
    field = models.CharField(_("领域"), max_length=10, choices=NonSubjectField.choices, blank=True)
    grades = models.JSONField(_("适用年级"), default=list, blank=True)
    format = models.CharField(_("授课形式"), max_length=16, choices=CourseFormat.choices, default=CourseFormat.OFFLINE)
    lesson_minutes = models.PositiveSmallIntegerField(_("每课时长（分钟）"))
    lesson_count = models.PositiveSmallIntegerField(_("课时数"))
    price_per_lesson_fen = models.PositiveIntegerField(_("每课时价格（分）"))
    class_size_tier = models.CharField(_("班额档次"), max_length=8, choices=class_size_tier_choices)
    description = models.TextField(_("教学内容"), blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    is_active = models.BooleanField(_("在售"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["institution_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "external_id"],
                condition=~models.Q(external_id=""),
                name="course_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CourseMaterial(models.Model):
    """A textbook or handout (教材/讲义) filed for regulator approval."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    title = models.CharField(_("材料名称"), max_length=128)
    file = models.FileField(_("文件"), upload_to="courses/materials/%Y/%m/")
    status = models.CharField(_("备案状态"), max_length=10, choices=FilingStatus.choices, default=FilingStatus.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(_("审核意见"), blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("教材讲义备案")
        verbose_name_plural = _("教材讲义备案")

    def __str__(self) -> str:
        return self.title


class ClassGroup(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="class_groups", verbose_name=_("课程"))
    external_id = models.CharField(_("机构系统编号"), max_length=64, blank=True)
    name = models.CharField(_("班级名称"), max_length=128)
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, null=True, blank=True, related_name="class_groups", verbose_name=_("教学点")
    )
    trainer_ids = models.JSONField(_("授课教师"), default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(_("班额"))
    enrolled_count = models.PositiveSmallIntegerField(_("已报名人数"), default=0)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "external_id"],
                condition=~models.Q(external_id=""),
                name="classgroup_external_id_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(enrolled_count__lte=models.F("capacity")), name="classgroup_not_over_capacity"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Session(models.Model):
    """One lesson (课次) of a class group."""

    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("班级")
    )
    external_id = models.CharField(_("机构系统编号"), max_length=64, blank=True)
    starts_at = models.DateTimeField(_("开始时间"), db_index=True)
    ends_at = models.DateTimeField(_("结束时间"))
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    is_cancelled = models.BooleanField(_("已取消"), default=False)

    class Meta:
        verbose_name = _("课次")
        verbose_name_plural = _("课次")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["class_group", "external_id"],
                condition=~models.Q(external_id=""),
                name="session_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.class_group} {self.starts_at:%Y-%m-%d %H:%M}"


class PriceFormat(models.TextChoices):
    """Guidance prices distinguish only offline and online (1482号)."""

    OFFLINE = "offline", _("线下")
    ONLINE = "online", _("线上")


class GuidancePrice(models.Model):
    """A guidance-price benchmark (政府指导价基准价) per standard lesson, set by a province or city regulator.

    Lookup for a course: the longest ``division_code`` prefix of the course's county, then the latest
    ``effective_from`` not after the day asked about (发改价格〔2021〕1482号).
    """

    division_code = models.CharField(_("区划代码（省 2 位或市 4 位）"), max_length=6, db_index=True)
    class_size_tier = models.CharField(_("班额档次"), max_length=8, choices=class_size_tier_choices)
    format = models.CharField(_("授课形式"), max_length=8, choices=PriceFormat.choices)
    benchmark_fen = models.PositiveIntegerField(_("基准价（分/标准课时）"))
    effective_from = models.DateField(_("执行日期"))
    document_no = models.CharField(_("定价文件文号"), max_length=128, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政府指导价")
        verbose_name_plural = _("政府指导价")
        ordering = ["division_code", "class_size_tier", "format", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["division_code", "class_size_tier", "format", "effective_from"],
                name="guidance_price_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.division_code} {self.class_size_tier} {self.format} {self.benchmark_fen}"


class ViolationRecord(models.Model):
    """A stored record found breaking a rule by the periodic scan (e.g. after a calendar or price change).

    One row per (object, rule code); ``resolved_at`` is set when a later scan no longer finds it.
    """

    code = models.CharField(_("规则代码"), max_length=64, db_index=True)
    message = models.TextField(_("违规情形"))
    basis = models.TextField(_("依据"))
    object_type = models.CharField(_("对象类型"), max_length=32)
    object_id = models.BigIntegerField(_("对象编号"))
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="violation_records", verbose_name=_("机构")
    )
    first_seen = models.DateTimeField(_("首次发现"))
    last_seen = models.DateTimeField(_("最近发现"))
    resolved_at = models.DateTimeField(_("消除时间"), null=True, blank=True, db_index=True)
    # What the regulator did about it: told the operator what to correct, or closed it with a reason.
    notified_at = models.DateTimeField(_("通知机构时间"), null=True, blank=True)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notice = models.TextField(_("整改要求"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_reason = models.TextField(_("办结理由"), blank=True)

    class Meta:
        verbose_name = _("违规记录")
        verbose_name_plural = _("违规记录")
        ordering = ["-last_seen", "id"]
        constraints = [
            models.UniqueConstraint(fields=["object_type", "object_id", "code"], name="violation_record_unique")
        ]
        indexes = [models.Index(fields=["division_code", "resolved_at", "code"], name="violation_div_open_code")]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} {self.code}"

    @property
    def is_open(self) -> bool:
        """Still found by the scan and not closed by a regulator."""
        return self.resolved_at is None and self.closed_at is None
