"""Schools, their administrators, and the rosters of in-service teachers they upload for the cross-check."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SchoolKind(models.TextChoices):
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初级中学")
    SENIOR = "senior", _("高级中学")
    NINE_YEAR = "nine_year", _("九年一贯制学校")
    COMPLETE = "complete", _("完全中学")


class School(models.Model):
    name = models.CharField(_("学校名称"), max_length=128)
    code = models.CharField(_("学校标识码"), max_length=20, unique=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    kind = models.CharField(_("学段"), max_length=12, choices=SchoolKind.choices, default=SchoolKind.PRIMARY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("学校")
        verbose_name_plural = _("学校")
        ordering = ["division_code", "name"]

    def __str__(self) -> str:
        return self.name


class SchoolAdmin(models.Model):
    """Links a school-administrator account to the school it answers for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="school_admin", verbose_name=_("账号")
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="admins", verbose_name=_("学校"))

    class Meta:
        verbose_name = _("学校管理员")
        verbose_name_plural = _("学校管理员")

    def __str__(self) -> str:
        return f"{self.user} → {self.school}"


class InServiceRoster(models.Model):
    """One upload of a school's in-service teachers; the newest upload of a school is its current roster."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="rosters", verbose_name=_("学校"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    row_count = models.PositiveIntegerField(_("教师人数"), default=0)
    flagged_count = models.PositiveIntegerField(_("发现在校外培训机构任职"), default=0)
    is_current = models.BooleanField(_("现行名单"), default=True, db_index=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("在职教师名单")
        verbose_name_plural = _("在职教师名单")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.school} {self.uploaded_at:%Y-%m-%d}"


class RosterEntry(models.Model):
    roster = models.ForeignKey(InServiceRoster, on_delete=models.CASCADE, related_name="entries")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    resident_id = models.CharField(_("身份证号"), max_length=18, db_index=True)
    name = models.CharField(_("姓名"), max_length=64)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("在职教师")
        verbose_name_plural = _("在职教师")
        constraints = [models.UniqueConstraint(fields=["roster", "resident_id"], name="roster_entry_once_per_roster")]

    def __str__(self) -> str:
        return self.name


# --- after-school service (课后服务, "5+2") -------------------------------------------------------------------------


class SchoolClass(models.Model):
    """One class of a school in one term, with its pupils and its after-school participation and monthly fee."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes", verbose_name=_("学校"))
    term = models.CharField(_("学期"), max_length=12, db_index=True)
    grade = models.PositiveSmallIntegerField(_("年级"))
    name = models.CharField(_("班级"), max_length=32)
    pupils = models.PositiveIntegerField(_("学生人数"))
    asked = models.PositiveIntegerField(_("申请课后服务人数"), default=0)
    served = models.PositiveIntegerField(_("参加课后服务人数"), default=0)
    fee_fen = models.PositiveIntegerField(_("每生每月收费（分）"), default=0)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        ordering = ["school", "grade", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "term", "grade", "name"], name="class_once_per_term")]

    def __str__(self) -> str:
        return f"{self.school} {self.name}"


class ServicePlan(models.Model):
    """A school's after-school service plan for one term."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="plans", verbose_name=_("学校"))
    term = models.CharField(_("学期"), max_length=12, db_index=True)
    days_per_week = models.PositiveSmallIntegerField(_("每周服务天数"))
    minutes_per_day = models.PositiveSmallIntegerField(_("每天服务时长（分钟）"))
    activities = models.TextField(_("服务内容"), blank=True)
    teachers = models.TextField(_("参与教师"), blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("课后服务方案")
        verbose_name_plural = _("课后服务方案")
        ordering = ["school", "-term"]
        constraints = [models.UniqueConstraint(fields=["school", "term"], name="plan_once_per_term")]

    def __str__(self) -> str:
        return f"{self.school} {self.term}"


class PlanProvider(models.Model):
    """An external institution providing part of a plan's activities (only white-listed ones are accepted)."""

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="providers")
    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("校外机构")
    )
    activity = models.CharField(_("提供的服务"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("第三方服务机构")
        verbose_name_plural = _("第三方服务机构")
        constraints = [models.UniqueConstraint(fields=["plan", "institution"], name="provider_once_per_plan")]

    def __str__(self) -> str:
        return f"{self.plan} · {self.institution_id}"


# --- in-service teachers: yearly pledges and cases -----------------------------------------------------------------


class SignedVia(models.TextChoices):
    ONLINE = "online", _("线上签署")
    PAPER = "paper", _("纸质签署")


class Pledge(models.Model):
    """A rostered teacher's yearly pledge (承诺书) not to take part in paid off-campus tutoring; fixed once signed."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pledges", verbose_name=_("学校"))
    year = models.PositiveSmallIntegerField(_("年度"))
    resident_id = models.CharField(_("身份证号"), max_length=18)
    name = models.CharField(_("姓名"), max_length=64)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    signed_via = models.CharField(_("签署方式"), max_length=8, choices=SignedVia.choices, blank=True)
    signed_ip_hash = models.CharField(_("签署 IP 摘要"), max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scan = models.FileField(_("纸质承诺书扫描件"), upload_to="schools/pledges/%Y/", blank=True)

    class Meta:
        verbose_name = _("在职教师承诺书")
        verbose_name_plural = _("在职教师承诺书")
        ordering = ["school", "-year", "name"]
        constraints = [models.UniqueConstraint(fields=["school", "year", "resident_id"], name="pledge_once_per_year")]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class CaseStatus(models.TextChoices):
    AWAITING_SCHOOL = "awaiting_school", _("待学校说明")
    ANSWERED = "answered", _("学校已说明")
    CLOSED = "closed", _("已认定")


class CaseOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("查实：在职教师违规有偿补课")
    NOT_CONFIRMED = "not_confirmed", _("不属实：未在机构任教")
    LEFT = "left", _("已离开机构，责令整改")


class InServiceCase(models.Model):
    """A rostered teacher found employed by an institution: the school answers by a deadline, the county decides."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="cases", verbose_name=_("学校"))
    resident_id = models.CharField(_("身份证号"), max_length=18, db_index=True)
    teacher_name = models.CharField(_("教师姓名"), max_length=64)
    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("任职机构")
    )
    detail = models.TextField(_("比对发现"))
    flag_ref = models.PositiveIntegerField(_("比对记录编号"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.AWAITING_SCHOOL, db_index=True
    )
    opened_at = models.DateTimeField(_("立案时间"), auto_now_add=True)
    answer_due = models.DateField(_("学校说明期限"))
    school_answer = models.TextField(_("学校说明"), blank=True)
    answered_at = models.DateTimeField(_("说明时间"), null=True, blank=True)
    outcome = models.CharField(_("认定结果"), max_length=16, choices=CaseOutcome.choices, blank=True)
    outcome_note = models.TextField(_("认定说明"), blank=True)
    decided_at = models.DateTimeField(_("认定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("在职教师违规线索")
        verbose_name_plural = _("在职教师违规线索")
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.teacher_name} · {self.institution_id}"
