"""What the portal's home page links to: one entry per public service, in order.

Entries of other apps (reports, the exposure board, competitions) are named by URL; an entry whose URL does not
resolve yet is shown as a slot ("即将开通"), so wiring a new service is one line here: its ``url_name``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Entry:
    key: str
    title: str | Promise
    description: str | Promise
    url_name: str


ENTRIES: tuple[Entry, ...] = (
    Entry("search", _("机构查询"), _("有证吗？受监管吗？报名前查一查"), "portal:search"),
    Entry("whitelist", _("白名单"), _("合规机构名单"), "portal:whitelist"),
    Entry("blacklist", _("黑名单"), _("失信、违规机构名单"), "portal:blacklist"),
    # Slots: the complaints, enforcement and competitions apps name their pages here when they land.
    Entry("report", _("我要举报"), _("随手拍、在线举报违规培训"), "complaints_public:form"),
    Entry("track", _("举报查询"), _("凭查询码查看办理进度"), "complaints_public:lookup"),
    Entry("exposure", _("违规曝光台"), _("典型案例和处罚公开"), "enforcement:exposure"),
    Entry("competitions", _("竞赛名单"), _("经审核公布的竞赛活动"), "portal:competitions"),
    Entry("statistics", _("举报统计"), _("举报办理情况公开"), "complaints_public:statistics"),
)


@dataclass(frozen=True)
class Link:
    key: str
    title: str
    description: str
    url: str  # empty: not open yet


def entry_links() -> list[Link]:
    links = []
    for entry in ENTRIES:
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            url = ""
        links.append(Link(entry.key, str(entry.title), str(entry.description), url))
    return links
