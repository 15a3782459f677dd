"""Request hygiene shared by every page and API route."""

from django.http import QueryDict

from .localtime import zone_active


class StripNulMiddleware:
    """Drop NUL characters from the query string's values. PostgreSQL refuses them in text parameters, so
    one `%00` in a search or filter box would turn into a 500 wherever a view reads `request.GET` itself
    (forms and serializers already refuse them with a message); no name or reference contains one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", ""):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)


class LocalTimeMiddleware:
    """Pages read and show times in the reader's zone: their organisation's département's (a
    prefecture, a landlord, a force unit), Paris's for platform admins and anonymous visitors. A
    fiche's own times are shown in its département's zone whatever this one (partnerships/localtime.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with zone_active(getattr(request, "user", None)):
            return self.get_response(request)
