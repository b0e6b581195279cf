"""Pages of the schools app: the school administrator's in-service roster upload with its result and history."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shuangjian.core.access import request_user
from shuangjian.core.excel import FileProblem
from shuangjian.core.permissions import permission_required

from . import selectors, services
from .forms import RosterUploadForm


@login_required
@permission_required("schools.upload_rosters")
def roster_upload(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    school = selectors.school_for_admin(user)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    result = None
    row_errors = []
    status = 200
    if request.method == "POST":
        school = selectors.require_school(user)
        if form.is_valid():
            try:
                result = services.roster_upload(actor=user, school=school, file=form.cleaned_data["file"])
            except services.RosterRowsInvalid as exc:
                row_errors = exc.errors
                status = 422
            except FileProblem as exc:
                form.add_error("file", exc.messages[0])
                status = 422
            except ValidationError as exc:
                form.add_error("file", exc.messages[0])
                status = 422
        else:
            status = 422
    history = Paginator(selectors.rosters_for_user(user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "schools/roster_upload.html",
        {
            "school": school,
            "form": form,
            "result": result,
            "row_errors": row_errors,
            "page": history,
            "headers": services.roster_headers(),
        },
        status=status,
    )


@login_required
@permission_required("schools.upload_rosters")
def roster_template(request: HttpRequest) -> FileResponse:
    request_user(request)
    return FileResponse(services.roster_template(), as_attachment=True, filename=_("在职教师名单模板.xlsx"))
