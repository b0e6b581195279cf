"""Pages of supervision orders and measures. Every read goes through a selector, every write through a service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangjian.core.access import request_user
from shuangjian.core.permissions import can, permission_required
from shuangjian.enforcement.inspection_selectors import notices_for_user
from shuangjian.registry.selectors import institution_list_for_user

from . import orders
from .models import OrderStatus
from .order_forms import DecideForm, MeasureForm, OrderForm, ReplyForm

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _add_errors(form: object, exc: ValidationError) -> None:
    for m in exc.messages:
        form.add_error(None, m)  # type: ignore[attr-defined]


@login_required
@require_GET
@permission_required("oversight.view_orders")
def order_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = orders.orders_for_user(user)
    status = request.GET.get("status", "")
    if status == "overdue":
        qs = orders.overdue_orders_for_user(user)
    elif status in OrderStatus.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "oversight/orders.html",
        {
            "page": page,
            "status": status,
            "statuses": OrderStatus.choices,
            "measures": orders.measures_for_user(user)[:20],
            "can_issue": can(user, "oversight.issue_order"),
            "can_record": can(user, "oversight.record_measure"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("oversight.issue_order")
def order_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    counties = orders.counties_in_reach(user)
    form = OrderForm(request.POST or None, counties=counties)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        institution = notice = None
        if d["uscc"]:
            institution = institution_list_for_user(user=user).filter(uscc=d["uscc"].strip().upper()).first()
            if institution is None:
                form.add_error("uscc", _("辖区内没有这个统一社会信用代码的机构"))
        if d["notice_number"]:
            notice = notices_for_user(user).filter(number=d["notice_number"].strip()).first()
            if notice is None:
                form.add_error("notice_number", _("辖区内没有这个文号的整改通知书"))
        if not form.errors:
            try:
                order = orders.order_issue(
                    actor=user,
                    kind=d["kind"],
                    division_code=d["division_code"],
                    title=d["title"],
                    requirements=d["requirements"],
                    deadline=d["deadline"],
                    institution=institution,
                    notice=notice,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("督办单已下达：%(n)s") % {"n": order.number})
                return redirect("oversight:order_detail", pk=order.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "oversight/order_form.html", {"form": form}, status=status)


def _detail(request: HttpRequest, order: object, status: int = 200, reply: ReplyForm | None = None) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "oversight/order_detail.html",
        {
            "order": order,
            "actions": orders.actions_for(user, order),  # type: ignore[arg-type]
            "overdue": orders.is_overdue(order),  # type: ignore[arg-type]
            "reply_form": reply or ReplyForm(),
            "decide_form": DecideForm(),
        },
        status=status,
    )


@login_required
@require_GET
@permission_required("oversight.view_orders")
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, orders.order_for_user(request_user(request), pk))


@login_required
@require_POST
@permission_required("oversight.view_orders")
def order_reply(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    order = orders.order_for_user(user, pk)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            orders.order_reply(actor=user, order=order, text=form.cleaned_data["text"], file=form.cleaned_data["file"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("办理情况已报送"))
            return redirect("oversight:order_detail", pk=pk)
    return _detail(request, order, status=422, reply=form)


@login_required
@require_POST
@permission_required("oversight.view_orders")
def order_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    order = orders.order_for_user(user, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要办理的操作"))
        return _detail(request, order, status=422)
    try:
        orders.order_decide(actor=user, order=order, action=form.cleaned_data["action"], note=form.cleaned_data["note"])
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return _detail(request, order, status=422)
    messages.success(request, _("已办理"))
    return redirect("oversight:order_detail", pk=pk)


@login_required
@require_GET
@permission_required("oversight.view_orders")
def order_docx(request: HttpRequest, pk: int) -> HttpResponse:
    order = orders.order_for_user(request_user(request), pk)
    resp = HttpResponse(orders.order_docx(order), content_type=DOCX)
    resp["Content-Disposition"] = f'attachment; filename="order-{order.pk}.docx"'
    return resp


@login_required
@require_http_methods(["GET", "POST"])
@permission_required("oversight.record_measure")
def measure_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = MeasureForm(request.POST or None, counties=orders.counties_in_reach(user))
    if request.method == "POST" and form.is_valid():
        try:
            m = orders.measure_record(actor=user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已记录：%(n)s") % {"n": m.number})
            return redirect("oversight:measure_detail", pk=m.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "oversight/measure_form.html", {"form": form}, status=status)


@login_required
@require_GET
@permission_required("oversight.view_orders")
def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    m = orders.measure_for_user(request_user(request), pk)
    return render(request, "oversight/measure_detail.html", {"m": m})


@login_required
@require_GET
@permission_required("oversight.view_orders")
def measure_docx(request: HttpRequest, pk: int) -> HttpResponse:
    m = orders.measure_for_user(request_user(request), pk)
    resp = HttpResponse(orders.measure_docx(m), content_type=DOCX)
    resp["Content-Disposition"] = f'attachment; filename="measure-{m.pk}.docx"'
    return resp
