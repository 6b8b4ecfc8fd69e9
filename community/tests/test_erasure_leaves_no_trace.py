"""Account deletion and consent withdrawal leave a member's words nowhere.

A member with unique markers in every place they can put text (published
post, pending post, waiting edit, report, pseudonym, email address) logs in,
is read about by anonymous visitors (so cached pages hold them), then deletes
their account (both choices) or withdraws consent through the real pages.
Afterwards the markers are searched for in a dump of the whole database (a
real `pg_dump` on PostgreSQL, SQLite's own dump otherwise) including
django-reversion's versions, in every session, in every page stored in the
cache, and in the sitemap, feed, search, experience list and other pages.

What "nowhere" means per choice:

- delete, posts removed: every marker is gone.
- delete, published posts kept: the published post's text stays online
  under "Former member" by the member's choice (and so in the database and
  page cache); everything else is gone: pseudonym, email, the post that was
  never published, the edit that waited for a moderator, the report's words.
- withdraw consent: every health marker is gone (posts, waiting edit); the
  login stays, so its email and pseudonym stay, and so do reports (they are
  about other people's posts, not the member's health).
"""

import json
import os
import shutil
import subprocess
import uuid

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.urls import reverse
from reversion.models import Revision, Version

from answers import feedback as answer_feedback
from answers.versions import cached_page_keys
from community import services
from community.models import Experience, Member
from community.tests.account_helpers import fresh_ip
from community.tests.helpers import share_published
from devdata.personas import (
    PASSWORD,
    draft,
    make_condition,
    make_member,
    make_personas,
    publish,
    report_figure,
)
from public.search import search


