"""What search engines and feed readers see: sitemap, robots.txt, the answers
feed and the corrections feed.

All of it reads `published()` querysets only, like the pages themselves. The
sitemap lists exactly the pages that may be indexed (each names itself as
canonical and carries no noindex); robots.txt blocks none of the pages that
say noindex, or crawlers would never read it.
"""

import re
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.syndication.views import Feed
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from answers.models import AnswerRevision, Condition, Question, Reviewer
from community.models import Experience


class SiteSitemap(Sitemap):
    """Addresses on SITE_URL, the pages' canonical host, whichever host the
    sitemap was requested on."""

    def get_urls(self, page=1, site=None, protocol=None):
        public = urlsplit(settings.SITE_URL)
        site = SimpleNamespace(domain=public.netloc)
        return super().get_urls(page=page, site=site, protocol=public.scheme)


class PagesSitemap(SiteSitemap):
    """The site's own pages: home, the A–Z, the editorial policy and the
    corrections list."""

    changefreq = "weekly"
    priority = 0.5

    def items(self) -> list[str]:
        return [
            "public:home",
            "public:condition_index",
            "public:editorial_policy",
            "public:corrections",
        ]

    def location(self, name: str) -> str:
        return reverse(name)


class AnswerSitemap(SiteSitemap):
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


class ConditionSitemap(SiteSitemap):
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


class ReviewerSitemap(SiteSitemap):
    changefreq = "yearly"
    priority = 0.3

    def items(self):
        # Reviewers who stand behind a live answer (as their page lists them)
        # or a condition's live facts (public.views.reviewer_detail); the
        # others' pages say noindex.
        answers = Question.objects.published().filter(
            Q(last_review__reviewer=OuterRef("pk"))
            | Q(live_revision__reviewer=OuterRef("pk"))
        )
        facts = Condition.objects.published().filter(
            last_review__reviewer=OuterRef("pk"), live_revision__isnull=False
        )
        return Reviewer.objects.filter(Exists(answers) | Exists(facts)).order_by("pk")

    def lastmod(self, reviewer: Reviewer):
        return reviewer.updated_at


class ExperiencesSitemap(SiteSitemap):
    """Experiences pages where someone has shared (the others say noindex)."""

    changefreq = "weekly"
    priority = 0.4

    def items(self):
        shared = Experience.objects.published().filter(condition=OuterRef("pk"))
        return (
            Condition.objects.published()
            .filter(Exists(shared))
            .annotate(
                shared=Subquery(
                    shared.order_by("-published_at").values("published_at")[:1]
                )
            )
            .only("slug", "public_slug")
            .order_by("pk")
        )

    def location(self, condition: Condition) -> str:
        return reverse("community:experiences", args=[condition.public_slug])

    def lastmod(self, condition: Condition):
        return condition.shared


SITEMAPS = {
    "pages": PagesSitemap,
    "answers": AnswerSitemap,
    "conditions": ConditionSitemap,
    "reviewers": ReviewerSitemap,
    "experiences": ExperiencesSitemap,
}


def robots_txt(request: HttpRequest) -> HttpResponse:
    # Only what has no noindex of its own: search results, account and admin
    # pages, feedback forms and previews say noindex (a meta tag or the
    # X-Robots-Tag header), and a crawler kept out by a Disallow never reads
    # it, so a link from elsewhere could still get them listed. /me/ only
    # redirects an anonymous crawler to the (noindex) login page.
    lines = [
        "User-agent: *",
        "Disallow: /me/",
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
