"""The site's URLs plus /bench/trivial/: a constant response through the full
middleware stack, what one request costs before any page does any work.
`make bench` compares every page with it (tools/bench/settings.py)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from diseasemaps.urls import handler400, handler500, urlpatterns

__all__ = ["handler400", "handler500", "urlpatterns"]


def trivial(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial, name="bench_trivial"), *urlpatterns]
