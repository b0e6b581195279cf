from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .access import request_user
from .audit import action_label, action_labels, object_labels
from .audit_export import AUDIT_EXPORT, audit_filters, role_labels
from .export_views import start_and_redirect
from .forms import LoginForm, TokenForm
from .models import AuditEvent, User
from .nav import cards_for
from .pagination import CappedCountPaginator
from .permissions import permission_required
from .selectors import api_tokens_for_user, audit_events_for_user
from .tokens import api_token_issue, api_token_revoke


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    template_name = "registration/logged_out.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view: checks the old password, applies AUTH_PASSWORD_VALIDATORS, keeps this session signed in."""

    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("core:profile")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。"))
        return response


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": connection.vendor})


@login_required
@permission_required("core.use_account")
def dashboard(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    return render(request, "core/dashboard.html", {"cards": cards_for(user)})


_NEW_TOKEN_SESSION_KEY = "core.new_api_token_secret"


@login_required
@permission_required("core.use_account")
def profile(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = api_token_issue(actor=user, user=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"])
        # Post/redirect/get: reloading the page must not issue a second token. The secret rides in the session
        # to the next page view only, and is shown that once.
        request.session[_NEW_TOKEN_SESSION_KEY] = issued.secret
        return redirect("core:profile")
    new_secret = request.session.pop(_NEW_TOKEN_SESSION_KEY, None) if request.method == "GET" else None
    return render(
        request,
        "core/profile.html",
        {"form": form, "tokens": api_tokens_for_user(user=user), "new_secret": new_secret},
    )


@login_required
@require_POST
@permission_required("core.use_account")
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    token = get_object_or_404(api_tokens_for_user(user=user), pk=pk)
    api_token_revoke(actor=user, token=token)
    messages.success(request, _("令牌已吊销。"))
    return redirect("core:profile")


def _audit_events(request: HttpRequest, user: User) -> QuerySet[AuditEvent]:
    return audit_events_for_user(
        user=user,
        action=request.GET.get("action", "").strip(),
        object_type=request.GET.get("object_type", "").strip(),
        q=request.GET.get("q", "").strip(),
    ).select_related("actor")


@login_required
@permission_required("core.view_audit_log")
def audit_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    page = CappedCountPaginator(_audit_events(request, user), 50).get_page(request.GET.get("page"))
    roles = role_labels()
    objects = object_labels(page)
    for event in page:
        event.role_label = roles.get(event.role, event.role)
        event.action_label = action_label(event.action)
        event.object_label = objects.get((event.object_type, event.object_id), "")
    actions = sorted(action_labels().items(), key=lambda item: item[0])
    return render(request, "core/audit_list.html", {"page": page, "actions": actions})


@login_required
@permission_required("core.view_audit_log")
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered log as CSV, written by a background job (the start itself is audited); then the job's page."""
    return start_and_redirect(request, kind=AUDIT_EXPORT, params=audit_filters(request.GET))
