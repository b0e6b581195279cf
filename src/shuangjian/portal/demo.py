"""Demo: the portal's content — notices, policies citing the seed documents, 双减 news, a bulletin, a draft,
an attachment — and the report hotline and email of the city and its two demo counties.

Written through the services (as the city's and counties' education regulators and the platform
administrator for the province), so the audit log holds every item as a regulator would have written it.
"""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from shuangjian.core import docx
from shuangjian.core.demo import DemoContext, register_demo_step
from shuangjian.core.demo_core import PRIMARY_COUNTY, SECOND_COUNTY
from shuangjian.core.models import Division, User
from shuangjian.registry.lists import today_local

from . import services
from .models import Article, ArticleKind, ReportContact

PROVINCE = "41"

# (author, division, kind, title, source, document number, days ago (None: a draft), body)
ITEMS: tuple[tuple[str, str, str, str, str, str, int | None, str], ...] = (
    (
        "admin",
        PROVINCE,
        ArticleKind.POLICY,
        "关于进一步减轻义务教育阶段学生作业负担和校外培训负担的意见",
        "中共中央办公厅 国务院办公厅",
        "",
        400,
        "<p>全面压减作业总量和时长，减轻学生过重作业负担；坚持从严治理，全面规范校外培训行为。</p>"
        "<h3>主要内容</h3><ul><li>学科类校外培训机构统一登记为非营利性机构；</li>"
        "<li>不得占用国家法定节假日、休息日及寒暑假期组织学科类培训；</li>"
        "<li>预收费须全部纳入监管。</li></ul>",
    ),
    (
        "admin",
        PROVINCE,
        ArticleKind.POLICY,
        "校外培训行政处罚暂行办法",
        "教育部",
        "",
        300,
        "<p>为规范校外培训行政处罚行为，保障和监督教育行政部门有效实施行政管理，制定本办法。</p>"
        "<p>违法所得的，没收违法所得，并处违法所得一倍以上五倍以下罚款。</p>",
    ),
    (
        "admin",
        PROVINCE,
        ArticleKind.POLICY,
        "教育部办公厅等四部门关于切实减轻中小学生课外负担开展校外培训机构专项治理工作行动的通知",
        "教育部办公厅等四部门",
        "",
        500,
        "<p>全面摸排校外培训机构，建立白名单、黑名单制度，对存在安全隐患、无证无照的机构依法整治。</p>",
    ),
    (
        "kf_edu",
        "4102",
        ArticleKind.POLICY,
        "关于严禁全市在职中小学教师参与或变相参与校外培训机构授课的通知",
        "市教育局",
        "",
        200,
        "<p>全市在职中小学教师一律不得到校外培训机构兼职授课，不得组织、推荐学生参加校外有偿补课。</p>"
        "<p>各校组织教师签订<strong>《严禁在职中小学教师参与或变相参与校外培训机构授课承诺书》</strong>。</p>",
    ),
    (
        "kf_edu",
        "4102",
        ArticleKind.NOTICE,
        "关于面向中小学生的全市性竞赛活动申报(备案)受理工作的公告",
        "市教育局",
        "",
        60,
        "<p>面向中小学生的全市性竞赛活动实行申报（备案）制，只有经审核公布、编号的竞赛活动方可举办。</p>"
        "<p>申报材料见附件。</p>",
    ),
    (
        "kf_edu",
        "4102",
        ArticleKind.NOTICE,
        "关于公布本年度校外培训机构白名单和黑名单的公告",
        "市教育局",
        "",
        20,
        "<p>根据年度检查和日常监管结果，现公布本年度校外培训机构白名单和黑名单。"
        "家长可在本平台“机构查询”中查询机构资质。</p>",
    ),
    (
        "lt_edu",
        PRIMARY_COUNTY,
        ArticleKind.NOTICE,
        "致家长朋友们的温馨提醒",
        "龙亭区教育局",
        "",
        10,
        "<p>报名前请查一查机构是否取得办学许可证、是否在白名单中；缴费请通过监管账户，"
        "一次性收费不得超过 3 个月或 60 课时。</p><p>发现违规培训，请拨打举报电话或在线举报。</p>",
    ),
    (
        "xf_edu",
        SECOND_COUNTY,
        ArticleKind.NOTICE,
        "祥符区关于开展校外培训机构年度检查工作的通知",
        "祥符区教育局",
        "",
        30,
        "<p>各校外培训机构按要求提交年检材料，逾期未参加年检的，依法处理。</p>",
    ),
    (
        "kf_edu",
        "4102",
        ArticleKind.NEWS,
        "市教育局联合多部门开展校外培训联合检查",
        "市教育局",
        "",
        15,
        "<p>市教育局会同市场监管、公安、消防等部门，对城区校外培训机构开展联合检查，"
        "重点检查办学资质、收费、消防安全和从业人员资质。</p>",
    ),
    (
        "lt_edu",
        PRIMARY_COUNTY,
        ArticleKind.NEWS,
        "龙亭区课后服务实现学校和有需求学生全覆盖",
        "龙亭区教育局",
        "",
        5,
        "<p>龙亭区推行课后服务“5+2”模式，覆盖全部义务教育学校和有需求的学生。</p>",
    ),
    (
        "kf_edu",
        "4102",
        ArticleKind.NEWS,
        "预收费资金“应托管、尽托管”",
        "市教育局",
        "",
        3,
        "<p>全市校外培训机构预收费全部纳入银行托管或风险保证金监管。</p>",
    ),
    (
        "kf_edu",
        "4102",
        ArticleKind.BULLETIN,
        "双减工作简报 第1期",
        "市双减工作专班",
        "",
        7,
        "<p>本期内容：联合检查、举报办理、白名单发布。详细数据由监管工作按期汇总。</p>",
    ),
    (
        "lt_edu",
        PRIMARY_COUNTY,
        ArticleKind.NEWS,
        "龙亭区寒假校外培训专项检查安排（草稿）",
        "龙亭区教育局",
        "",
        None,
        "<p>草稿：尚未发布，公众不可见。</p>",
    ),
)

