from django.http import HttpRequest

from .nav import items_for, menu_for


def navigation(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match is not None else ""
    return {"nav_items": items_for(request.user), "nav_menu": menu_for(request.user, current)}
