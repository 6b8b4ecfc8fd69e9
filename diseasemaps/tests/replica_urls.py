"""Views that report where the router sends reads, for the routing tests. They
run behind the project's real middleware and touch no database themselves."""

from django.contrib.sessions.models import Session
from django.db import OperationalError, router
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from answers.models import PublicVersion, Question
from diseasemaps.lib.replicas import PRIMARY

calls: list[str] = []


@csrf_exempt
def reads(request: HttpRequest) -> HttpResponse:
    return HttpResponse(router.db_for_read(Question))


def write_then_read(request: HttpRequest) -> HttpResponse:
    before = router.db_for_read(Question)
    router.db_for_write(Question)
    return HttpResponse(f"{before} {router.db_for_read(Question)}")


def page_cache_reads(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        f"{router.db_for_read(PublicVersion)} {router.db_for_read(Question)} "
        f"{router.db_for_read(Session)}"
    )


def replica_dies(request: HttpRequest) -> HttpResponse:
    alias = router.db_for_read(Question)
    calls.append(alias)
    if alias != PRIMARY:
        raise OperationalError("server closed the connection unexpectedly")
    return HttpResponse(alias)


def primary_dies(request: HttpRequest) -> HttpResponse:
    calls.append(router.db_for_read(Question))
    raise OperationalError("the primary is gone too")


urlpatterns = [
    path("reads/", reads),
    path("write-then-read/", write_then_read),
    path("page-cache-reads/", page_cache_reads),
    path("replica-dies/", replica_dies),
    path("primary-dies/", primary_dies),
]
