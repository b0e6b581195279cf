from django.http import HttpRequest

from .nav import items_for


def navigation(request: HttpRequest) -> dict[str, object]:
    return {"nav_items": items_for(request.user)}
