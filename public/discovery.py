"""What search engines and feed readers see: sitemap, robots.txt, the answers
feed and the corrections feed.

All of it reads `published()` querysets only, like the pages themselves.
"""

import re

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.db.models import Max, Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from answers.models import AnswerRevision, Condition, Question, Reviewer


class AnswerSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return (
            Question.objects.published()
            .select_related("condition", "live_revision")
            .order_by("pk")
        )

    def lastmod(self, question: Question):
        return question.live_revision.content_updated_at


class ConditionSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return (
            Condition.objects.published()
            .annotate(
                answers_updated=Max(
                    "questions__live_revision__content_updated_at",
                    filter=Q(questions__live_revision__isnull=False),
                ),
            )
            .select_related("live_revision")
            .order_by("pk")
        )

    def lastmod(self, condition: Condition):
        facts = condition.live_revision
        if facts is None:
            return condition.answers_updated
        return max(condition.answers_updated, facts.content_updated_at)


class ReviewerSitemap(Sitemap):
    changefreq = "yearly"
    priority = 0.3

    def items(self):
        # Reviewers who stand behind at least one live answer.
        return (
            Reviewer.objects.filter(Q(revisions__question__live_revision__isnull=False))
            .distinct()
            .order_by("pk")
        )

    def lastmod(self, reviewer: Reviewer):
        return reviewer.updated_at


SITEMAPS = {
    "answers": AnswerSitemap,
    "conditions": ConditionSitemap,
    "reviewers": ReviewerSitemap,
}


def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /me/",
        "Disallow: /accounts/",
        "Disallow: /search/",
        "Disallow: /preview/",
        "",
        f"Sitemap: {settings.SITE_URL}{reverse('public:sitemap')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


# Characters XML 1.0 cannot carry at all: the feed writer raises on them, and
# one approved answer with, say, a pasted escape character would take the
# whole feed down.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


class NewAnswersFeed(Feed):
    """Answers as they are approved: new ones and updated wording."""

    feed_type = Atom1Feed
    title = "DiseaseMaps: newly reviewed answers"
    subtitle = "Answers approved by a named clinician, newest first."
    description = subtitle

    def link(self) -> str:
        return reverse("public:home")

    def items(self):
        return (
            Question.objects.published()
            .select_related("condition", "live_revision")
            .order_by("-live_revision__approved_at")[:30]
        )

    def item_title(self, question: Question) -> str:
        return xml_text(
            f"{question.live_revision.question_text} ({question.condition.public_name})"
        )

    def item_description(self, question: Question) -> str:
        return xml_text(question.live_revision.short_answer)

    def item_link(self, question: Question) -> str:
        return question.get_absolute_url()

    def item_pubdate(self, question: Question):
        return question.live_revision.approved_at

    def item_updateddate(self, question: Question):
        return question.live_revision.content_updated_at

    def item_author_name(self, question: Question) -> str:
        return xml_text(question.live_revision.reviewer_byline)


class CorrectionsFeed(Feed):
    """Every approved change to a published answer, with the writer's
    one-line summary, as /about/corrections/ lists them."""

    feed_type = Atom1Feed
    title = "DiseaseMaps: corrections and updates"
    subtitle = "Changes to reviewed answers, newest first, as a reviewer approved them."
    description = subtitle

    def link(self) -> str:
        return reverse("public:corrections")

    def items(self):
        return (
            AnswerRevision.objects.filter(
                content_changed=True,
                number__gt=1,
                question__live_revision__isnull=False,
            )
            .select_related("question__condition", "question__live_revision")
            .order_by("-approved_at", "-pk")[:50]
        )

    def item_title(self, revision: AnswerRevision) -> str:
        live = revision.question.live_revision
        return xml_text(
            f"{live.question_text} ({revision.question.condition.public_name})"
        )

    def item_description(self, revision: AnswerRevision) -> str:
        return xml_text(revision.change_summary or "Updated the answer.")

    def item_link(self, revision: AnswerRevision) -> str:
        return revision.question.get_absolute_url()

    def item_guid(self, revision: AnswerRevision) -> str:
        # One entry per approved change, though they share the page's link.
        return (
            f"{settings.SITE_URL}{revision.question.get_absolute_url()}"
            f"#revision-{revision.number}"
        )

    item_guid_is_permalink = False

    def item_pubdate(self, revision: AnswerRevision):
        return revision.approved_at

    def item_author_name(self, revision: AnswerRevision) -> str:
        return xml_text(revision.reviewer_byline)
