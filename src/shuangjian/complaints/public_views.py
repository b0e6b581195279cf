"""Public report pages (no account needed): file a report, follow it by tracking code, rate or dispute the
answer, and the public statistics. Nothing private is shown: no phone, no account, no staff names."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shuangjian.core.middleware import client_ip
from shuangjian.core.models import User
from shuangjian.registry.models import Institution

from . import intake, selectors, services, tasks
from .forms import ReportForm
from .models import Report, ReportPhoto, ReportStatus
from .rules import tracking_code_normalise

View = Callable[..., HttpResponseBase]


def _too_many(request: HttpRequest, retry: int) -> HttpResponse:
    response = render(request, "complaints/public/429.html", {"retry_after": retry}, status=429)
    response["Retry-After"] = str(retry)
    return response


def _counties() -> list[tuple[str, str]]:
    return services.county_choices(str(getattr(settings, "COMPLAINTS_CITY_CODE", "")))


def _institution(uscc: str) -> Institution | None:
    code = (uscc or "").strip().upper()
    return Institution.objects.filter(uscc=code).first() if code else None


@require_http_methods(["GET", "POST"])
def report_form(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, counties=_counties())
    challenge = intake.challenge_needed(request)
    challenge_error = ""
    if request.method == "POST":
        retry = intake.intake_rate_check(request)
        if retry is not None:
            return _too_many(request, retry)
        if challenge and not intake.challenge_ok(
            request.POST.get("challenge_token", ""), request.POST.get("challenge", "")
        ):
            challenge_error = _("请正确回答验证问题。")
        elif form.is_valid():
            d = form.cleaned_data
            uscc = d["institution_uscc"].strip()
            institution = _institution(uscc)
            if uscc and institution is None:
                form.add_error("institution_uscc", _("没有找到这个统一社会信用代码的机构，可不填代码，只写名称。"))
            else:
                data = services.ReportInput(
                    category=d["category"],
                    description=d["description"],
                    address=d["address"],
                    division_code=d["division_code"],
                    institution=institution,
                    institution_name=d["institution_name"],
                    phone=d["phone"],
                )
                user = request.user if isinstance(request.user, User) else None
                try:
                    report = services.report_submit(
                        actor=user, data=data, uploads=request.FILES.getlist("photos"), ip=client_ip(request)
                    )
                except ValidationError as exc:
                    for field, errors in exc.message_dict.items():
                        for error in errors:
                            form.add_error(field if field in form.fields else None, error)
                else:
                    intake.report_filed(request)
                    request.session["complaints_new_code"] = report.code
                    return redirect("complaints_public:track", code=report.code)
    question, token = intake.challenge_new() if challenge else ("", "")
    return render(
        request,
        "complaints/public/form.html",
        {
            "form": form,
            "challenge": question,
            "challenge_token": token,
            "challenge_error": challenge_error,
            "max_photos": int(getattr(settings, "COMPLAINTS_MAX_PHOTOS", 9)),
            "map_tiles": str(getattr(settings, "COMPLAINTS_MAP_TILES_URL", "")),
        },
    )


@require_GET
def track_lookup(request: HttpRequest) -> HttpResponse:
    retry = intake.read_rate_check(request)
    if retry is not None:
        return _too_many(request, retry)
    text = request.GET.get("code", "")
    if not text:
        return render(request, "complaints/public/lookup.html", {})
    code = tracking_code_normalise(text)
    if code is None or not Report.objects.filter(code=code).exists():
        return render(
            request,
            "complaints/public/lookup.html",
            {"error": _("查询码不正确，请核对后重新输入。"), "code": text},
            status=404,
        )
    return redirect("complaints_public:track", code=code)


@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    retry = intake.read_rate_check(request)
    if retry is not None:
        return _too_many(request, retry)
    report = selectors.report_by_code(code)
    just_filed = request.session.pop("complaints_new_code", None) == report.code
    return render(
        request,
        "complaints/public/track.html",
        {"p": selectors.public_report(report), "just_filed": just_filed, "photos": report.photos.all()},
    )


@require_GET
def track_photo(request: HttpRequest, code: str, photo_pk: int) -> FileResponse:
    report = selectors.report_by_code(code)
    photo = get_object_or_404(ReportPhoto, report=report, pk=photo_pk)
    return FileResponse(photo.image.open("rb"), content_type="image/jpeg")


@require_POST
def track_rate(request: HttpRequest, code: str) -> HttpResponse:
    report = selectors.report_by_code(code)
    try:
        rating = int(request.POST.get("rating", "0") or 0)
    except ValueError:
        rating = 0
    try:
        services.report_rate(report=report, rating=rating, comment=request.POST.get("comment", ""))
        messages.success(request, _("感谢您的评价。"))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("complaints_public:track", code=report.code)


@require_POST
def track_dispute(request: HttpRequest, code: str) -> HttpResponse:
    report = selectors.report_by_code(code)
    try:
        services.report_dispute(report=report, reason=request.POST.get("reason", ""))
        messages.success(request, _("异议已提交，举报将由市级重新办理。"))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    return redirect("complaints_public:track", code=report.code)


@require_GET
def public_statistics(request: HttpRequest) -> HttpResponse:
    """The figures of every report, read from their last background computation (never the reports themselves):
    stamped "统计截至", at most COMPLAINTS_PUBLIC_STATS_SECONDS old plus one computation while a worker runs (beat,
    and a visit finding them older asks for a new one). Before the first computation the page says it is counting
    and reloads itself."""
    current = selectors.public_statistics()
    max_age = services.public_statistics_seconds()
    if current is None or (timezone.now() - current.computed_at).total_seconds() > max_age:
        tasks.public_statistics_request()
    context: dict[str, object] = {"s": None, "max_minutes": max(1, max_age // 60)}
    if current is not None:
        context.update(s=current.figures, chart=current.figures.chart(), computed_at=current.computed_at)
    return render(request, "complaints/public/statistics.html", context)


def closed_status(status: str) -> bool:
    return status in (ReportStatus.CLOSED, ReportStatus.REFUSED, ReportStatus.MERGED)


def track_url(code: str) -> str:
    return reverse("complaints_public:track", kwargs={"code": code})
