"""The training-service contract as a Word document, filled from an enrolment along the model contract's clauses.

Clauses follow 《中小学生校外培训服务合同（示范文本）》GF—2021—2604 (教育部 市场监管总局, 2021): parties, the
course, lessons and fees, how the fee is paid (into the custody account under prepaid-fee supervision),
refunds, and signatures.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.shared import Pt

from shuangjian.core.money import format_fen
from shuangjian.core.validators import mask_resident_id
from shuangjian.registry.models import SupervisionMode

from .models import Enrolment
from .rules import BASIS_CONTRACT

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Clause:
    heading: str
    lines: list[tuple[str, str]]


def binding_code_display(code: str) -> str:
    """ "ABCD-EFGH": two groups of four read more easily off paper."""
    return f"{code[:4]}-{code[4:]}" if len(code) == 8 else code


def contract_clauses(enrolment: Enrolment, *, guardian_name: str = "", for_institution: bool = False) -> list[Clause]:
    """The contract's content, shared by the Word document and the page that shows it.

    ``for_institution``: the institution's copy, which carries the parent's binding code (the second factor a
    parent needs to see this child's records); nobody else's copy shows it.
    """
    institution = enrolment.institution
    course = enrolment.class_group.course
    student = enrolment.student
    subject = course.get_subject_display() if course.subject else course.get_field_display()
    if institution.supervision_mode == SupervisionMode.RISK_DEPOSIT:
        custody = _("甲方已按规定缴存风险保证金，预收费纳入主管部门监管。")
    else:
        custody = _("乙方将培训费缴入甲方在托管银行开设的预收费监管（托管）账户，资金按课时消课后拨付甲方。")
    confirmed = enrolment.contract_confirmed_at
    return [
        Clause(
            _("第一条 合同当事人"),
            [
                (_("甲方（培训机构）"), institution.name),
                (_("统一社会信用代码"), institution.uscc),
                (_("办学许可证号"), institution.licence_no or "—"),
                (_("地址"), institution.address),
                (_("联系电话"), institution.phone or "—"),
                (_("乙方（学员监护人）"), guardian_name or _("（由学员监护人在线确认）")),
                (_("学员姓名"), student.name),
                (_("学员身份证号"), mask_resident_id(student.resident_id) if student.resident_id else "—"),
                (_("学籍号"), student.school_roll_no or "—"),
                (_("就读学校及年级"), f"{student.school_name or '—'} {student.grade}".strip()),
            ],
        ),
        Clause(
            _("第二条 培训服务内容"),
            [
                (_("课程名称"), course.name),
                (_("课程类别"), course.get_category_display()),
                (_("学科或领域"), str(subject or "—")),
                (_("授课形式"), course.get_format_display()),
                (_("班级"), enrolment.class_group.name),
                (_("每课时时长"), _("%(n)d 分钟") % {"n": course.lesson_minutes}),
                (_("培训期限"), f"{enrolment.start_date:%Y-%m-%d} — {enrolment.end_date:%Y-%m-%d}"),
            ],
        ),
        Clause(
            _("第三条 课时与收费"),
            [
                (_("购买课时"), _("%(n)d 课时") % {"n": enrolment.lessons_bought}),
                (_("每课时收费"), _("%(yuan)s 元") % {"yuan": format_fen(enrolment.price_per_lesson_fen)}),
                (_("培训费合计"), _("%(yuan)s 元") % {"yuan": format_fen(enrolment.total_fee_fen)}),
                (_("说明"), _("甲方不得以任何名义收取培训费以外的费用，不得诱导乙方使用培训贷方式支付。")),
            ],
        ),
        Clause(
            _("第四条 支付方式"),
            [
                (_("支付方式"), custody),
                (_("支付账户"), _("甲方预收费监管账户（以监管平台公示为准）")),
            ],
        ),
        Clause(
            _("第五条 退费"),
            [
                (
                    _("退费规则"),
                    _(
                        "乙方可申请退还未消耗课时对应的培训费（未消耗课时 × 每课时收费）；"
                        "已消耗课时以乙方确认的考勤为准。"
                    ),
                ),
                (_("退费途径"), _("退费按原支付途径退回乙方。")),
                (_("依据"), _("其他退费事项按%(basis)s相关条款执行。") % {"basis": BASIS_CONTRACT}),
            ],
        ),
        Clause(
            _("第六条 签署"),
            [
                (_("合同编号"), enrolment.contract_no),
                (_("甲方（盖章）"), institution.name),
                (_("乙方确认"), guardian_name if confirmed else _("待乙方在线确认")),
                (
                    _("确认日期"),
                    f"{timezone.localtime(confirmed):%Y-%m-%d %H:%M}" if confirmed else _("待乙方在线确认"),
                ),
            ],
        ),
        *([_binding_clause(enrolment)] if for_institution else []),
    ]


def _binding_clause(enrolment: Enrolment) -> Clause:
    used = enrolment.binding_code_used_at
    return Clause(
        _("附：家长绑定码（请交给乙方）"),
        [
            (_("绑定码"), binding_code_display(enrolment.binding_code)),
            (
                _("使用方法"),
                _("乙方登录监管平台，在“我的孩子”中填写学员姓名、身份证号和本绑定码，即可查看合同、课时和缴费。"),
            ),
            (
                _("状态"),
                _("已于 %(when)s 使用；如需为另一位家长绑定，请重新生成绑定码。")
                % {"when": f"{timezone.localtime(used):%Y-%m-%d %H:%M}"}
                if used
                else _("未使用（一个绑定码只能绑定一位家长）"),
            ),
        ],
    )


def contract_docx(enrolment: Enrolment, *, guardian_name: str = "", for_institution: bool = False) -> bytes:
    """The contract as .docx bytes (python-docx); generated on demand, so it always matches the record."""
    document = Document()
    style = document.styles["Normal"]
    style.font.size = Pt(11)
    document.add_heading(_("中小学生校外培训服务合同"), level=1)
    document.add_paragraph(_("（依据%(basis)s制定）") % {"basis": BASIS_CONTRACT})
    document.add_paragraph(_("合同编号：%(no)s") % {"no": enrolment.contract_no})
    for clause in contract_clauses(enrolment, guardian_name=guardian_name, for_institution=for_institution):
        document.add_heading(clause.heading, level=2)
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in clause.lines:
            cells = table.add_row().cells
            cells[0].text = str(label)
            cells[1].text = str(value)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
