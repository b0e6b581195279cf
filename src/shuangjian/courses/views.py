"""Pages: operators keep courses, class groups and sessions; regulators review materials, prices, violations.

Views parse, call a service or selector, render. A refused write re-renders the form with every violation
(message and basis) and nothing saved.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from shuangjian.core.access import operator_institution, request_user
from shuangjian.core.models import Division, User
from shuangjian.core.pagination import CappedCountPaginator
from shuangjian.core.permissions import can, permission_required
from shuangjian.core.rules import RuleViolationError, Violation
from shuangjian.core.uploads import kind_for_name

from . import rules, selectors, services
from .forms import (
    ClassGroupForm,
    CourseForm,
    GuidancePriceForm,
    MaterialForm,
    MaterialReviewForm,
    SessionForm,
    WeeklyForm,
)
from .models import FilingStatus

COURSE_LIST_COUNT_CAP = 1000


def _latest_end_label(online: bool) -> str:
    latest = rules.ONLINE_LIVE_LATEST_END if online else rules.OFFLINE_LATEST_END
    if online:
        return _("线上培训晚于 %(time)s 结束") % {"time": latest.strftime("%H:%M")}
    return _("线下培训晚于 %(time)s 结束") % {"time": latest.strftime("%H:%M")}


def _too_long_label() -> str:
    return _("线上课时超过 %(n)s 分钟") % {"n": rules.ONLINE_MAX_LESSON_MINUTES}


def _break_label() -> str:
    return _("线上课程间隔不足 %(n)s 分钟") % {"n": rules.ONLINE_MIN_BREAK_MINUTES}


# Labels quote the numbers of rules.py, formatted when shown (lazily, in the reader's language).
RULE_LABELS = {
    "session.offline_ends_late": lazy(lambda: _latest_end_label(False), str)(),
    "session.online_ends_late": lazy(lambda: _latest_end_label(True), str)(),
    "session.online_too_long": lazy(_too_long_label, str)(),
    "session.online_break_too_short": lazy(_break_label, str)(),
    "session.subject_on_weekend": gettext_lazy("学科类休息日培训"),
    "session.subject_on_holiday": gettext_lazy("学科类法定节假日培训"),
    "session.subject_in_vacation": gettext_lazy("学科类寒暑假培训"),
    "course.price_above_ceiling": gettext_lazy("超过政府指导价上限"),
    "course.subject_not_licensed": gettext_lazy("学科超出许可范围"),
    "course.field_not_licensed": gettext_lazy("领域超出许可范围"),
    "course.institution_not_active": gettext_lazy("机构非正常办学"),
    "course.online_lesson_too_long": lazy(_too_long_label, str)(),
    "class_group.capacity_over_site": gettext_lazy("班额超过场地容量"),
    "class_group.capacity_over_tier": gettext_lazy("班额超出价格档次"),
    "class_group.site_required": gettext_lazy("线下班级未指定教学点"),
    "class_group.enrolled_over_capacity": gettext_lazy("报名人数超过班额"),
}


# What the operator is asked to do about a scan finding, by the kind of record it concerns.
ADVICE = {
    "session": gettext_lazy("请修改或取消该课次，使其符合规定；调整后，下次扫描不再发现即自动消除。"),
    "course": gettext_lazy("请修改课程信息（如每课时价格、时长）或停售该课程；调整后，下次扫描不再发现即自动消除。"),
    "class_group": gettext_lazy("请调整班额或教学点；调整后，下次扫描不再发现即自动消除。"),
}


def _acts_on_violations(user: User) -> bool:
    return can(user, "courses.handle_violations")


def _record_violations(user: User, object_type: str, object_id: int) -> list[Any]:
    return _with_advice(selectors.open_violations_on(user, object_type, [object_id]).get(object_id, []))


def _with_advice(records: list[Any]) -> list[Any]:
    for record in records:
        record.advice = ADVICE.get(record.object_type, "")
    return records


def _operator(request: HttpRequest) -> User:
    user = request_user(request)
    if operator_institution(user) is None:
        raise Http404
    return user


def _refusal(exc: ValidationError) -> list[Violation]:
    if isinstance(exc, RuleViolationError):
        return exc.violations
    return [Violation("validation_error", str(m), "") for m in exc.messages]


# --- courses ---


@login_required
@permission_required("courses.view_courses")
def course_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    qs = selectors.courses_for_user(user, q=request.GET.get("q", "").strip())
    # Past 1,000 courses the pager says "more than N pages" (core.pagination): an exact count of a city's courses
    # grew with the register on every view.
    page = CappedCountPaginator(qs, 30, cap=COURSE_LIST_COUNT_CAP).get_page(request.GET.get("page"))
    return render(
        request, "courses/course_list.html", {"page": page, "is_operator": can(user, "courses.manage_courses")}
    )


@login_required
@permission_required("courses.manage_courses")
def course_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _operator(request)
    course = selectors.course_for_user(user, pk) if pk else None
    initial = CourseForm.initial_for(course) if course else None
    form = CourseForm(request.POST or None, initial=initial)
    violations: list[Violation] = []
    if request.method == "POST" and form.is_valid():
        try:
            if course is None:
                course = services.course_create(actor=user, data=form.to_data())
            else:
                course = services.course_update(actor=user, course=course, data=form.to_data(course.external_id))
        except ValidationError as exc:
            violations = _refusal(exc)
        else:
            messages.success(request, _("课程已保存。"))
            return redirect("courses:course_detail", pk=course.pk)
    return render(
        request,
        "courses/form.html",
        {"form": form, "violations": violations, "title": _("编辑课程") if course else _("新建课程")},
    )


@login_required
@permission_required("courses.view_courses")
def material_download(request: HttpRequest, pk: int) -> FileResponse:
    """The filed file, to its institution's operator and regulators in scope, always as a download.

    Served by this view (not MEDIA_URL) so the scope holds in production; ``attachment`` and ``nosniff``
    keep a browser from rendering whatever the bytes are in the platform's origin.
    """
    material = selectors.material_for_user(request_user(request), pk)
    if not material.file:
        raise Http404
    kind = kind_for_name(material.file.name)
    ext = material.file.name.rsplit(".", 1)[-1].lower() if "." in material.file.name else "bin"
    try:
        handle = material.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"{material.title}.{ext}",
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@permission_required("courses.view_courses")
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    course = selectors.course_for_user(user, pk)
    is_operator = can(user, "courses.manage_courses")
    form = MaterialForm(request.POST or None, request.FILES or None) if is_operator else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.material_file(
                actor=user, course=course, title=form.cleaned_data["title"], file=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("材料已提交备案，等待审核。"))
            return redirect("courses:course_detail", pk=course.pk)
    return render(
        request,
        "courses/course_detail.html",
        {
            "course": course,
            "materials": course.materials.order_by("-uploaded_at"),
            "record_violations": _record_violations(user, "course", course.pk),
            "is_regulator": _acts_on_violations(user),
            "groups": course.class_groups.select_related("site").order_by("name"),
            "form": form,
            "is_operator": is_operator,
        },
    )


# --- class groups and sessions ---


@login_required
@permission_required("courses.view_courses")
def class_group_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = Paginator(selectors.class_groups_for_user(user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "courses/class_group_list.html",
        {"page": page, "is_operator": can(user, "courses.manage_courses")},
    )


@login_required
@permission_required("courses.manage_courses")
def class_group_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _operator(request)
    institution = selectors.operator_institution_or_none(user)
    assert institution is not None
    group = selectors.class_group_for_user(user, pk) if pk else None
    form = ClassGroupForm(
        request.POST or None,
        institution=institution,
        initial=ClassGroupForm.initial_for(group) if group else {"course": request.GET.get("course")},
    )
    violations: list[Violation] = []
    if request.method == "POST" and form.is_valid():
        try:
            if group is None:
                group = services.class_group_create(actor=user, data=form.to_data())
            else:
                group = services.class_group_update(actor=user, group=group, data=form.to_data(group.external_id))
        except ValidationError as exc:
            violations = _refusal(exc)
        else:
            messages.success(request, _("班级已保存。"))
            return redirect("courses:class_group_detail", pk=group.pk)
    return render(
        request,
        "courses/form.html",
        {"form": form, "violations": violations, "title": _("编辑班级") if group else _("新建班级")},
    )


@login_required
@permission_required("courses.view_courses")
def class_group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    group = selectors.class_group_for_user(user, pk)
    is_operator = can(user, "courses.manage_courses")
    session_form = SessionForm(prefix="s")
    weekly_form = WeeklyForm(prefix="w")
    violations: list[Violation] = []
    if request.method == "POST":
        if not is_operator:
            raise Http404
        try:
            if "s-date" in request.POST:
                session_form = SessionForm(request.POST, prefix="s")
                if session_form.is_valid():
                    start, end = session_form.span()
                    services.session_create(actor=user, class_group=group, starts_at=start, ends_at=end)
                    messages.success(request, _("课次已添加。"))
                    return redirect("courses:class_group_detail", pk=group.pk)
            else:
                weekly_form = WeeklyForm(request.POST, prefix="w")
                if weekly_form.is_valid():
                    created = services.sessions_generate_weekly(
                        actor=user, class_group=group, pattern=weekly_form.pattern()
                    )
                    messages.success(
                        request,
                        ngettext("已生成 %(n)s 个课次。", "已生成 %(n)s 个课次。", len(created)) % {"n": len(created)},
                    )
                    return redirect("courses:class_group_detail", pk=group.pk)
        except ValidationError as exc:
            violations = _refusal(exc)
    page = Paginator(selectors.sessions_for_user(user, class_group=group), 50).get_page(request.GET.get("page"))
    flagged = selectors.open_violations_on(user, "session", [s.pk for s in page])
    for s in page:
        s.open_violations = flagged.get(s.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "courses/class_group_detail.html",
        {
            "group": group,
            "page": page,
            "record_violations": _record_violations(user, "class_group", group.pk)
            + _with_advice([v for s in page for v in flagged.get(s.pk, [])]),
            "is_regulator": _acts_on_violations(user),
            "session_form": session_form,
            "weekly_form": weekly_form,
            "violations": violations,
            "is_operator": is_operator,
        },
    )


@login_required
@permission_required("courses.manage_courses")
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _operator(request)
    session = selectors.session_for_user(user, pk)
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    form = SessionForm(
        request.POST or None, initial={"date": start.date(), "start_time": start.time(), "end_time": end.time()}
    )
    violations: list[Violation] = []
    if request.method == "POST" and form.is_valid():
        new_start, new_end = form.span()
        try:
            services.session_update(actor=user, session=session, starts_at=new_start, ends_at=new_end)
        except ValidationError as exc:
            violations = _refusal(exc)
        else:
            messages.success(request, _("课次已修改。"))
            return redirect("courses:class_group_detail", pk=session.class_group_id)
    return render(request, "courses/form.html", {"form": form, "violations": violations, "title": _("修改课次")})


@login_required
@require_POST
@permission_required("courses.manage_courses")
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _operator(request)
    session = selectors.session_for_user(user, pk)
    services.session_cancel(actor=user, session=session)
    messages.success(request, _("课次已取消。"))
    return redirect("courses:class_group_detail", pk=session.class_group_id)


# --- regulators ---


@login_required
@permission_required("courses.review_materials")
def material_queue(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    status = request.GET.get("status", FilingStatus.PENDING)
    qs = selectors.materials_queue_for_user(user, status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request, "courses/material_queue.html", {"page": page, "status": status, "statuses": FilingStatus.choices}
    )


@login_required
@require_POST
@permission_required("courses.review_materials")
def material_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    material = selectors.material_for_regulator(user, pk)
    form = MaterialReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择审核结果。"))
        return redirect("courses:material_queue")
    try:
        services.material_review(
            actor=user,
            material=material,
            approve=form.cleaned_data["decision"] == "approve",
            comment=form.cleaned_data["comment"],
        )
    except ValidationError as exc:
        for v in _refusal(exc):
            messages.error(request, v.message)
    else:
        messages.success(request, _("审核结果已保存。"))
    return redirect("courses:material_queue")


@login_required
@permission_required("courses.handle_violations")
def violation_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    code = request.GET.get("code", "").strip()
    county = request.GET.get("county", "").strip()
    everything = selectors.violations_for_user(user)
    counts = selectors.violation_counts(everything)
    by_county: dict[str, dict[str, Any]] = {}
    for row in counts:
        entry = by_county.setdefault(str(row["division_code"]), {"total": 0, "rules": []})
        entry["total"] += row["n"]
        entry["rules"].append(
            {"code": row["code"], "label": RULE_LABELS.get(str(row["code"]), row["code"]), "n": row["n"]}
        )
    names = dict(Division.objects.filter(code__in=list(by_county)).values_list("code", "name"))
    page = Paginator(selectors.violations_for_user(user, code=code, county=county), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "courses/violation_list.html",
        {
            "by_county": [{"code": c, "name": names.get(c, c), **data} for c, data in sorted(by_county.items())],
            "page": page,
            "code": code,
            "county": county,
            "labels": RULE_LABELS,
        },
    )


@login_required
@permission_required("courses.handle_violations")
def violation_open(request: HttpRequest, pk: int) -> HttpResponse:
    """The page of the record a violation is about (session → its class group)."""
    user = request_user(request)
    record = selectors.violations_for_user(user, include_resolved=True).filter(pk=pk).first()
    if record is None:
        raise Http404
    if record.object_type == "course":
        return redirect("courses:course_detail", pk=record.object_id)
    if record.object_type == "class_group":
        return redirect("courses:class_group_detail", pk=record.object_id)
    session = selectors.session_for_user(user, record.object_id)
    return redirect(f"{reverse('courses:class_group_detail', args=[session.class_group_id])}#session-{session.pk}")


@login_required
@require_POST
@permission_required("courses.handle_violations")
def violation_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """A regulator notifies the institution about a record, or closes it with a reason; back to the record's page."""
    user = request_user(request)
    record = selectors.violation_for_regulator(user, pk)
    text = request.POST.get("text", "")
    try:
        if action == "notify":
            services.violation_notify(actor=user, record=record, notice=text)
            messages.success(request, _("已通知机构整改。"))
        elif action == "close":
            services.violation_close(actor=user, record=record, reason=text)
            messages.success(request, _("违规记录已办结。"))
        else:
            raise Http404
    except ValidationError as exc:
        for v in _refusal(exc):
            messages.error(request, v.message)
    return redirect("courses:violation_open", pk=record.pk)


