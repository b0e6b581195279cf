from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    REGULATOR = "regulator", _("监管人员")
    INSPECTOR = "inspector", _("执法人员")
    GRID_OFFICER = "grid_officer", _("网格员")
    SCHOOL_ADMIN = "school_admin", _("学校管理员")
    BANK_OPERATOR = "bank_operator", _("托管银行操作员")
    INSTITUTION_OPERATOR = "institution_operator", _("机构管理员")
    PARENT = "parent", _("家长")


class Department(models.TextChoices):
    EDUCATION = "education", _("教育")
    MARKET_REGULATION = "market_regulation", _("市场监管")
    PUBLIC_SECURITY = "public_security", _("公安")
    FIRE = "fire", _("消防")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    HUMAN_RESOURCES = "human_resources", _("人力资源和社会保障")
    HOUSING = "housing", _("住房和城乡建设")
    SCIENCE = "science", _("科技")
    CULTURE = "culture", _("文化和旅游")
    SPORTS = "sports", _("体育")


# Roles whose reach is a division prefix (scope_code); the others reach only what they own.
SCOPED_ROLES = frozenset({Role.REGULATOR, Role.INSPECTOR, Role.GRID_OFFICER, Role.SCHOOL_ADMIN, Role.BANK_OPERATOR})


class User(AbstractUser):
    """A person who signs in. Staff carry a role and a scope code; parents and operators own their records."""

    role = models.CharField(_("角色"), max_length=24, choices=Role.choices, default=Role.PARENT, db_index=True)
    department = models.CharField(_("部门"), max_length=24, choices=Department.choices, blank=True)
    scope_code = models.CharField(
        _("管辖区划代码"),
        max_length=20,
        blank=True,
        db_index=True,
        help_text=_("以此代码开头的区划均在管辖范围内，如 4102 表示开封市全市。"),
    )
    display_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_platform_admin(self) -> bool:
        return self.role == Role.PLATFORM_ADMIN or self.is_superuser

    @property
    def is_scoped_staff(self) -> bool:
        return self.role in SCOPED_ROLES
