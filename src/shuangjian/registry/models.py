"""The institution registry: institutions, teaching sites, licence applications, inspections, lists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from shuangjian.core.models import Department

from .names import SearchForm


class Category(models.TextChoices):
    SUBJECT = "subject", _("学科类")
    NON_SUBJECT = "non_subject", _("非学科类")


class NonSubjectField(models.TextChoices):
    """Non-subject fields, each approved by its own department (Shanxi seed; RULES.md)."""

    SPORTS = "sports", _("体育")
    ARTS = "arts", _("文化艺术")
    SCIENCE = "science", _("科技")


class Subject(models.TextChoices):
    """Subject-type subjects (教育部办公厅 2021-07 scope notice; RULES.md)."""

    MORALITY = "morality", _("道德与法治")
    CHINESE = "chinese", _("语文")
    HISTORY = "history", _("历史")
    GEOGRAPHY = "geography", _("地理")
    MATH = "math", _("数学")
    ENGLISH = "english", _("英语")
    JAPANESE = "japanese", _("日语")
    RUSSIAN = "russian", _("俄语")
    PHYSICS = "physics", _("物理")
    CHEMISTRY = "chemistry", _("化学")
    BIOLOGY = "biology", _("生物")


# Which department approves which kind of institution (DESIGN.md flow 1; Shanxi seed).
APPROVING_DEPARTMENT: dict[str, str] = {
    Category.SUBJECT: Department.EDUCATION,
    NonSubjectField.SPORTS: Department.SPORTS,
    NonSubjectField.ARTS: Department.CULTURE,
    NonSubjectField.SCIENCE: Department.SCIENCE,
}


class LegalForm(models.TextChoices):
    NON_PROFIT = "non_profit", _("民办非企业单位")
    COMPANY = "company", _("公司")


class TrainingFormat(models.TextChoices):
    OFFLINE = "offline", _("线下")
    ONLINE = "online", _("线上")
    BOTH = "both", _("线上线下")


class InstitutionStatus(models.TextChoices):
    APPLYING = "applying", _("申请中")
    # Found operating without a licence (e.g. by a survey): to be closed or licensed, never listed as applying.
    UNLICENSED = "unlicensed", _("无证办学")
    ACTIVE = "active", _("正常办学")
    SUSPENDED = "suspended", _("停止招生")
    STOPPED = "stopped", _("停止办学")
    REVOKED = "revoked", _("已吊销")
    DEREGISTERED = "deregistered", _("已注销")


class SupervisionMode(models.TextChoices):
    NONE = "none", _("尚未纳入监管")
    BANK_CUSTODY = "bank_custody", _("银行托管")
    RISK_DEPOSIT = "risk_deposit", _("风险保证金")


class Institution(models.Model):
    name = models.CharField(_("机构名称"), max_length=128, db_index=True)
    # ``name`` with every run of digits zero-padded (``naming.name_sort_key``), so （51号） sorts before （147号）
    # through an index; written wherever a name is written.
    name_key = models.CharField(_("名称排序键"), max_length=255, blank=True, default="", editable=False)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    category = models.CharField(_("类别"), max_length=12, choices=Category.choices, db_index=True)
    field = models.CharField(
        _("非学科类领域"), max_length=10, choices=NonSubjectField.choices, blank=True, db_index=True
    )
    licensed_subjects = models.JSONField(_("许可学科"), default=list, blank=True)
    legal_form = models.CharField(_("法人类型"), max_length=12, choices=LegalForm.choices)
    legal_rep_name = models.CharField(_("法定代表人"), max_length=64)
    legal_rep_id = models.CharField(_("法定代表人身份证号"), max_length=18)
    address = models.CharField(_("地址"), max_length=255)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    township_code = models.CharField(_("乡镇（街道）代码"), max_length=9, blank=True)
    grid_code = models.CharField(_("网格编码"), max_length=20, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    training_format = models.CharField(
        _("培训形式"), max_length=8, choices=TrainingFormat.choices, default=TrainingFormat.OFFLINE
    )
    status = models.CharField(
        _("状态"), max_length=14, choices=InstitutionStatus.choices, default=InstitutionStatus.APPLYING, db_index=True
    )
    licence_no = models.CharField(_("办学许可证号"), max_length=40, null=True, blank=True, unique=True)
    licence_issued_on = models.DateField(_("许可证发证日期"), null=True, blank=True)
    licence_expires_on = models.DateField(_("许可证有效期至"), null=True, blank=True)
    approving_department = models.CharField(_("审批部门"), max_length=24, choices=Department.choices, blank=True)
    supervision_mode = models.CharField(
        _("预收费监管方式"), max_length=14, choices=SupervisionMode.choices, default=SupervisionMode.NONE, db_index=True
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # The name as the public search compares it (registry/names.py: full-width brackets, digits and spaces made
    # half-width), computed by the database from ``name`` so that no write path can leave it stale; text, since
    # NFKC may lengthen a name. Indexed for the search on PostgreSQL (migration 0006).
    search_name = models.GeneratedField(expression=SearchForm("name"), output_field=models.TextField(), db_persist=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "search_name"])

    class Meta:
        verbose_name = _("校外培训机构")
        verbose_name_plural = _("校外培训机构")
        ordering = ["division_code", "name"]
        indexes = [
            models.Index(fields=["division_code", "status"], name="inst_div_status"),
            models.Index(fields=["division_code", "category", "field"], name="inst_div_cat"),
            # The staff lists' order (division, name, pk: institution list, white list, zombies) with the pk, so
            # page 1 of a county is the first rows of this index, read without a sort (and index-only for the
            # white list's candidate walk): with (division_code, name_key) alone PostgreSQL sorted the county.
            models.Index(fields=["division_code", "name_key", "id"], name="inst_div_namekey_id"),
            # The zombie list walks the active institutions of its scope in list order and counts them up to its
            # cap without reading the table (licence_issued_on is the zombie condition's one other column).
            models.Index(
                fields=["division_code", "name_key", "id"],
                include=["licence_issued_on"],
                condition=models.Q(status="active"),
                name="inst_active_div_namekey",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SearchNameChange(models.Model):
    """One row per statement that created, renamed, re-coded or deleted institutions (migration 0009) or that
    changed black-list entries (migration 0010), written by database triggers, never by code: the public name index
    (``name_index``), which also carries the day's black list, rebuilds when their number changes."""

    changed_at = models.DateTimeField(_("变更时间"), db_default=Now())

    class Meta:
        verbose_name = _("机构名称变更标记")
        verbose_name_plural = _("机构名称变更标记")

    def __str__(self) -> str:
        return f"{self.pk} {self.changed_at}"


