"""Registry's part of the demo city: a few hundred institutions per main county (both categories, some with
violations, some zombies, some blacklisted), their sites and inspections, and one operator account per kind."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY, demo_user
from shuangjian.core.models import Department, Division, DivisionLevel, GridCell, Role, User
from shuangjian.core.validators import make_resident_id, make_uscc

from . import conditions, services
from .models import (
    APPROVING_DEPARTMENT,
    AnnualInspection,
    BlacklistEntry,
    Category,
    InspectionResult,
    Institution,
    InstitutionOperator,
    InstitutionStatus,
    LegalForm,
    LicenceApplication,
    NonSubjectField,
    Site,
    Subject,
    SupervisionMode,
    TrainingFormat,
)
from .naming import name_sort_key

PER_COUNTY = {PRIMARY_COUNTY: 300, SECOND_COUNTY: 220}
OTHER_COUNTY_COUNT = 40

SUBJECT_NAMES = ("学而思", "启航", "博学", "明德", "求知", "育才", "卓越", "智慧树", "英才", "思远")
ARTS_NAMES = ("墨韵书画", "七彩音乐", "舞之韵舞蹈", "童心美术", "琴声钢琴", "朗诵艺术")
SPORTS_NAMES = ("飞扬篮球", "小鹰足球", "蛟龙游泳", "跆拳道", "乒乓球", "轮滑")
SCIENCE_NAMES = ("创客机器人", "编程小达人", "科学探索", "航模", "STEM实验室")
STREETS = ("中山路", "自由路", "解放大道", "北道门街", "龙亭北路", "西门大街", "金明大道", "宋城路", "汴京大道")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛")
DEPT_PUBLISHER = {
    PRIMARY_COUNTY: "lt_edu",
    SECOND_COUNTY: "xf_edu",
}
PDF = b"%PDF-1.4\n% demo material\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _counties(city: str) -> list[str]:
    codes = list(
        Division.objects.filter(code__startswith=city, level=DivisionLevel.COUNTY).values_list("code", flat=True)
    )
    for code in (PRIMARY_COUNTY, SECOND_COUNTY):
        if code not in codes:
            codes.append(code)
    return sorted(codes)


# Reasons a licensed institution is black-listed, by category (a subject-type one cannot "disguise" subject training).
BLACKLIST_REASONS: dict[str, tuple[str, ...]] = {
    Category.SUBJECT: ("超前超标培训且拒不整改", "预收费超过三个月、卷款风险", "节假日违规组织学科类培训且拒不整改"),
    Category.NON_SUBJECT: ("以非学科类名义违规开展学科类培训且拒不整改", "预收费超过三个月、卷款风险"),
}


@register_demo_step(20, "registry.institutions")
def demo_institutions(ctx: DemoContext) -> None:
    if Institution.objects.filter(division_code=PRIMARY_COUNTY).exists():
        ctx.log("机构：已存在，跳过")
        ctx.shared["institutions"] = list(Institution.objects.filter(division_code__startswith=ctx.city_code))
        return
    rng = ctx.rng
    today = timezone.localdate()
    serial = 0
    institutions: list[Institution] = []
    plans: list[dict[str, object]] = []
    for county in _counties(ctx.city_code):
        count = PER_COUNTY.get(county, OTHER_COUNTY_COUNT)
        townships = list(
            Division.objects.filter(code__startswith=county, level=DivisionLevel.TOWNSHIP).values_list(
                "code", flat=True
            )
        )
        cells = list(GridCell.objects.filter(code__startswith=county).values_list("code", "township_id"))
        for _i in range(count):
            serial += 1
            subject = rng.random() < 0.4
            field = "" if subject else rng.choice(list(NonSubjectField.values))
            names: dict[str, tuple[str, ...]] = {
                NonSubjectField.ARTS: ARTS_NAMES,
                NonSubjectField.SPORTS: SPORTS_NAMES,
                NonSubjectField.SCIENCE: SCIENCE_NAMES,
            }
            base = names.get(field, SUBJECT_NAMES)
            name = f"开封{rng.choice(base)}{'培训学校' if subject else '培训中心'}（{serial}号）"
            # About 3 % of subject-type institutions are still companies (91…): a violation to find.
            non_profit = subject and rng.random() > 0.03
            prefix = "52" if non_profit else "91"
            uscc = make_uscc(f"{prefix}{county}{serial:08d}")
            roll = rng.random()
            if roll < 0.80:
                status = InstitutionStatus.ACTIVE
            elif roll < 0.88:
                status = InstitutionStatus.APPLYING
            elif roll < 0.92:
                status = InstitutionStatus.SUSPENDED
            elif roll < 0.96:
                status = InstitutionStatus.STOPPED
            else:
                status = InstitutionStatus.DEREGISTERED
            dept = APPROVING_DEPARTMENT[Category.SUBJECT if subject else field]
            licensed = status != InstitutionStatus.APPLYING
            # Most licences are current; about one in twenty has run out (a violation to find).
            age = rng.randint(1830, 2400) if rng.random() < 0.05 else rng.randint(200, 1700)
            issued = today - datetime.timedelta(days=age)
            expires = issued.replace(year=issued.year + 5) if issued.month != 2 or issued.day != 29 else issued
            cell = rng.choice(cells) if cells else None
            township = cell[1] if cell else (rng.choice(townships) if townships else "")
            birth = datetime.date(1965, 1, 1) + datetime.timedelta(days=rng.randint(0, 9000))
            institutions.append(
                Institution(
                    name=name,
                    name_key=name_sort_key(name),
                    uscc=uscc,
                    category=Category.SUBJECT if subject else Category.NON_SUBJECT,
                    field=field,
                    licensed_subjects=rng.sample(list(Subject.values), k=rng.randint(1, 3)) if subject else [],
                    legal_form=LegalForm.NON_PROFIT if prefix == "52" else LegalForm.COMPANY,
                    legal_rep_name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", *GIVEN)),
                    legal_rep_id=make_resident_id(f"{county}{birth:%Y%m%d}{rng.randint(100, 999)}"),
                    address=f"开封市{rng.choice(STREETS)}{rng.randint(1, 300)}号",
                    division_code=county,
                    township_code=township or "",
                    grid_code=cell[0] if cell else "",
                    latitude=Decimal(f"34.{rng.randint(760000, 820000)}"),
                    longitude=Decimal(f"114.{rng.randint(280000, 380000)}"),
                    phone=f"0371-2{rng.randint(1000000, 9999999)}",
                    training_format=rng.choice(list(TrainingFormat.values)),
                    status=status,
                    licence_no=f"{services.LICENCE_PREFIX[dept]}{county}{issued.year}{serial:05d}"
                    if licensed
                    else None,
                    licence_issued_on=issued if licensed else None,
                    licence_expires_on=expires if licensed else None,
                    approving_department=dept if licensed else "",
                )
            )
            # Only a mode planned here: funds' demo step opens the custody account or records the deposit, and
            # its services set supervision_mode from those records (the one source of truth).
            mode = rng.choices(list(SupervisionMode.values), weights=(2, 6, 2))[0] if licensed else SupervisionMode.NONE
            plans.append({"zombie": status == InstitutionStatus.ACTIVE and rng.random() < 0.06, "mode": mode})
    # With history rows, so each institution's page starts its change history at the demo import.
    institutions = bulk_create_with_history(institutions, Institution, batch_size=500, default_change_reason="演示数据")
    ctx.shared["supervision_plan"] = {inst.pk: plan["mode"] for inst, plan in zip(institutions, plans, strict=True)}

    sites: list[Site] = []
    inspections: list[AnnualInspection] = []
    blacklist: list[BlacklistEntry] = []
    publishers = {u.username: u for u in User.objects.filter(username__in=["lt_edu", "xf_edu", "kf_edu"])}
    for inst, plan in zip(institutions, plans, strict=True):
        for n in range(rng.choice((1, 1, 1, 2))):
            bad = rng.random() < 0.08
            # Leases run one to five years; a bad site's lease is shorter than the year the standard asks for.
            lease_start = today - datetime.timedelta(days=rng.randint(30, 700))
            term_days = rng.randint(120, 330) if bad and rng.random() < 0.3 else rng.randint(800, 1826)
            sites.append(
                Site(
                    institution=inst,
                    name=f"{inst.name[:20]}第{n + 1}教学点",
                    address=inst.address,
                    division_code=inst.division_code,
                    township_code=inst.township_code,
                    usable_area_m2=Decimal(
                        rng.randint(60, 99) if bad and rng.random() < 0.5 else rng.randint(100, 900)
                    ),
                    floor=rng.choice((4, 5)) if bad and rng.random() < 0.5 else rng.randint(1, 3),
                    is_basement=bad and rng.random() < 0.2,
                    in_residential_building=bad and rng.random() < 0.2,
                    lease_start=lease_start,
                    lease_end=max(lease_start + datetime.timedelta(days=term_days), today),
                )
            )
        if inst.status != InstitutionStatus.APPLYING and inst.licence_issued_on:
            # The annual inspection of a year is held the next spring: one licensed this year has none yet (and is
            # not on the white list until it passes one).
            first = inst.licence_issued_on.year
            last = today.year - (3 if plan["zombie"] else 1)
            for year in range(first, last + 1):
                result = rng.choices(list(InspectionResult.values), weights=(85, 10, 5))[0]
                inspections.append(
                    AnnualInspection(
                        institution=inst,
                        year=year,
                        result=result,
                        inspected_on=datetime.date(year, rng.randint(3, 11), rng.randint(1, 28)),
                        division_code=inst.division_code,
                    )
                )
        # Black-listed institutions are licensed ones (active or told to stop enrolling), so each reason is one a
        # licensed institution can earn; 无证办学 is an unlicensed operation's, closed (取缔) rather than listed.
        if inst.status in (InstitutionStatus.ACTIVE, InstitutionStatus.SUSPENDED) and rng.random() < 0.03:
            publisher = publishers.get(DEPT_PUBLISHER.get(inst.division_code, "kf_edu")) or publishers.get("kf_edu")
            if publisher is not None:
                blacklist.append(
                    BlacklistEntry(
                        institution=inst,
                        reason=rng.choice(BLACKLIST_REASONS[inst.category]),
                        legal_basis="《校外培训行政处罚暂行办法》（教育部令第53号）",
                        start=today - datetime.timedelta(days=rng.randint(10, 300)),
                        publisher=publisher,
                        department=Department.EDUCATION,
                        division_code=inst.division_code,
                    )
                )
    bulk_create_with_history(sites, Site, batch_size=1000, default_change_reason="演示数据")
    AnnualInspection.objects.bulk_create(inspections, batch_size=2000)
    BlacklistEntry.objects.bulk_create(blacklist, batch_size=500)
    ctx.shared["institutions"] = institutions
    ctx.log(
        f"机构：{len(institutions)} 家，教学点 {len(sites)} 个，年检 {len(inspections)} 条，黑名单 {len(blacklist)} 条"
    )


def _planned_supervised(ctx: DemoContext) -> list[int]:
    """Institutions whose fees the funds step will put under custody or a deposit (the plan made above)."""
    plan: dict[int, str] = ctx.shared.get("supervision_plan", {})
    return [pk for pk, mode in plan.items() if mode != SupervisionMode.NONE]


@register_demo_step(21, "registry.operators")
def demo_operators(ctx: DemoContext) -> None:
    """Operator accounts: an active subject-type and an arts institution in 410202, and an applicant."""
    today = timezone.localdate()
    # In good standing apart from this year's inspections (set below): fees supervised, no violation, not listed.
    active = (
        Institution.objects.filter(division_code=PRIMARY_COUNTY, status=InstitutionStatus.ACTIVE)
        .exclude(blacklist_entries__isnull=False)
        .filter(pk__in=_planned_supervised(ctx))
        .exclude(conditions.violations_q(today))
    )
    picks = {
        "op_subject": active.filter(category=Category.SUBJECT, uscc__startswith="52").order_by("pk").first(),
        "op_arts": active.filter(field=NonSubjectField.ARTS).order_by("pk").first(),
    }
    for username, inst in picks.items():
        if inst is None:
            continue
        # Keep the demo accounts' institutions in good standing so the operator pages look like a normal day.
        for year in (today.year - 1, today.year - 2):
            AnnualInspection.objects.update_or_create(
                institution=inst,
                year=year,
                defaults={
                    "result": InspectionResult.PASSED,
                    "inspected_on": datetime.date(year, 6, 1),
                    "division_code": inst.division_code,
                },
            )
        user = demo_user(ctx, username, Role.INSTITUTION_OPERATOR, f"{inst.name[:12]} 管理员", institution=inst.name)
        InstitutionOperator.objects.update_or_create(user=user, defaults={"institution": inst})

    # A new applicant is a non-subject one: no new subject-type institutions are approved (意见 §13).
    name = "开封龙亭区启明星科技培训中心"
    applicant = demo_user(ctx, "op_applicant", Role.INSTITUTION_OPERATOR, "启明星 申请人", institution=name)
    inst, _created = Institution.objects.get_or_create(
        uscc=make_uscc("5241020299000001"),
        defaults={
            "name": name,
            "name_key": name_sort_key(name),
            "category": Category.NON_SUBJECT,
            "field": NonSubjectField.SCIENCE,
            "legal_form": LegalForm.NON_PROFIT,
            "legal_rep_name": "周明",
            "legal_rep_id": make_resident_id("41020219800512123"),
            "address": "开封市龙亭区中山路66号",
            "division_code": PRIMARY_COUNTY,
            "phone": "0371-23456789",
            "status": InstitutionStatus.APPLYING,
        },
    )
    InstitutionOperator.objects.update_or_create(user=applicant, defaults={"institution": inst})
    Site.objects.get_or_create(
        institution=inst,
        name="启明星中山路教学点",
        defaults={
            "address": inst.address,
            "division_code": inst.division_code,
            "usable_area_m2": Decimal("320"),
            "floor": 2,
            "lease_start": today - datetime.timedelta(days=200),
            "lease_end": today + datetime.timedelta(days=900),
        },
    )
    if not LicenceApplication.objects.filter(institution=inst).exists():
        # Through the service, as the applicant would: routed to the science department, deadline set, audited.
        services.licence_application_submit(
            actor=applicant,
            materials=[
                (kind, SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"))
                for kind in ("办学章程", "场地租赁合同", "消防验收意见书")
            ],
            comment="申请办理校外培训机构办学许可证。",
        )
    ctx.log("机构管理员：op_subject、op_arts、op_applicant（龙亭区）")
