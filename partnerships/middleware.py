"""Request hygiene shared by every page and API route."""

from django.http import QueryDict


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
