"""The page `make bench` loads on stock Wagtail (tools/bench/run.py): the home
page that `wagtail start` made, given a rich-text body of about the size of a
DiseaseMaps answer and published, so that Wagtail's own serve view renders it."""

import json

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from home.models import HomePage

PARAGRAPH = (
    "<p>Most people with this condition notice the first signs in their "
    "twenties: tiredness that sleep does not mend, joints that ache after "
    "ordinary days, and a rash that comes and goes. A doctor usually asks for "
    '<a href="https://example.org/tests">blood tests</a> first, and the '
    "results decide what happens <b>next</b>.</p>"
)


class Command(BaseCommand):
    help = "Give the home page its bench body and publish it."

    def add_arguments(self, parser):
        parser.add_argument("--bytes", type=int, default=1600)

    def handle(self, *args, **options):
        page = HomePage.objects.get(slug="home", depth=2)
        paragraphs = []
        while sum(map(len, paragraphs)) < options["bytes"]:
            number = len(paragraphs) // 4 + 1
            if len(paragraphs) % 4 == 0:
                paragraphs.append(f"<h2>Part {number}</h2>")
            paragraphs.append(PARAGRAPH)
        body = "".join(paragraphs)
        if page.body != body or page.has_unpublished_changes:
            page.body = body
            page.save_revision().publish()
        # What the bench reads (last line): the page's queries and size in the
        # steady state (a second request), through Wagtail's serve view.
        client = Client(HTTP_HOST="127.0.0.1")
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/")
        if response.status_code != 200:
            raise SystemExit(f"/ answered {response.status_code}")
        facts = {
            "body_characters": len(body),
            "queries": {"wagtail_page": len(queries)},
            "bytes": {"wagtail_page": len(response.content)},
        }
        self.stdout.write(json.dumps(facts))
