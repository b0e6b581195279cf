from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "shuangjian.funds"
    label = "funds"
    verbose_name = _("资金监管")