class InstitutionOperator(models.Model):
    """Links an institution-operator account to the one institution it manages."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operated", verbose_name=_("账号")
    )
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="operators", verbose_name=_("机构")
    )

    class Meta:
        verbose_name = _("机构管理员")
        verbose_name_plural = _("机构管理员")

    def __str__(self) -> str:
        return f"{self.user} → {self.institution}"


class Site(models.Model):
    """A teaching site (教学点); capacity follows from the premises rules in registry/rules.py."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="sites", verbose_name=_("机构"))
    name = models.CharField(_("教学点名称"), max_length=128)
    address = models.CharField(_("地址"), max_length=255)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    township_code = models.CharField(_("乡镇（街道）代码"), max_length=9, blank=True)
    usable_area_m2 = models.DecimalField(_("使用面积（平方米）"), max_digits=9, decimal_places=2)
    floor = models.SmallIntegerField(_("所在楼层"), default=1)
    is_basement = models.BooleanField(_("地下室"), default=False)
    in_residential_building = models.BooleanField(_("位于住宅楼"), default=False)
    lease_start = models.DateField(_("租赁起始日"), null=True, blank=True)
    lease_end = models.DateField(_("租赁到期日"), null=True, blank=True)
    serves_children_12_or_under = models.BooleanField(_("招收 12 岁及以下儿童"), default=True)
    is_active = models.BooleanField(_("在用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("教学点")
        verbose_name_plural = _("教学点")
        ordering = ["institution_id", "name"]

    def __str__(self) -> str:
        return self.name


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    MATERIAL_REVIEW = "material_review", _("材料审查")
    SITE_CHECK = "site_check", _("实地核查")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("不予批准")
    RETURNED = "returned", _("退回补正")


class LicenceApplication(models.Model):
    """An application for a school-running licence (审批准入), moved step by step by the right department."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="applications", verbose_name=_("机构")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="licence_applications",
        verbose_name=_("申请人"),
    )
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    department = models.CharField(_("审批部门"), max_length=24, choices=Department.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED, db_index=True
    )
    step_due_on = models.DateField(_("本环节办理时限"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decision_no = models.CharField(_("决定书文号"), max_length=64, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("办学许可申请")
        verbose_name_plural = _("办学许可申请")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.institution} · {self.get_status_display()}"


class ApplicationStep(models.Model):
    """One move of an application, with who moved it, the comment and the deadline that applied."""

    application = models.ForeignKey(LicenceApplication, on_delete=models.CASCADE, related_name="steps")
    from_status = models.CharField(max_length=16, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=ApplicationStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("意见"), blank=True)
    due_on = models.DateField(_("办理时限"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("审批环节")
        verbose_name_plural = _("审批环节")
        ordering = ["application_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ApplicationMaterial(models.Model):
    application = models.ForeignKey(LicenceApplication, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("材料类型"), max_length=64)
    file = models.FileField(_("文件"), upload_to="registry/materials/%Y/%m/")
    original_name = models.CharField(max_length=255, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self) -> str:
        return self.kind


class InspectionResult(models.TextChoices):
    PASSED = "passed", _("合格")
    BASIC = "basic", _("基本合格")
    FAILED = "failed", _("不合格")


class AnnualInspection(models.Model):
    institution = models.ForeignKey(
        Institution, on_delete=models.CASCADE, related_name="annual_inspections", verbose_name=_("机构")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    result = models.CharField(_("年检结论"), max_length=8, choices=InspectionResult.choices)
    inspected_on = models.DateField(_("年检日期"))
    note = models.TextField(_("备注"), blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)

    class Meta:
        verbose_name = _("年检")
        verbose_name_plural = _("年检")
        ordering = ["-year"]
        constraints = [models.UniqueConstraint(fields=["institution", "year"], name="annual_inspection_once_a_year")]

    def __str__(self) -> str:
        return f"{self.institution} {self.year} {self.get_result_display()}"


class BlacklistEntry(models.Model):
    """An institution on the black list (黑名单), with its reason, legal basis and period."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="blacklist_entries", verbose_name=_("机构")
    )
    reason = models.TextField(_("列入原因"))
    legal_basis = models.CharField(_("依据"), max_length=255)
    start = models.DateField(_("列入日期"))
    end = models.DateField(_("移出日期"), null=True, blank=True)
    publisher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    department = models.CharField(_("发布部门"), max_length=24, choices=Department.choices)
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("黑名单")
        verbose_name_plural = _("黑名单")
        ordering = ["-start"]

    def __str__(self) -> str:
        return f"{self.institution} ({self.start}–{self.end or ''})"


# White/black list publications (the yearly June publication snapshots both lists) and survey records.
class ListKind(models.TextChoices):
    WHITE = "white", _("白名单")
    BLACK = "black", _("黑名单")


class ListPublication(models.Model):
    """One publication of the white and black lists for a city or county, frozen as rows at publishing time."""

    year = models.PositiveSmallIntegerField(_("年度"))
    division_code = models.CharField(_("发布区划代码"), max_length=12, db_index=True)
    division_name = models.CharField(_("发布区划"), max_length=64, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    publisher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发布人")
    )
    publisher_department = models.CharField(_("发布部门"), max_length=64, blank=True)
    whitelist_count = models.PositiveIntegerField(_("白名单机构数"), default=0)
    blacklist_count = models.PositiveIntegerField(_("黑名单条目数"), default=0)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("黑白名单发布")
        verbose_name_plural = _("黑白名单发布")
        ordering = ["-published_at"]
        constraints = [
            models.UniqueConstraint(fields=["year", "division_code"], name="list_publication_once_a_year"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.division_name or self.division_code}"


class ListPublicationRow(models.Model):
    """A row as it stood when published: copied text, so later edits to the institution do not rewrite it."""

    publication = models.ForeignKey(ListPublication, on_delete=models.CASCADE, related_name="rows")
    kind = models.CharField(_("名单"), max_length=5, choices=ListKind.choices)
    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("机构名称"), max_length=128)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    category = models.CharField(_("类别"), max_length=32, blank=True)
    licence_no = models.CharField(_("办学许可证号"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    division_code = models.CharField(_("所属县区代码"), max_length=6)
    reason = models.TextField(_("列入原因"), blank=True)
    legal_basis = models.CharField(_("依据"), max_length=255, blank=True)
    start = models.DateField(_("列入日期"), null=True, blank=True)
    end = models.DateField(_("移出日期"), null=True, blank=True)
    listed_by = models.CharField(_("发布部门"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("名单条目")
        verbose_name_plural = _("名单条目")
        ordering = ["publication_id", "kind", "division_code", "name", "id"]
        indexes = [models.Index(fields=["publication", "kind", "division_code"], name="listrow_pub_kind_div")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class SurveyRecord(models.Model):
    """The survey (摸底排查) fields the institution model does not hold, one row per institution and year."""

    institution = models.ForeignKey(
        "registry.Institution", on_delete=models.CASCADE, related_name="survey_records", verbose_name=_("机构")
    )
    year = models.PositiveSmallIntegerField(_("排查年度"))
    division_code = models.CharField(_("所属县区代码"), max_length=6, db_index=True)
    site_address = models.CharField(_("培训场所地址"), max_length=255, blank=True)
    weekly_hours = models.DecimalField(_("每周培训时长（小时）"), max_digits=6, decimal_places=1, null=True, blank=True)
    content = models.TextField(_("培训内容"), blank=True)
    teacher_count = models.PositiveIntegerField(_("教师人数"), null=True, blank=True)
    fee_items = models.TextField(_("收费项目及标准"), blank=True)
    job = models.ForeignKey(
        "core.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("导入任务")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("摸底排查记录")
        verbose_name_plural = _("摸底排查记录")
        ordering = ["-year", "institution_id"]
        constraints = [models.UniqueConstraint(fields=["institution", "year"], name="survey_once_a_year")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.year}"
