"""Forms of the regulator's content pages; the checks that matter are in ``services`` (the form only parses)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from shuangjian.core.forms import DateInput

from .models import ArticleKind


class StyledForm(forms.Form):
    """Bootstrap's classes on every control."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def style(self) -> None:
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            classes = field.widget.attrs.get("class", "").split()
            if css not in classes:
                field.widget.attrs["class"] = " ".join([css, *classes])


class ArticleForm(StyledForm):
    kind = forms.ChoiceField(label=_("栏目"), choices=ArticleKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    summary = forms.CharField(label=_("摘要"), max_length=300, required=False)
    source = forms.CharField(label=_("发布单位"), max_length=100, required=False)
    document_number = forms.CharField(label=_("文号"), max_length=100, required=False)
    published_on = forms.DateField(
        label=_("发布日期"), required=False, widget=DateInput, help_text=_("留空则在发布时取当天。")
    )
    body = forms.CharField(
        label=_("正文"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "font-monospace"}),
        help_text=_(
            "可直接粘贴纯文本（空行分段），也可使用简单的 HTML 格式：段落、加粗、斜体、小标题、列表、表格和链接。"
            "脚本、样式和事件属性会被去除。"
        ),
    )

    def __init__(self, *args: Any, admin: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if admin:
            self.fields["division_code"] = forms.CharField(
                label=_("发布区划代码"), max_length=12, help_text=_("如 4102（市级）或 410202（县区级）。")
            )
            self.style()


class AttachmentForm(StyledForm):
    file = forms.FileField(label=_("附件"), help_text=_("PDF、Word（DOCX）、Excel（XLSX）、JPG 或 PNG 文件。"))


class ContactForm(StyledForm):
    hotline = forms.CharField(label=_("举报电话"), max_length=60, required=False)
    email = forms.EmailField(label=_("举报邮箱"), required=False)
    hours = forms.CharField(label=_("受理时间"), max_length=100, required=False)
    address = forms.CharField(label=_("来信地址"), max_length=200, required=False)
