"""The portal's own content: announcements, policies, news and bulletins written by regulators, their
attachments, and each county's report hotline and email.

The portal is the top layer (nothing imports it), so its content lives here: lower apps never need to read it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shuangjian.core.access import validate_printable


class ArticleKind(models.TextChoices):
    """The portal's sections (Zhengzhou seed: 公告通知, 政策法规, 双减进行时, 工作简报)."""

    NOTICE = "notice", _("公告通知")
    POLICY = "policy", _("政策法规")
    NEWS = "news", _("双减进行时")
    BULLETIN = "bulletin", _("工作简报")


class Article(models.Model):
    """One item of a section, issued by a division (a county for its county, the city for the whole city).

    ``body`` is stored already sanitised (``portal.sanitize.clean_html``) and printed as it is.
    """

    kind = models.CharField(_("栏目"), max_length=16, choices=ArticleKind.choices, db_index=True)
    title = models.CharField(_("标题"), max_length=200, validators=[validate_printable])
    summary = models.CharField(_("摘要"), max_length=300, blank=True, validators=[validate_printable])
    body = models.TextField(_("正文"), blank=True)
    source = models.CharField(_("发布单位"), max_length=100, blank=True, validators=[validate_printable])
    document_number = models.CharField(_("文号"), max_length=100, blank=True, validators=[validate_printable])
    division_code = models.CharField(_("发布区划"), max_length=12, db_index=True)
    is_published = models.BooleanField(_("已发布"), default=False)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("撰写人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("门户文章")
        verbose_name_plural = _("门户文章")
        ordering = ["-published_on", "-pk"]
        indexes = [models.Index(fields=["is_published", "kind", "published_on"], name="portal_article_public")]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file attached to an article (PDF, Word, Excel, JPEG, PNG checked by content), served by a view."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="portal/attachments/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def division_code(self) -> str:
        return self.article.division_code


class ReportContact(models.Model):
    """Where the public of a division reports: the hotline and email it publishes (edited by its regulator)."""

    division_code = models.CharField(_("区划"), max_length=12, unique=True)
    hotline = models.CharField(_("举报电话"), max_length=60, blank=True, validators=[validate_printable])
    email = models.EmailField(_("举报邮箱"), blank=True)
    hours = models.CharField(_("受理时间"), max_length=100, blank=True, validators=[validate_printable])
    address = models.CharField(_("来信地址"), max_length=200, blank=True, validators=[validate_printable])
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("举报联系方式")
        verbose_name_plural = _("举报联系方式")
        ordering = ["division_code"]

    def __str__(self) -> str:
        return self.division_code
