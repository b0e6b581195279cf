"""Word documents of the inspections area: the rectification notice (整改通知书), built from the data."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuangjian.core import docx

from .checklist import BY_CODE
from .models import RectificationNotice
from .notices import bureau_of


def rectification_notice_docx(notice: RectificationNotice) -> bytes:
    doc = docx.official_document()
    docx.add_title(doc, _("责令限期整改通知书"), number=notice.number)
    docx.add_paragraphs(doc, [f"{notice.subject_name}："], indent=False)
    insp = notice.inspection
    when = insp.inspected_at.date().isoformat() if insp.inspected_at else notice.issued_on.isoformat()
    docx.add_paragraphs(
        doc,
        [_("%(day)s，我局对你单位进行了%(kind)s，发现存在以下问题：") % {"day": when, "kind": insp.get_kind_display()}],
    )
    docx.add_heading(doc, _("一、存在的问题"))
    items = list(notice.items.all())
    docx.add_paragraphs(doc, [f"{n}. {i.label}：{i.note or _('不合格')}" for n, i in enumerate(items, start=1)])
    docx.add_heading(doc, _("二、依据"))
    docx.add_paragraphs(doc, sorted({BY_CODE[i.code].source for i in items if i.code in BY_CODE}) or [_("相关规定")])
    docx.add_heading(doc, _("三、整改要求"))
    docx.add_paragraphs(
        doc,
        [
            notice.requirements or _("请对照上述问题逐项整改。"),
            _(
                "请于%(deadline)s前（%(n)d个工作日内）完成整改，并通过平台提交整改情况及佐证材料。逾期未整改或整改不到位的，将依法立案查处。"
            )
            % {"deadline": notice.deadline.isoformat(), "n": notice.working_days},
        ],
    )
    docx.add_signature(doc, bureau_of(notice.division_code), notice.issued_on.isoformat())
    return docx.to_bytes(doc)
