"""The project's URLs plus one view whose database connection dies under it,
for test_database_outage.py."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from diseasemaps.urls import handler500, urlpatterns  # noqa: F401

calls: list[str] = []


@csrf_exempt
def dies_once(request: HttpRequest) -> HttpResponse:
    """The first call loses its connection the way a restart or a proxy would:
    the server ends the session under a running request."""
    calls.append(request.method)
    with connection.cursor() as cursor:
        if len(calls) == 1:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        cursor.execute("SELECT 1")
    return HttpResponse("read twice is fine")


urlpatterns = [*urlpatterns, path("test/dies-once/", dies_once)]
