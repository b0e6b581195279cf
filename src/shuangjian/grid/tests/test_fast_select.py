"""``FastSelect`` writes the same ``<select>`` as before it skipped ``optgroups`` (byte for byte: the earlier version,
built on Django's own option dicts, is kept here as the oracle) and the same elements as Django's ``Select``
templates (up to the whitespace between tags): model choices with and without a value chosen, grouped choices, an
empty value, and labels that need escaping."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from shuangjian.core.models import GridCell, User
from shuangjian.grid.forms import AssignmentForm, FastSelect, _attrs
from shuangjian.grid.tests.factories import cells, officer

pytestmark = pytest.mark.django_db


class SelectAsBefore(forms.Select):
    """``FastSelect`` as it was (options from ``get_context``'s optgroups): the oracle, do not "improve" it."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[SafeString] = []
        for group_name, group_choices, _index in widget["optgroups"]:
            options = format_html_join(
                "\n",
                '<option value="{}"{}>{}</option>',
                ((str(o["value"]), _attrs(o["attrs"]), o["label"]) for o in group_choices),
            )
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, options) if group_name else options
            )
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            widget["name"],
            _attrs(widget["attrs"]),
            format_html_join("\n", "{}", ((p,) for p in parts)),
        )


def tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def both(choices: Any, value: Any, attrs: dict[str, Any] | None = None) -> tuple[str, str]:
    fast = FastSelect(attrs={"class": "form-select"}, choices=choices).render("cell", value, attrs)
    before = SelectAsBefore(attrs={"class": "form-select"}, choices=choices).render("cell", value, attrs)
    django = forms.Select(attrs={"class": "form-select"}, choices=choices).render("cell", value, attrs)
    assert tags(fast) == tags(django)
    return fast, before


@pytest.mark.parametrize(
    "value", [None, "", "410202001002", ["410202001002"], "410202002001", "not-a-cell", 5, ["a", "410202001001"]]
)
def test_plain_choices(value: Any) -> None:
    choices = [
        ("", "---------"),
        ("410202001001", "北书店第1网格"),
        ("410202001002", '<b>"引号" & 尖括号</b>'),
        ("410202001002", "同值第二项（只选第一项）"),
        (None, "空值"),
        ("410202002001", "大厅门第1网格"),
        (5, "数字值"),
    ]
    fast, django = both(choices, value, {"id": "id_cell", "required": True, "disabled": False})
    assert fast == django


@pytest.mark.parametrize("value", [None, "b", "x"])
def test_grouped_choices(value: str | None) -> None:
    choices = [
        ("乡镇<一>", [("a", "甲"), ("b", "乙 & 丙")]),
        ("", [("x", "无组名")]),
        ("c", "单项"),
    ]
    fast, django = both(choices, value)
    assert fast == django


def test_the_assignment_form_with_model_choices() -> None:
    c1, _c2, _c3 = cells()
    officers = [officer(username=f"g_fs{n}", display_name=f"网格员<{n}>") for n in range(3)]
    for data in ({}, {"officer": str(officers[1].pk), "cell": c1.code, "start": "bad"}):
        form = AssignmentForm(
            data or None,
            officers=User.objects.filter(pk__in=[o.pk for o in officers]).order_by("username"),
            cells=GridCell.objects.order_by("code"),
        )
        form.is_valid()
        for name in ("officer", "cell"):
            bound = form[name]
            field = form.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            choices: Any = field.choices  # a ModelChoiceIterator, as the form's own widget has
            attrs = {"required": True, "id": bound.auto_id}  # as BoundField.as_widget orders them
            before = SelectAsBefore(attrs=field.widget.attrs, choices=choices)
            assert str(bound) == before.render(bound.html_name, bound.value(), attrs)
            django = forms.Select(attrs=field.widget.attrs, choices=choices)
            assert tags(str(bound)) == tags(django.render(bound.html_name, bound.value(), attrs))