@login_required
@require_POST
@permission_required("courses.handle_violations")
def violation_scan_start(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    job = services.violation_scan_start(actor=user)
    if getattr(request, "htmx", False):
        return render(request, "courses/_scan_job.html", {"job": job})
    return redirect("courses:violation_list")


@login_required
@permission_required("courses.handle_violations")
def violation_scan_job(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    job = selectors.scan_job_for_user(user, pk)
    return render(request, "courses/_scan_job.html", {"job": job})


@login_required
@permission_required("courses.view_guidance_prices")
def guidance_prices(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = GuidancePriceForm(
        request.POST or None,
        initial={"division_code": user.scope_code[:4]},
        scope="" if user.is_platform_admin else user.scope_code,
    )
    violations: list[Violation] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.guidance_price_set(
                actor=user,
                division_code=d["division_code"],
                class_size_tier=d["class_size_tier"],
                price_format=d["price_format"],
                benchmark_fen=d["benchmark"],
                effective_from=d["effective_from"],
                document_no=d["document_no"],
            )
        except ValidationError as exc:
            violations = _refusal(exc)
        else:
            messages.success(request, _("政府指导价已保存。"))
            return redirect("courses:guidance_prices")
    rows = selectors.guidance_prices_for_user(user).order_by(
        "division_code", "class_size_tier", "format", "-effective_from"
    )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    numbers = {
        "offline": rules.standard_lesson_minutes("offline"),
        "online": rules.standard_lesson_minutes("online"),
        "float": rules.price_ceiling_percent() - 100,
    }
    return render(
        request,
        "courses/guidance_prices.html",
        {
            "form": form,
            "page": page,
            "violations": violations,
            "numbers": numbers,
            "can_set": can(user, "courses.set_guidance_price"),
        },
    )
