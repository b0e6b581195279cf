"""Navigation: each app registers what its roles may open; the layout shows only those entries."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.urls import NoReverseMatch, reverse
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


register(NavItem(_("工作台"), "dashboard", order=0))
register(NavItem(_("审计日志"), "core:audit_list", order=900, permission="core.view_audit_log"))
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
