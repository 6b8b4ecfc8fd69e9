"""The two pages `make bench` loads on plain Django (tools/bench/run.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Post

RECENT = 5


def trivial(request: HttpRequest) -> HttpResponse:
    """The same constant response as DiseaseMaps' /bench/trivial/."""
    return HttpResponse(b"ok\n", content_type="text/plain")


def post(request: HttpRequest, slug: str) -> HttpResponse:
    """A minimal Django page: one row and a short list, two queries."""
    shown = get_object_or_404(Post, slug=slug)
    recent = Post.objects.exclude(pk=shown.pk).only("title", "slug", "published")
    return render(request, "blog/post.html", {"post": shown, "recent": recent[:RECENT]})
