"""Word documents of the licensing decision (准予许可决定书 / 不予许可决定书), generated on download from the record."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from shuangjian.core.models import Department, Division

from .models import ApplicationStatus, Category, LicenceApplication, Subject

# The usual names of the county bureaus that issue licences (the decision is signed in the bureau's name).
BUREAU_NAMES: dict[str, object] = {
    Department.EDUCATION: gettext_lazy("教育局"),
    Department.SPORTS: gettext_lazy("体育局"),
    Department.CULTURE: gettext_lazy("文化广电和旅游局"),
    Department.SCIENCE: gettext_lazy("科学技术局"),
}


def _authority(app: LicenceApplication) -> str:
    county = Division.objects.filter(code=app.division_code).values_list("name", flat=True).first() or app.division_code
    name = BUREAU_NAMES.get(app.department)
    bureau = str(name) if name else f"{app.get_department_display()}{_('主管部门')}"
    return f"{county}{bureau}"


def _category_text(app: LicenceApplication) -> str:
    inst = app.institution
    if inst.category == Category.SUBJECT:
        subjects = "、".join(str(Subject(s).label) for s in inst.licensed_subjects if s in Subject.values)
        return f"{Category.SUBJECT.label}" + (f"（{subjects}）" if subjects else "")
    return f"{Category.NON_SUBJECT.label}（{inst.get_field_display()}）"


def decision_docx(app: LicenceApplication) -> bytes:
    """The decision of an approved or rejected application as a .docx file."""
    if app.status not in (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED):
        raise ValueError("no decision yet")
    approved = app.status == ApplicationStatus.APPROVED
    inst = app.institution
    authority = _authority(app)
    decided = timezone.localtime(app.decided_at).date() if app.decided_at else timezone.localdate()
    last_comment = next((s.comment for s in reversed(list(app.steps.all())) if s.to_status == app.status), "")

    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(12)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(_("准予行政许可决定书") if approved else _("不予行政许可决定书"))
    run.bold = True
    run.font.size = Pt(18)
    no = doc.add_paragraph(app.decision_no)
    no.alignment = WD_ALIGN_PARAGRAPH.CENTER

    doc.add_paragraph(f"{inst.name}：")
    doc.add_paragraph(
        _("你单位于 %(date)s 提出的校外培训机构办学许可申请，本机关已依法受理并进行了材料审查和实地核查。")
        % {"date": timezone.localtime(app.submitted_at).date().isoformat()}
    )
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    rows = [
        (_("机构名称"), inst.name),
        (_("统一社会信用代码"), inst.uscc),
        (_("类别"), _category_text(app)),
        (_("办学地址"), inst.address),
        (_("审批部门"), authority),
    ]
    if approved:
        rows += [
            (_("办学许可证号"), inst.licence_no or ""),
            (
                _("有效期"),
                f"{inst.licence_issued_on.isoformat() if inst.licence_issued_on else ''} — "
                f"{inst.licence_expires_on.isoformat() if inst.licence_expires_on else ''}",
            ),
        ]
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = str(label)
        cells[1].text = str(value)
    if approved:
        doc.add_paragraph(
            _(
                "经审查，你单位的申请符合法定条件、标准，根据《中华人民共和国行政许可法》第三十八条第一款的规定，决定准予许可，颁发办学许可证。"
            )
        )
        if last_comment:
            doc.add_paragraph(_("审批意见：%(c)s") % {"c": last_comment})
    else:
        doc.add_paragraph(
            _(
                "经审查，你单位的申请不符合法定条件、标准，根据《中华人民共和国行政许可法》第三十八条第二款的规定，决定不予许可。理由如下："
            )
        )
        doc.add_paragraph(last_comment)
        doc.add_paragraph(
            _(
                "如不服本决定，可以依照《中华人民共和国行政复议法》自收到本决定书之日起六十日内申请行政复议，或者依照《中华人民共和国行政诉讼法》在六个月内提起行政诉讼。"
            )
        )
    sign = doc.add_paragraph(authority)
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    date = doc.add_paragraph(f"{decided.year}年{decided.month}月{decided.day}日")
    date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