CONTACTS = (
    ("4102", "0371-12345（转双减办）", "jubao@kaifeng-edu.example", "工作日 8:30-12:00，14:30-17:30"),
    (PRIMARY_COUNTY, "0371-2356 0000", "ltjubao@kaifeng-edu.example", "工作日 9:00-17:00"),
    (SECOND_COUNTY, "0371-2396 0000", "xfjubao@kaifeng-edu.example", "工作日 9:00-17:00"),
)


def _attachment() -> SimpleUploadedFile:
    doc = docx.official_document()
    docx.add_title(doc, "全市性竞赛活动申报（备案）表")
    docx.add_paragraphs(doc, ["竞赛名称：", "主办单位：", "面向学段：", "是否收费：否"])
    data = docx.to_bytes(doc)
    return SimpleUploadedFile(
        "竞赛活动申报表.docx",
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@register_demo_step(95, "portal.content")
def demo_portal_content(ctx: DemoContext) -> None:
    if Article.objects.exists():
        ctx.log("门户内容：已有，跳过")
        return
    users = {u.username: u for u in User.objects.filter(username__in={i[0] for i in ITEMS})}
    known = set(Division.objects.filter(code__in={i[1] for i in ITEMS}).values_list("code", flat=True))
    today = today_local()
    made = 0
    for author, division, kind, title, source, number, days_ago, body in ITEMS:
        actor = users.get(author)
        if actor is None or division not in known:
            continue
        article = services.article_create(
            actor=actor,
            kind=kind,
            title=title,
            body=body,
            source=source,
            document_number=number,
            published_on=None if days_ago is None else today - datetime.timedelta(days=days_ago),
            division_code=division if actor.is_platform_admin else None,
        )
        if "申报(备案)" in title:
            services.attachment_add(actor=actor, article=article, file=_attachment())
        if days_ago is not None:
            services.article_publish(actor=actor, article=article)
        made += 1
    contacts = 0
    for division, hotline, email, hours in CONTACTS:
        editor = next((u for u in users.values() if u.scope_code == division), None) or users.get("admin")
        if editor is None or ReportContact.objects.filter(division_code=division).exists():
            continue
        services.contact_save(actor=editor, division_code=division, hotline=hotline, email=email, hours=hours)
        contacts += 1
    ctx.log(f"门户内容：{made} 篇（含 1 篇草稿），举报电话和邮箱 {contacts} 个区划")
