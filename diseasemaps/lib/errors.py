"""Error pages that need more than a template (the URLconf's handler400); the
500 and 503 pages live with the outage handling in outage.py."""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import requires_csrf_token


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400, or 413 when the body was larger than DATA_UPLOAD_MAX_MEMORY_SIZE.

    Django reports every refused request body as a 400 "Bad Request"; a
    member who pasted a very long text deserves to know what went wrong.
    """
    if isinstance(exception, RequestDataTooBig):
        return render(request, "413.html", status=413)
    return render(request, "400.html", status=400)
