"""A redaction leaves the original text nowhere but where the author decides
(issue 18: "redaction leaves no original text in public pages, exports or
page caches").

A member's published post names a hospital (a unique canary) and readers,
anonymous and logged in, read every public page so that the page cache and
the stored pages hold it. A moderator redacts it through the admin. From
that moment the canary is in no public page (anonymous or member), stored
page, page cache, search result, feed or sitemap, moderation record, mail,
or the author's own data export: only the author's own page shows it, to
compare. Once the redaction completes (the author accepts it through /me/,
rewrites it, or lets it expire), the canary is also gone from a dump of the
whole database, django-reversion's history and the sessions; the author's
page no longer shows it either.

The places and their reading are those of test_erasure_leaves_no_trace.
"""

import json
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision, Version

from answers.models import StoredPage
from community import services
from community.models import ExperienceStatus, ModerationEvent
from community.tests.helpers import STORY, share_published
from community.tests.test_erasure_leaves_no_trace import (
    database_dump,
    public_urls,
    read_anonymously,
    sessions_text,
    stored_pages,
)
from devdata.personas import (
    Client,
    draft,
    make_condition,
    make_member,
    make_personas,
    publish,
    report_figure,
)
from outbox.models import OutboundEmail
from public.search import search


def read_as(client: Client, urls: list[str]) -> str:
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append(response.content.decode())
    return "\n".join(pages)


def mail_text() -> str:
    queued = OutboundEmail.objects.values_list("subject", "body")
    sent = [(m.subject, m.body) for m in mail.outbox]
    return json.dumps([*queued, *sent])


def reversion_text() -> str:
    return json.dumps(
        [
            list(Version.objects.values_list("serialized_data", "object_repr")),
            list(Revision.objects.values_list("comment", flat=True)),
        ]
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("ending", ["accept", "edit", "expire"])
def test_redaction_leaves_the_original_nowhere(ending):
    people = type("People", (), {})()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    question = draft(people.writer, condition, slug="is-it-contagious")
    publish(question, writer=people.writer, reviewer=people.reviewer)
    condition.refresh_from_db()
    question.refresh_from_db()
    canary = f"Hospitalcanary{uuid.uuid4().hex[:12]}"
    author = make_member("author", pseudonym="Author_A")
    post = share_published(
        author,
        condition,
        question,
        moderator=people.moderator,
        body=f"{STORY} They treat me at {canary} every month.",
    )
    urls = public_urls(condition, question)
    reader = Client()
    reader.force_login(people.other_member)
    before = read_anonymously(urls) + read_as(reader, urls)
    assert canary in before
    assert canary.encode() in b"".join(stored_pages())

    # The moderator redacts it through the admin.
    moderator = Client()
    moderator.force_login(people.moderator)
    post.refresh_from_db()
    response = moderator.post(
        reverse("admin:community_experience_redact", args=[post.pk]),
        {
            "body": f"{STORY} They treat me at the hospital every month.",
            "reason": "It named your hospital.",
            "seen": post.text_fingerprint,
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == ExperienceStatus.REDACTED

    owner = Client()
    owner.force_login(author)
    export = owner_export(author)
    while_waiting = {
        "public pages, sitemap and feed (anonymous)": read_anonymously(urls),
        "public pages (a member)": read_as(reader, urls),
        "page cache": b"".join(stored_pages()).decode(errors="replace"),
        "stored pages": json.dumps(list(StoredPage.objects.values_list("html"))),
        "moderation records": json.dumps(
            list(ModerationEvent.objects.values_list("reason", flat=True))
        ),
        "mail": mail_text(),
        "the author's export": export,
        "django-reversion versions": reversion_text(),
    }
    for place, text in while_waiting.items():
        assert canary not in text, f"{canary} in {place} while the author decides"
    assert search(canary).hits == []
    assert "the hospital every month" in export
    # Only the author sees their words, to compare.
    assert canary in owner.get(reverse("community:me")).content.decode()

    if ending == "accept":
        response = owner.post(
            reverse("community:accept_redaction", args=[post.pk]),
            {"seen": post.text_fingerprint},
        )
        assert response.status_code == 302
    elif ending == "edit":
        response = owner.post(
            reverse("community:edit", args=[post.pk]),
            {"body": f"{STORY} I go to a clinic every month now."},
        )
        assert response.status_code == 302
    else:
        later = timezone.now() + services.KEEP_ORIGINAL_FOR + timedelta(minutes=1)
        assert services.erase_unanswered_originals(at=later) == 1
    post.refresh_from_db()
    expected = {
        "accept": ExperienceStatus.PUBLISHED,
        "edit": ExperienceStatus.PENDING,
        "expire": ExperienceStatus.REDACTED,
    }[ending]
    assert post.status == expected
    assert post.redaction_original == ""

    dump = database_dump()
    assert len(dump) > 10_000
    after = {
        f"database dump ({connection.vendor})": dump,
        "public pages, sitemap and feed (anonymous)": read_anonymously(urls),
        "public pages (a member)": read_as(reader, urls),
        "page cache": b"".join(stored_pages()).decode(errors="replace"),
        "mail": mail_text(),
        "the author's export": owner_export(author),
        "the author's page": owner.get(reverse("community:me")).content.decode(),
        "django-reversion versions": reversion_text(),
        "sessions": sessions_text(),
    }
    for place, text in after.items():
        assert canary not in text, f"{canary} left in {place} after {ending}"
    assert search(canary).hits == []
    if ending == "accept":
        assert "the hospital every month" in after["public pages (a member)"]
    report_figure(
        f"redaction, {ending}",
        f"canary absent from {len(while_waiting)} places while the author "
        f"decided and from {len(after)} places (a {len(dump):,}-character "
        f"{connection.vendor} dump among them) and search after",
    )


def owner_export(user) -> str:
    return json.dumps(services.export_member_data(user=user), ensure_ascii=False)
