"""People who work at training institutions: identity, employments, qualifications, the person black list
(限制从业) and the flags raised on employments for the regulator (in-service teachers found by a roster)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shuangjian.core.validators import mask_resident_id
from shuangjian.registry.models import Institution, NonSubjectField, Subject


class EmploymentRole(models.TextChoices):
    TRAINER = "trainer", _("培训教师")
    MANAGER = "manager", _("管理人员")
    OTHER = "other", _("其他人员")


class QualificationKind(models.TextChoices):
    TEACHER_CERTIFICATE = "teacher_certificate", _("教师资格证")
    PROFESSIONAL = "professional", _("专业资质证书")


class TeacherLevel(models.TextChoices):
    """The school level a teacher certificate is issued for (《教师资格条例》第四条)."""

    KINDERGARTEN = "kindergarten", _("幼儿园")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初级中学")
    SENIOR = "senior", _("高级中学")
    VOCATIONAL = "vocational", _("中等职业学校")


class Person(models.Model):
    """One human being, identified by the resident identity number (stored normalised, shown masked)."""

    name = models.CharField(_("姓名"), max_length=64)
    resident_id = models.CharField(_("身份证号"), max_length=18, unique=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("从业人员")
        verbose_name_plural = _("从业人员")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_resident_id(self) -> str:
        return mask_resident_id(self.resident_id)


class Employment(models.Model):
    """A person's job at an institution; current while ``end`` is empty or not yet passed."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments", verbose_name=_("人员"))
    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="employments", verbose_name=_("机构")
    )
    external_id = models.CharField(_("机构系统编号"), max_length=64, blank=True, default="")
    role = models.CharField(_("岗位"), max_length=10, choices=EmploymentRole.choices, default=EmploymentRole.TRAINER)
    start = models.DateField(_("入职日期"))
    end = models.DateField(_("离职日期"), null=True, blank=True)
    subjects = models.JSONField(_("所授学科"), default=list, blank=True)
    field = models.CharField(_("所授领域"), max_length=10, choices=NonSubjectField.choices, blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("聘用记录")
        verbose_name_plural = _("聘用记录")
        ordering = ["-start", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "external_id"],
                condition=~Q(external_id=""),
                name="employment_external_id_per_institution",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")), name="employment_end_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["division_code", "end"], name="employment_div_end"),
            # The list's order (newest first): page 1 of a province's 120,000 employments without sorting them all.
            models.Index(fields=["-start", "-id"], name="employment_start_id"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.institution}"

    @property
    def subject_labels(self) -> str:
        labels = dict(Subject.choices)
        return "、".join(str(labels.get(s, s)) for s in self.subjects or [])


class Qualification(models.Model):
    """A certificate a person holds: a teacher certificate (subject and level) or a professional one (field)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="qualifications", verbose_name=_("人员"))
    kind = models.CharField(_("证书类型"), max_length=20, choices=QualificationKind.choices)
    number = models.CharField(_("证书编号"), max_length=64)
    subject = models.CharField(_("任教学科"), max_length=12, choices=Subject.choices, blank=True)
    level = models.CharField(_("资格种类"), max_length=12, choices=TeacherLevel.choices, blank=True)
    field = models.CharField(_("专业领域"), max_length=10, choices=NonSubjectField.choices, blank=True)
    name = models.CharField(_("证书名称"), max_length=128, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("资质证书")
        verbose_name_plural = _("资质证书")
        ordering = ["person_id", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "number"], name="qualification_unique_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class PersonBlacklist(models.Model):
    """A person barred from training work (限制从业, MoE53 art. 9); matched by resident ID, lifted not deleted."""

    person = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="blacklist_entries",
        verbose_name=_("人员"),
    )
    resident_id = models.CharField(_("身份证号"), max_length=18, db_index=True)
    name = models.CharField(_("姓名"), max_length=64)
    reason = models.TextField(_("列入原因"))
    legal_basis = models.CharField(_("依据"), max_length=255)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"), null=True, blank=True)
    publisher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lift_reason = models.TextField(_("解除原因"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("从业人员黑名单")
        verbose_name_plural = _("从业人员黑名单")
        ordering = ["-start", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.start}–{self.end or ''})"

    @property
    def masked_resident_id(self) -> str:
        return mask_resident_id(self.resident_id)


class FlagCode(models.TextChoices):
    IN_SERVICE_TEACHER = "staff.in_service_teacher", _("在职中小学教师")
    BLACKLISTED = "staff.blacklisted", _("限制从业人员")


class EmploymentFlag(models.Model):
    """A problem found on an existing employment (e.g. a roster arrived later): kept for the regulator, never
    deleting the employment; resolved when the regulator has dealt with it."""

    employment = models.ForeignKey(
        Employment, on_delete=models.CASCADE, related_name="flags", verbose_name=_("聘用记录")
    )
    code = models.CharField(_("问题"), max_length=40, choices=FlagCode.choices)
    detail = models.TextField(_("说明"))
    basis = models.CharField(_("依据"), max_length=255, blank=True)
    roster_entry = models.ForeignKey(
        "schools.RosterEntry", on_delete=models.SET_NULL, null=True, blank=True, related_name="flags"
    )
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    created_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(_("处理情况"), blank=True)

    class Meta:
        verbose_name = _("聘用问题")
        verbose_name_plural = _("聘用问题")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["employment", "code"], condition=Q(resolved_at__isnull=True), name="one_open_flag_per_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employment} · {self.get_code_display()}"
