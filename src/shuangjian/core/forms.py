from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续失败 5 次后，该账号在本机将被锁定 30 分钟。"),
        "inactive": _("该账号已停用，请联系管理员。"),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        for f in self.fields.values():
            f.widget.attrs["class"] = "form-control"


class TokenForm(forms.Form):
    name = forms.CharField(label=_("用途"), max_length=64, help_text=_("例如：机构管理系统对接"))
    days = forms.IntegerField(label=_("有效天数"), min_value=1, max_value=366, initial=90)