def database_dump() -> str:
    """Every committed row, as the database itself writes it out."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        pg_dump = shutil.which("pg_dump")
        assert pg_dump, "pg_dump is missing (apt-get install postgresql-client)"
        env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        result = subprocess.run(  # noqa: S603 - fixed arguments, our own test database
            [
                pg_dump,
                "--data-only",
                "--no-owner",
                "--host",
                settings.get("HOST") or "127.0.0.1",
                "--port",
                str(settings.get("PORT") or 5432),
                "--username",
                settings.get("USER") or "postgres",
                settings["NAME"],
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump())


def stored_pages() -> list[bytes]:
    """The raw bytes of every page in the page cache."""
    backend = caches["default"]._cache
    keys = cached_page_keys()
    if hasattr(backend, "get_client"):  # Redis
        client = backend.get_client(write=False)
        return [client.get(key) or b"" for key in keys]
    return [backend[key] for key in keys if key in backend]


def sessions_text() -> str:
    return json.dumps([s.get_decoded() for s in Session.objects.all()], default=str)


class Markers:
    def __init__(self) -> None:
        token = uuid.uuid4().hex
        self.kept = f"keptstory{token[:16]}"  # the published post
        self.pending = f"pendingstory{token[:16]}"  # post never published
        self.edit = f"waitingedit{token[:16]}"  # edit waiting for a moderator
        self.report = f"reportwords{token[:16]}"
        self.pseudonym = f"Pseud{token[:16]}"
        self.email = f"addr{token[:16]}@example.org"
        # A report on an answer, sent while logged in, with a reply address.
        self.feedback = f"feedbackwords{token[:16]}"
        self.reply_to = f"reply{token[:16]}@example.org"


def prepare(markers: Markers):
    people = type("People", (), {})()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    question = draft(people.writer, condition, slug="is-it-contagious")
    publish(question, writer=people.writer, reviewer=people.reviewer)
    user = make_member("victim", pseudonym=markers.pseudonym)
    user.email = markers.email
    user.save()
    user.emailaddress_set.update(email=markers.email)
    story = "A long day at the clinic again, and the tiredness after it."
    published = share_published(
        user,
        condition,
        question,
        moderator=people.moderator,
        body=f"{story} {markers.kept}",
    )
    services.edit_experience(
        user=user, experience=published, body=f"{story} {markers.edit}"
    )
    services.post_experience(
        user=user,
        condition=condition,
        question=None,
        relation="caregiver",
        body=f"{story} {markers.pending}",
        submission_key=uuid.uuid4(),
    )
    theirs = share_published(people.other_member, condition, moderator=people.moderator)
    services.report_experience(
        user=user, experience=theirs, reason=f"Dangerous advice {markers.report}"
    )
    answer_feedback.receive_feedback(
        user=user,
        question=question,
        kind="wrong",
        section="",
        text=f"The age is wrong {markers.feedback}",
        reply_to=markers.reply_to,
    )
    return condition, question


def public_urls(condition, question) -> list[str]:
    return [
        "/",
        "/conditions/",
        condition.get_absolute_url(),
        question.get_absolute_url(),
        reverse("community:experiences", args=[condition.slug]),
        reverse("community:experiences", args=[condition.slug])
        + f"?question={question.slug}",
        "/reviewers/rita/",
        "/sitemap.xml",
        "/feeds/answers/",
        "/robots.txt",
    ]


def read_anonymously(urls: list[str]) -> str:
    visitor = Client()
    pages = []
    for url in urls:
        response = visitor.get(url)
        assert response.status_code == 200, url
        pages.append(response.content.decode())
    return "\n".join(pages)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("choice", ["delete-remove", "delete-keep", "withdraw"])
def test_erasure_leaves_the_members_words_nowhere(choice):
    markers = Markers()
    condition, question = prepare(markers)
    member = Client(REMOTE_ADDR=fresh_ip())
    # A real login: allauth's messages, django-axes' access log, a session.
    member.post(reverse("account_login"), {"login": markers.email, "password": "no"})
    response = member.post(
        reverse("account_login"), {"login": markers.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    me = member.get(reverse("community:me")).content.decode()
    assert markers.pending in me
    urls = public_urls(condition, question)
    before = read_anonymously(urls)
    assert markers.kept in before
    assert markers.pseudonym in before
    cached_before = b"".join(stored_pages())
    assert markers.kept.encode() in cached_before

    if choice == "withdraw":
        response = member.post(
            reverse("community:withdraw_consent"),
            {"understood": "on", "password": PASSWORD},
        )
        assert response.status_code == 302
    else:
        response = member.post(
            reverse("community:delete_account"),
            {"posts": choice.split("-")[1], "password": PASSWORD},
        )
        assert "Your account is deleted" in response.content.decode()

    # Erasure removed every stored page, reachable or not.
    assert cached_page_keys() == []

    gone = [markers.pending, markers.edit]
    stays = []
    if choice == "withdraw":
        gone.append(markers.kept)
        # Reports on answers are not held under the health consent.
        stays += [markers.email, markers.pseudonym, markers.report]
        stays += [markers.feedback, markers.reply_to]
    else:
        gone += [markers.email, markers.pseudonym, markers.report]
        gone += [markers.feedback, markers.reply_to]
        (stays if choice == "delete-keep" else gone).append(markers.kept)

    dump = database_dump()
    after = read_anonymously(urls)
    cached_after = b"".join(stored_pages())
    versions = json.dumps(
        [
            list(Version.objects.values_list("serialized_data", "object_repr")),
            list(Revision.objects.values_list("comment", flat=True)),
        ]
    )
    places = {
        f"database dump ({connection.vendor})": dump,
        "django-reversion versions": versions,
        "sessions": sessions_text(),
        "public pages, sitemap and feed": after,
        "page cache": cached_after.decode(errors="replace"),
    }
    assert len(dump) > 10_000  # a real dump, with the content and personas in it
    for marker in gone:
        for place, text in places.items():
            assert marker not in text, f"{marker} left in {place}"
        assert search(marker).hits == []
    for marker in stays:
        assert marker in dump, f"{marker} should stay ({choice})"
    if choice == "delete-keep":
        assert markers.kept in after
        assert "Former member" in after
        assert Member.objects.filter(is_former=True).count() == 1
        assert Experience.objects.filter(author__is_former=True).count() == 1
    report_figure(
        f"erasure, {choice}",
        f"{len(gone)} markers absent from a {len(dump):,}-character "
        f"{connection.vendor} dump, {len(places) - 1} other places and search; "
        f"{len(stays)} kept by design",
    )
