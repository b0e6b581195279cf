from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")
    # An export whose file was deleted once older than EXPORT_RETENTION_DAYS (core.exports.export_files_expire).
    EXPIRED = "expired", _("已过期")


class Job(models.Model):
    """A long piece of work (import, export, scan) whose progress a person can watch."""

    kind = models.CharField(_("类型"), max_length=64, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    division_code = models.CharField(_("区划代码"), max_length=20, blank=True, db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total = models.PositiveIntegerField(_("总量"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    message = models.TextField(_("说明"), blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    input_file = models.FileField(upload_to="jobs/in/%Y/%m/", blank=True)
    result_file = models.FileField(upload_to="jobs/out/%Y/%m/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} {self.status}"

    @property
    def percent(self) -> int:
        if self.status in (JobStatus.SUCCEEDED, JobStatus.EXPIRED):
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
