"""Word documents of a penalty case (行政处罚事先告知书, 听证通知书, 行政处罚决定书), built on download from the
case's stored data and its numbered ``CaseDocument`` row, in the official layout of core/docx.py."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shuangjian.core import docx as official
from shuangjian.core.models import Division
from shuangjian.registry.documents import BUREAU_NAMES

from . import rules
from .calculator import MEASURE_LABELS, VIOLATION_LABELS
from .models import CaseDocument, CaseDocumentKind, PenaltyCase, SubjectKind


def authority(case: PenaltyCase) -> str:
    county = Division.objects.filter(code=case.division_code).values_list("name", flat=True).first() or ""
    bureau = BUREAU_NAMES.get(case.department)
    return f"{county}{bureau or case.get_department_display()}"


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


def measures_text(case: PenaltyCase) -> str:
    parts = []
    for m in case.measures:
        label = str(MEASURE_LABELS.get(m, m))
        if m == "fine":
            label += _("人民币%(y)s元") % {"y": yuan(case.fine_fen)}
        elif m == "confiscate" and case.confiscated_fen:
            label += _("人民币%(y)s元") % {"y": yuan(case.confiscated_fen)}
        elif m == "stop_operating" and case.stop_months:
            label += ngettext("（%(n)s个月）", "（%(n)s个月）", case.stop_months) % {"n": case.stop_months}
        elif m == "restrict_practice":
            years = case.restriction_years or settings.ENFORCEMENT_BLACKLIST_DEFAULT_YEARS
            label += ngettext("（%(n)s年）", "（%(n)s年）", years) % {"n": years}
        parts.append(label)
    return "；".join(parts)


def party_lines(case: PenaltyCase) -> list[str]:
    """当事人: an institution by name, USCC and address; a person by name only (no ID number in print)."""
    if case.subject_kind == SubjectKind.INSTITUTION and case.institution is not None:
        inst = case.institution
        return [
            _("当事人：%(n)s") % {"n": inst.name},
            _("统一社会信用代码：%(u)s") % {"u": inst.uscc},
            _("地址：%(a)s") % {"a": inst.address},
        ]
    if case.subject_kind == SubjectKind.UNLICENSED and case.unlicensed is not None:
        return [
            _("当事人：%(n)s") % {"n": case.unlicensed.name},
            _("地址：%(a)s") % {"a": case.unlicensed.address},
        ]
    return [_("当事人：%(n)s") % {"n": case.subject_name}]


def case_docx(doc_row: CaseDocument) -> bytes:
    case = doc_row.case
    issuer = authority(case)
    doc = official.official_document()
    title = str(CaseDocumentKind(doc_row.kind).label)
    official.add_title(doc, title, number=doc_row.number)
    official.add_paragraphs(doc, party_lines(case), indent=False)
    violation = str(VIOLATION_LABELS.get(case.violation, case.violation))
    if doc_row.kind == CaseDocumentKind.NOTICE:
        official.add_paragraphs(
            doc,
            [
                _("经查，你（单位）存在%(v)s的违法行为。违法事实如下：") % {"v": violation},
                case.facts,
                _("以上事实违反了下列规定：") + case.basis.replace("\n", "；"),
                _("本机关拟对你（单位）作出如下行政处罚：%(m)s。") % {"m": measures_text(case)},
                _(
                    "根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你（单位）有权进行陈述和申辩，"
                    "请于收到本告知书之日起%(n)s个工作日内提出。"
                )
                % {"n": settings.ENFORCEMENT_DEFENCE_WORKING_DAYS},
            ]
            + (
                [
                    _(
                        "根据《中华人民共和国行政处罚法》第六十三条、第六十四条的规定，你（单位）有权要求举行听证，"
                        "请于收到本告知书之日起%(n)s个工作日内提出。逾期视为放弃。"
                    )
                    % {"n": rules.HEARING_REQUEST_WORKING_DAYS}
                ]
                if case.hearing_right
                else []
            ),
        )
    elif doc_row.kind == CaseDocumentKind.HEARING_NOTICE:
        official.add_paragraphs(
            doc,
            [
                _("你（单位）于%(d)s提出的听证申请，本机关决定受理。") % {"d": case.hearing_requested_on},
                _("听证定于%(d)s举行。请按时参加，可以委托一至二人代理。无正当理由不参加的，视为放弃听证。")
                % {"d": case.hearing_on},
            ],
        )
    else:
        official.add_paragraphs(
            doc,
            [
                _("经查，你（单位）存在%(v)s的违法行为。违法事实如下：") % {"v": violation},
                case.facts,
                _("处罚依据：") + case.basis.replace("\n", "；"),
                _("本机关于%(d)s向你（单位）送达了行政处罚事先告知书。") % {"d": case.notified_on}
                + (
                    _("你（单位）提出了陈述申辩：%(t)s") % {"t": case.defence_text}
                    if case.defence_text
                    else _("你（单位）在规定期限内未提出陈述申辩。")
                ),
                _("本机关决定给予如下行政处罚：%(m)s。") % {"m": measures_text(case)},
            ]
            + (
                [
                    _(
                        "罚款自收到本决定书之日起%(n)s日内缴纳。逾期不缴纳的，每日按罚款数额的百分之三加处罚款，"
                        "加处罚款的数额不超出罚款的数额。"
                    )
                    % {"n": rules.PAY_CALENDAR_DAYS}
                ]
                if case.fine_fen
                else []
            )
            + [
                _("如不服本决定，可以依法申请行政复议或者提起行政诉讼。"),
            ],
        )
    official.add_signature(doc, issuer, doc_row.issued_on.strftime("%Y年%m月%d日"))
    return official.to_bytes(doc)
