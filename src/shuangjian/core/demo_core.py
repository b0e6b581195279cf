"""Core's part of the demo city: real divisions, grid cells under Kaifeng's townships, one account per role."""

from __future__ import annotations

from django.core.management import call_command

from .demo import DEMO_PASSWORD, DemoContext, register_demo_step
from .models import Department, Division, DivisionLevel, GridCell, Role, User

# Kaifeng's urban districts get the full set of county accounts; the others get an education regulator.
PRIMARY_COUNTY = "410202"  # 龙亭区
SECOND_COUNTY = "410212"  # 祥符区


def demo_user(
    ctx: DemoContext,
    username: str,
    role: Role,
    display_name: str,
    *,
    scope: str = "",
    department: str = "",
    institution: str = "",
    record: bool = True,
) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "role": role,
            "display_name": display_name,
            "scope_code": scope,
            "department": department,
            "is_staff": role == Role.PLATFORM_ADMIN,
            "is_superuser": role == Role.PLATFORM_ADMIN,
            "is_active": True,
        },
    )
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["password"])
    if record:
        ctx.accounts.append(
            {
                "role": role.value,
                "role_label": str(role.label),
                "department": department,
                "scope": scope,
                "username": username,
                "password": DEMO_PASSWORD,
                "institution": institution,
            }
        )
    return user


@register_demo_step(0, "core.divisions")
def build_divisions(ctx: DemoContext) -> None:
    if not Division.objects.filter(code=ctx.city_code).exists():
        call_command("load_divisions", stdout=ctx.out)
    townships = Division.objects.filter(code__startswith=ctx.city_code, level=DivisionLevel.TOWNSHIP)
    cells = []
    for township in townships:
        for n in range(1, 4):
            cells.append(GridCell(code=f"{township.code}{n:03d}", name=f"{township.name}第{n}网格", township=township))
    GridCell.objects.bulk_create(cells, ignore_conflicts=True)
    ctx.log(f"网格：{GridCell.objects.filter(code__startswith=ctx.city_code).count()} 个")


@register_demo_step(1, "core.accounts")
def build_accounts(ctx: DemoContext) -> None:
    city = ctx.city_code
    demo_user(ctx, "admin", Role.PLATFORM_ADMIN, "平台管理员")
    demo_user(ctx, "kf_edu", Role.REGULATOR, "开封市教育局 王科长", scope=city, department=Department.EDUCATION)
    demo_user(
        ctx,
        "lt_edu",
        Role.REGULATOR,
        "龙亭区教育局 李敏",
        scope=PRIMARY_COUNTY,
        department=Department.EDUCATION,
    )
    demo_user(
        ctx,
        "lt_sports",
        Role.REGULATOR,
        "龙亭区体育局 张强",
        scope=PRIMARY_COUNTY,
        department=Department.SPORTS,
    )
    demo_user(
        ctx,
        "lt_culture",
        Role.REGULATOR,
        "龙亭区文旅局 赵丽",
        scope=PRIMARY_COUNTY,
        department=Department.CULTURE,
    )
    demo_user(
        ctx,
        "lt_science",
        Role.REGULATOR,
        "龙亭区科技局 孙伟",
        scope=PRIMARY_COUNTY,
        department=Department.SCIENCE,
    )
    demo_user(
        ctx,
        "lt_market",
        Role.REGULATOR,
        "龙亭区市场监管局 周杰",
        scope=PRIMARY_COUNTY,
        department=Department.MARKET_REGULATION,
    )
    demo_user(
        ctx,
        "xf_edu",
        Role.REGULATOR,
        "祥符区教育局 陈静",
        scope=SECOND_COUNTY,
        department=Department.EDUCATION,
    )
    demo_user(
        ctx,
        "lt_inspector",
        Role.INSPECTOR,
        "龙亭区执法队 刘洋",
        scope=PRIMARY_COUNTY,
        department=Department.EDUCATION,
    )
    cell = GridCell.objects.filter(code__startswith=PRIMARY_COUNTY).order_by("code").first()
    demo_user(ctx, "lt_grid", Role.GRID_OFFICER, "网格员 吴芳", scope=cell.code if cell else PRIMARY_COUNTY)
    demo_user(ctx, "lt_school", Role.SCHOOL_ADMIN, "龙亭区实验小学 郑校长", scope=PRIMARY_COUNTY)
    demo_user(ctx, "kf_bank", Role.BANK_OPERATOR, "示范银行开封分行 冯经理", scope=city)
    demo_user(ctx, "parent", Role.PARENT, "家长 何女士")
