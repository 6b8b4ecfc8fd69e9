"""The posts `make bench` reads (tools/bench/run.py): made once, kept."""

import json
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from blog.models import Post

POSTS = 20
PARAGRAPH = (
    "Mornings are the hardest part of the week, so I plan the day the evening "
    "before: what has to happen, what can wait, and who to ask when it cannot. "
    "Writing it down turned out to matter more than any single change of routine."
)


class Command(BaseCommand):
    help = "Create the bench's blog posts, if they are not there yet."

    def handle(self, *args, **options):
        start = datetime(2026, 1, 1, 9, tzinfo=UTC)
        for number in range(1, POSTS + 1):
            Post.objects.get_or_create(
                slug=f"post-{number}",
                defaults={
                    "title": f"What helped in month {number} with the diagnosis",
                    "summary": "Small changes to the daily routine, one at a time, "
                    "and what each of them was worth.",
                    "body": "\n\n".join([PARAGRAPH] * 9),
                    "published": start + timedelta(days=7 * number),
                },
            )
        # What the bench reads (last line): the pages, their queries and size
        # in the steady state (a second request), through the whole stack.
        paths = [
            f"/posts/{slug}/" for slug in Post.objects.values_list("slug", flat=True)
        ]
        facts = {"paths": paths, "queries": {}, "bytes": {}}
        client = Client(HTTP_HOST="127.0.0.1")
        for name, path in (
            ("plain_trivial", "/bench/trivial/"),
            ("plain_page", paths[0]),
        ):
            client.get(path)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            facts["queries"][name] = len(queries)
            facts["bytes"][name] = len(response.content)
        self.stdout.write(json.dumps(facts))
