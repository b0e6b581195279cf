"""Navigation: each app registers what its roles may open; the layout shows only those entries."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.urls import NoReverseMatch, get_resolver, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import User
from .permissions import can


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    order: int = 100
    group: str | Promise = ""
    # The permission its page requires (core/permissions.py): the item shows exactly when the page would open.
    # Empty: every signed-in user.
    permission: str = ""


_REGISTRY: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _REGISTRY[item.url_name] = item


def items_for(user: User | AnonymousUser) -> list[dict[str, object]]:
    if not user.is_authenticated:
        return []
    assert isinstance(user, User)
    # Some apps register their items when their views module is imported, which loading the URLconf does: load it
    # before reading the registry, or the first menu of a fresh process would miss those pages.
    get_resolver().url_patterns  # noqa: B018
    visible: list[dict[str, object]] = []
    for item in sorted(_REGISTRY.values(), key=lambda i: (i.order, str(i.label))):
        if item.permission and not can(user, item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        visible.append({"label": item.label, "url": url, "url_name": item.url_name, "group": item.group})
    return visible


# The menu's groups, by the URL namespace of each page: one table, so a new page of an app lands in its app's group
# without anyone remembering to set it (an item's own ``group`` wins).
NAMESPACE_GROUPS: dict[str, str | Promise] = {
    "registry": _("机构与人员"),
    "staff": _("机构与人员"),
    "courses": _("课程与学员"),
    "students": _("课程与学员"),
    "funds": _("资金监管"),
    "enforcement": _("执法检查"),
    "competitions": _("执法检查"),
    "complaints": _("举报与网格"),
    "grid": _("举报与网格"),
    "schools": _("学校"),
    "oversight": _("督办评价"),
    "content": _("系统"),
}
# Up to this many pages the menu stays one flat bar (operators, parents, school heads); past it, it is grouped.
FLAT_MENU_MAX = 8


def _group_of(entry: dict[str, object]) -> str | Promise:
    item = _REGISTRY[str(entry["url_name"])]
    if item.group:
        return item.group
    return NAMESPACE_GROUPS.get(_namespace(entry), "")


def _namespace(page: dict[str, object]) -> str:
    name, colon, _view = str(page["url_name"]).partition(":")
    return name if colon else ""


_NAMESPACES = list(NAMESPACE_GROUPS)


def _app_rank(page: dict[str, object]) -> int:
    namespace = _namespace(page)
    return _NAMESPACES.index(namespace) if namespace in _NAMESPACES else len(_NAMESPACES)


def menu_for(user: User | AnonymousUser, current: str = "") -> list[dict[str, object]]:
    """The menu as the layout draws it: the pages of ``items_for``, grouped into dropdowns when there are many.

    Each entry is a page (``label``, ``url``, ``active``) or a group (``label``, ``children``, ``active``; not
    ``items``, which a template would read as the dict method); a group keeps the place of its first page, and a
    group of one page is shown as the page itself. ``current``: the view name of the page shown, to mark it and its
    group.
    """
    pages = [{**entry, "active": entry["url_name"] == current} for entry in items_for(user)]
    if len(pages) <= FLAT_MENU_MAX:
        return pages
    order: list[dict[str, object] | str] = []  # a page, or the key of a group at the place of its first page
    groups: dict[str, tuple[str | Promise, list[dict[str, object]]]] = {}
    for page in pages:
        label = _group_of(page)
        if not label:
            order.append(page)
            continue
        key = str(label)
        if key not in groups:
            groups[key] = (label, [])
            order.append(key)
        groups[key][1].append(page)
    menu: list[dict[str, object]] = []
    for slot in order:
        if isinstance(slot, dict):
            menu.append(slot)
            continue
        label, members = groups[slot]
        # Inside a group, pages follow the table's order of apps (the registry before its staff), then their own.
        members.sort(key=_app_rank)
        if len(members) == 1:
            menu.append(members[0])
        else:
            menu.append({"label": label, "children": members, "active": any(page["active"] for page in members)})
    return menu


register(NavItem(_("工作台"), "dashboard", order=0))
register(NavItem(_("审计日志"), "core:audit_list", order=900, group=_("系统"), permission="core.view_audit_log"))
register(NavItem(_("我的导出"), "core:export_list", order=990))
register(NavItem(_("个人设置"), "core:profile", order=1000))


@dataclass(frozen=True)
class Card:
    """A figure on a role's dashboard, e.g. ("在册机构", 312, "/registry/")."""

    title: str | Promise
    value: object
    url: str = ""
    note: str | Promise = ""


CardProvider = "Callable[[User], list[Card]]"
_CARD_PROVIDERS: list[object] = []


def register_cards(provider: object) -> object:
    """Decorator: an app adds figures to the dashboard; the provider sees the user and returns cards."""
    _CARD_PROVIDERS.append(provider)
    return provider


def cards_for(user: User) -> list[Card]:
    cards: list[Card] = []
    for provider in _CARD_PROVIDERS:
        cards.extend(provider(user))  # type: ignore[operator]
    return cards
