"""The inspection checklist, as data: each item names what is checked, the policy it comes from (RULES.md) and,
where the platform already knows something about the institution, the facts shown to the inspector as a hint.

The items are the platform's own rules seen on site; the hint never decides the result — the inspector does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuangjian.courses.models import ViolationRecord
from shuangjian.registry.models import Institution, InstitutionStatus, SupervisionMode
from shuangjian.staff.models import EmploymentFlag, FlagCode


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str | Promise
    source: str
    # Subject kinds the item applies to (an unlicensed operation has no contracts or custody to check).
    for_unlicensed: bool = True


LICENCE = "licence"
PRICES = "prices"
CERTIFICATES = "certificates"
IN_SERVICE = "in_service_teachers"
SCHEDULE = "schedule"
PREMISES = "premises"
ADS = "ads_signs"
CONTRACTS = "contracts"
CUSTODY = "prepaid_custody"

CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        LICENCE, gettext_lazy("办学许可证公示且与实际办学一致"), "意见 §13；《校外培训行政处罚暂行办法》第17条"
    ),
    ChecklistItem(
        PRICES,
        gettext_lazy("收费项目和标准公示，学科类收费不超过政府指导价上浮10%"),
        "发改价格〔2021〕1482号",
        for_unlicensed=False,
    ),
    ChecklistItem(
        CERTIFICATES,
        gettext_lazy("培训人员持有相应教师资格证或专业资格证书"),
        "意见 §13；教育部等《关于加强校外培训机构从业人员管理的通知》",
    ),
    ChecklistItem(IN_SERVICE, gettext_lazy("无在职中小学教师参与有偿培训"), "意见 §13"),
    ChecklistItem(
        SCHEDULE,
        gettext_lazy("培训时间符合规定（线下不晚于20:30，节假日寒暑假不开展学科类培训）"),
        "意见 §13",
    ),
    ChecklistItem(PREMISES, gettext_lazy("场所及消防安全符合要求"), "北京市校外培训机构设置标准（2021）"),
    ChecklistItem(ADS, gettext_lazy("无违规广告和招牌标识"), "意见 §13；市场监管总局关于校外培训广告的规定（2021）"),
    ChecklistItem(
        CONTRACTS,
        gettext_lazy("使用培训服务合同示范文本"),
        "《中小学生校外培训服务合同(示范文本)》GF—2021—2604",
        for_unlicensed=False,
    ),
    ChecklistItem(
        CUSTODY,
        gettext_lazy("预收费纳入银行托管或风险保证金监管"),
        "教监管函〔2021〕2号",
        for_unlicensed=False,
    ),
)

BY_CODE: dict[str, ChecklistItem] = {i.code: i for i in CHECKLIST}


def checklist_for(*, unlicensed: bool) -> tuple[ChecklistItem, ...]:
    return tuple(i for i in CHECKLIST if i.for_unlicensed or not unlicensed)


def hints_for(institution: Institution | None) -> dict[str, list[str]]:
    """What the platform already knows about the institution, per checklist item (a few queries, one per kind)."""
    hints: dict[str, list[str]] = defaultdict(list)
    if institution is None:
        hints[LICENCE].append(_("平台无该机构登记记录（无证无照）。"))
        return dict(hints)
    status = InstitutionStatus(institution.status).label
    if institution.licence_no:
        hints[LICENCE].append(
            _("平台登记：%(status)s，许可证号 %(no)s。") % {"status": status, "no": institution.licence_no}
        )
    else:
        hints[LICENCE].append(_("平台登记：%(status)s，无办学许可证。") % {"status": status})
    if institution.supervision_mode == SupervisionMode.NONE:
        hints[CUSTODY].append(_("平台记录：预收费尚未纳入监管。"))
    else:
        hints[CUSTODY].append(_("平台记录：%(mode)s。") % {"mode": SupervisionMode(institution.supervision_mode).label})
    open_violations = ViolationRecord.objects.filter(institution=institution, resolved_at__isnull=True)
    for code, message in open_violations.values_list("code", "message")[:20]:
        target = PRICES if "price" in code else SCHEDULE if code.startswith("session.") else None
        if target is not None:
            hints[target].append(_("平台发现：%(m)s") % {"m": message})
    flags = EmploymentFlag.objects.filter(employment__institution=institution, resolved_at__isnull=True)
    for code, detail in flags.values_list("code", "detail")[:20]:
        target = IN_SERVICE if code == FlagCode.IN_SERVICE_TEACHER else CERTIFICATES
        hints[target].append(_("平台发现：%(d)s") % {"d": detail})
    return dict(hints)
