"""Reads of funds data for a person, already restricted to what they may see (out of scope → 404)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from shuangjian.core.models import Role, User
from shuangjian.core.scope import scope_q
from shuangjian.students.models import Enrolment

from .models import Bank, CustodyAccount, PaymentOrder, RiskDeposit


def _own_enrolments_q(user: User, prefix: str = "") -> Q | None:
    """Enrolments a parent or institution operator owns; None when the role owns none."""
    if user.role == Role.PARENT:
        return Q(**{f"{prefix}student__guardianships__parent": user})
    if user.role == Role.INSTITUTION_OPERATOR:
        operated = getattr(user, "operated", None)
        if operated is None:
            return None
        return Q(**{f"{prefix}institution_id": operated.institution_id})
    return None


def enrolment_payable_for_user(user: User, enrolment_id: int) -> Enrolment:
    """The enrolment a parent (guardian) or its institution's operator may create a charge for; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    if user.is_platform_admin:
        q: Q | None = Q()
    else:
        q = _own_enrolments_q(user)
    if q is None:
        raise Http404
    enrolment = Enrolment.objects.filter(q, pk=enrolment_id).select_related("institution").distinct().first()
    if enrolment is None:
        raise Http404
    return enrolment


def orders_for_user(user: User) -> QuerySet[PaymentOrder]:
    """Orders the user may see: their own (parent, institution), or by jurisdiction (staff)."""
    qs = PaymentOrder.objects.select_related("bank", "enrolment")
    if not user.is_authenticated:
        return qs.none()
    own = _own_enrolments_q(user, prefix="enrolment__")
    if own is not None:
        return qs.filter(own).distinct()
    if user.role in (Role.PARENT, Role.INSTITUTION_OPERATOR):
        return qs.none()
    scope = scope_q(user)
    return qs.none() if scope is None else qs.filter(scope)


def order_get_for_user(user: User, order_no: str) -> PaymentOrder:
    order = orders_for_user(user).filter(order_no=order_no[:40]).first()
    if order is None:
        raise Http404
    return order


def banks_for_user(user: User) -> QuerySet[Bank]:
    """Banks are city-wide reference data: staff and platform admins see them all."""
    if not user.is_authenticated or user.role in (Role.PARENT, Role.INSTITUTION_OPERATOR):
        return Bank.objects.none()
    return Bank.objects.order_by("code")


def custody_accounts_for_user(user: User) -> QuerySet[CustodyAccount]:
    qs = CustodyAccount.objects.select_related("institution", "bank").order_by("division_code", "institution__name")
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.INSTITUTION_OPERATOR:
        operated = getattr(user, "operated", None)
        return qs.filter(institution_id=operated.institution_id) if operated else qs.none()
    if user.role == Role.PARENT:
        return qs.none()
    scope = scope_q(user)
    return qs.none() if scope is None else qs.filter(scope)


def risk_deposits_for_user(user: User) -> QuerySet[RiskDeposit]:
    qs = RiskDeposit.objects.select_related("institution", "bank").order_by("-deposited_on", "-id")
    if not user.is_authenticated or user.role in (Role.PARENT, Role.INSTITUTION_OPERATOR):
        return qs.none()
    scope = scope_q(user)
    return qs.none() if scope is None else qs.filter(scope)
