# ruff: noqa: E501 - the pinned HTML keeps its lines as the pages print them
"""The HTML of a fresh answer page's and condition page's hot parts, pinned
character for character: the question lists, the community block and the
medical review box. These are the parts rendered from precomputed strings and
trimmed queries for speed (README, "Performance"); a change that altered what
readers see there, even by a space, fails here, as the pages were rendered
before that work."""

from datetime import UTC, datetime

from django.core.cache import cache

from answers.models import PublicVersion, TerminologySource
from community.models import Experience
from community.tests.helpers import share_published
from devdata.personas import (
    PersonasTestCase,
    add_code,
    add_facts,
    draft,
    edit,
    make_poems,
    publish,
)

AT = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)

# As the pages were rendered before their queries and lists were made
# faster; "experience-{Name}" stands for the id of Name's post.
ANSWER_REVIEW_BOX = (
    '<section class="review-box" aria-label="Medical review">\n'
    '    <p class="mb-2">Reviewed by <a href="/reviewers/rita/" class="reviewer-link">Dr Rita Osei, MBChB, FRCP (Haematology)</a> '
    'on <time datetime="2026-03-02">2026-03-02</time></p>\n'
    '    <dl class="review-dates mb-0">\n'
    '      <div><dt>Last reviewed</dt><dd id="last-reviewed">2026-03-02</dd></div>\n'
    '      <div><dt>Last updated</dt><dd id="last-updated">2026-03-02</dd></div>\n'
    '      <div><dt>Next review due</dt><dd id="next-review">2027-03-02</dd></div>\n'
    "    </dl>\n"
    "    \n"
    "  "
)
ANSWER_COMMUNITY_AND_OTHERS = (
    '<section class="community" aria-labelledby="community-heading">\n'
    '  <h2 id="community-heading">Experiences from the community</h2>\n'
    "  \n"
    '  <p id="question-sharers">'
    '<a href="/conditions/poems-syndrome/experiences/?question=is-it-contagious">1 person with POEMS syndrome has shared their first-person experience on this question</a>.</p>\n'
    "  \n"
    "  \n"
    "  \n"
    "\n"
    "\n"
    "  \n"
    "    \n"
    '<article class="experience" id="experience-{SunnyMina}" aria-labelledby="experience-{SunnyMina}-by">\n'
    "  \n"
    "\n"
    "\n"
    '  <p class="experience-label small mb-1">Personal experience, not medical advice</p>\n'
    '  <h3 class="h6 mb-1" id="experience-{SunnyMina}-by">SunnyMina\n'
    '    <span class="text-body-secondary fw-normal">· i live with it</span></h3>\n'
    '  <p class="small text-body-secondary mb-2">\n'
    '    <time datetime="2026-03-02">2026-03-02</time>\n'
    "    \n"
    "  </p>\n"
    '  <div class="experience-body">'
    "<p>I was diagnosed two years ago after a long search. The tingling in my feet came first, and the tiredness later.</p>\n"
    "</div>\n"
    "  \n"
    "</article>\n"
    "\n"
    "  \n"
    "  <p>"
    '<a class="btn btn-primary" href="/conditions/poems-syndrome/experiences/share/?question=is-it-contagious">Share yours</a>'
    "</p>\n"
    "</section>\n"
    "\n"
    "\n"
    "\n"
    '<section aria-labelledby="others-heading" class="others">\n'
    '  <h2 id="others-heading">More questions about POEMS syndrome</h2>\n'
    "  \n"
    "\n"
    '  <section class="topic" aria-labelledby="topic-1-others">\n'
    '    <h3 id="topic-1-others" class="h6">Treatment</h3>\n'
    '    <ul class="list-unstyled question-list">\n'
    "      \n"
    "        <li>\n"
    '          <a href="/conditions/poems-syndrome/how-is-it-treated/">How is POEMS syndrome treated?</a>\n'
    "          \n"
    '          <small class="text-body-secondary">Reviewed <time datetime="2026-03-02">2026-03-02</time>'
    "</small>\n"
    "        </li>\n"
    "      \n"
    "    </ul>\n"
    "  </section>\n"
    "\n"
    "\n"
    "</section>\n"
    "\n"
    "\n"
)
CONDITION_QUESTIONS = (
    '<section aria-labelledby="questions-heading" class="mt-4">\n'
    '  <h2 id="questions-heading">2 questions answered</h2>\n'
    "  \n"
    "\n"
    '  <section class="topic" aria-labelledby="topic-1">\n'
    '    <h3 id="topic-1" class="h5">Causes</h3>\n'
    '    <ul class="list-unstyled question-list">\n'
    "      \n"
    "        <li>\n"
    '          <a href="/conditions/poems-syndrome/is-it-contagious/">Is POEMS syndrome contagious?</a>\n'
    '          <p class="mb-1">No. You cannot catch it from someone &amp; it is not &lt;spread&gt;.</p>\n'
    '          <small class="text-body-secondary">Reviewed <time datetime="2026-03-02">2026-03-02</time>'
    "</small>\n"
    "        </li>\n"
    "      \n"
    "    </ul>\n"
    "  </section>\n"
    "\n"
    '  <section class="topic" aria-labelledby="topic-2">\n'
    '    <h3 id="topic-2" class="h5">Treatment</h3>\n'
    '    <ul class="list-unstyled question-list">\n'
    "      \n"
    "        <li>\n"
    '          <a href="/conditions/poems-syndrome/how-is-it-treated/">How is POEMS syndrome treated?</a>\n'
    '          <p class="mb-1">No. This condition is not an infection, so you cannot catch it from someone or pass it on. It starts inside the body.</p>\n'
    '          <small class="text-body-secondary">Reviewed <time datetime="2026-03-02">2026-03-02</time>'
    "</small>\n"
    "        </li>\n"
    "      \n"
    "    </ul>\n"
    "  </section>\n"
    "\n"
    "\n"
    "</section>\n"
    "\n"
    "\n"
    "\n"
    "\n"
)
CONDITION_COMMUNITY = (
    '<section class="community" aria-labelledby="community-heading">\n'
    '  <h2 id="community-heading">Experiences from the community</h2>\n'
    "  \n"
    '  <p id="condition-sharers">'
    '<a href="/conditions/poems-syndrome/experiences/">2 people with POEMS syndrome share their experiences here</a>.</p>\n'
    "  \n"
    "  \n"
    "  \n"
    "\n"
    "\n"
    "  \n"
    "    \n"
    '<article class="experience" id="experience-{Omar_R}" aria-labelledby="experience-{Omar_R}-by">\n'
    "  \n"
    "\n"
    "\n"
    '  <p class="experience-label small mb-1">Personal experience, not medical advice</p>\n'
    '  <h3 class="h6 mb-1" id="experience-{Omar_R}-by">Omar_R\n'
    '    <span class="text-body-secondary fw-normal">· i live with it</span></h3>\n'
    '  <p class="small text-body-secondary mb-2">\n'
    '    <time datetime="2026-03-02">2026-03-02</time>\n'
    "    \n"
    "  </p>\n"
    '  <div class="experience-body">'
    "<p>I was diagnosed two years ago after a long search. The tingling in my feet came first, and the tiredness later.</p>\n"
    "</div>\n"
    "  \n"
    "</article>\n"
    "\n"
    "  \n"
    "    \n"
    '<article class="experience" id="experience-{SunnyMina}" aria-labelledby="experience-{SunnyMina}-by">\n'
    "  \n"
    "\n"
    "\n"
    '  <p class="experience-label small mb-1">Personal experience, not medical advice</p>\n'
    '  <h3 class="h6 mb-1" id="experience-{SunnyMina}-by">SunnyMina\n'
    '    <span class="text-body-secondary fw-normal">· i live with it</span></h3>\n'
    '  <p class="small text-body-secondary mb-2">\n'
    '    <time datetime="2026-03-02">2026-03-02</time>\n'
    '     · on <a href="/conditions/poems-syndrome/is-it-contagious/">Is POEMS syndrome contagious?</a>\n'
    "  </p>\n"
    '  <div class="experience-body">'
    "<p>I was diagnosed two years ago after a long search. The tingling in my feet came first, and the tiredness later.</p>\n"
    "</div>\n"
    "  \n"
    "</article>\n"
    "\n"
    "  \n"
    "  <p>"
    '<a class="btn btn-primary" href="/conditions/poems-syndrome/experiences/share/">Share yours</a>'
    "</p>\n"
    "</section>\n"
    "\n"
    "\n"
    "\n"
)


class RenderedHtmlPinnedTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        PublicVersion.objects.get_or_create(pk=1)
        cls.condition = make_poems()
        cls.question = draft(
            cls.writer,
            cls.condition,
            slug="is-it-contagious",
            text="Is POEMS syndrome contagious?",
            short_answer="No. You cannot catch it from someone & it is not <spread>.",
            topic="causes",
            at=AT,
        )
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer, at=AT)
        cls.sibling = draft(
            cls.writer,
            cls.condition,
            slug="how-is-it-treated",
            text="How is POEMS syndrome treated?",
            topic="treatment",
            at=AT,
        )
        publish(cls.sibling, writer=cls.writer, reviewer=cls.reviewer, at=AT)
        share_published(
            cls.member, cls.condition, cls.question, moderator=cls.moderator
        )
        share_published(cls.other_member, cls.condition, moderator=cls.moderator)
        Experience.objects.update(published_at=AT)

    def setUp(self) -> None:
        cache.clear()

    def part(self, url: str, start: str, end: str) -> str:
        """From `start` up to `end` in the page at `url`, each post's id given
        as its author's name."""
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        begin = html.index(start)
        text = html[begin : html.index(end, begin)]
        for post in Experience.objects.select_related("author"):
            text = text.replace(
                f"experience-{post.pk}", f"experience-{{{post.author.pseudonym}}}"
            )
        return text

    def test_the_answer_pages_review_box_is_as_it_was(self):
        part = self.part(
            self.question.get_absolute_url(),
            '<section class="review-box"',
            "</section>",
        )
        self.assertEqual(part, ANSWER_REVIEW_BOX)

    def test_the_answer_pages_community_block_and_other_questions_are_as_they_were(
        self,
    ):
        part = self.part(
            self.question.get_absolute_url(),
            '<section class="community"',
            '<aside class="disclaimer"',
        )
        self.assertEqual(part, ANSWER_COMMUNITY_AND_OTHERS)

    def test_the_condition_pages_questions_are_as_they_were(self):
        part = self.part(
            self.condition.get_absolute_url(),
            '<section aria-labelledby="questions-heading"',
            '<section class="community"',
        )
        self.assertEqual(part, CONDITION_QUESTIONS)

    def test_the_condition_pages_community_block_is_as_it_was(self):
        part = self.part(
            self.condition.get_absolute_url(),
            '<section class="community"',
            '<section class="member-map"',
        )
        self.assertEqual(part, CONDITION_COMMUNITY)


# The answer page's trail, corrections and condition facts, and the condition
# page's facts, as the templates printed them before they were rendered in
# Python (public/templatetags/fragments.py).
FACTS_PARTS: dict[str, str] = {
    "answer trail": (
        '<nav aria-label="Breadcrumb">\n'
        '  <ol class="breadcrumb small">\n'
        "    \n"
        '      <li class="breadcrumb-item"><a href="/">Home</a></li>\n'
        "    \n"
        '      <li class="breadcrumb-item"><a href="/conditions/">Conditions</a></li>\n'
        "    \n"
        '      <li class="breadcrumb-item"><a href="/conditions/poems-syndrome/">POEMS syndrome</a></li>\n'
        "    \n"
        '      <li class="breadcrumb-item active" aria-current="page">Is POEMS syndrome &lt;contagious&gt; &amp; catching?</li>\n'
        "      \n"
        "    \n"
        "  </ol>\n"
        "</nav>"
    ),
    "answer corrections": (
        '<section aria-labelledby="corrections-heading" class="corrections">\n'
        '  <h2 id="corrections-heading" class="h5">Corrections and updates</h2>\n'
        '  <ul class="corrections-list small">\n'
        "    \n"
        '      <li><time datetime="2026-04-07">2026-04-07</time>: Updated the answer.</li>\n'
        "    \n"
        '      <li><time datetime="2026-03-02">2026-03-02</time>: First published.</li>\n'
        "    \n"
        "  </ul>\n"
        '  <p class="small text-body-secondary mb-0"><a href="/about/corrections/">All corrections and updates</a> · <a href="/about/editorial-policy/#feedback">How we handle reports</a></p>\n'
        "</section>"
    ),
    "answer facts": (
        '<section aria-labelledby="about-heading" class="about-condition">\n'
        '    <h2 id="about-heading" class="h5">About POEMS syndrome</h2>\n'
        '    <dl class="facts small">\n'
        '      <div><dt>Short name</dt><dd><span class="alternate-name">POEMS</span> (Polyneuropathy, Organomegaly, Endocrinopathy, Monoclonal plasma cell disorder, Skin changes)</dd></div>\n'
        '      <div><dt>Also known as</dt><dd><span class="alternate-name">Crow–Fukase syndrome</span>, <span class="alternate-name">Takatsuki syndrome</span></dd></div>\n'
        "      <div><dt>Codes</dt><dd>\n"
        '<ul class="list-unstyled mb-0 condition-codes">\n'
        '  <li class="condition-code" data-system="ICD-10-CM" data-code="D47.Z2"><span class="code-system">ICD-10-CM</span> <span class="code-value">D47.Z2</span>: <span class="code-name">Castleman disease</span> <span class="code-release small text-body-secondary">(checked against ICD-10-CM release 2026-04-01 sample)</span></li>\n'
        '  <li class="condition-code" data-system="ORPHA" data-code="2905"><span class="code-system">ORPHA</span> <a href="https://www.orpha.net/en/disease/detail/2905" rel="noopener noreferrer" class="code-value">2905</a>: <span class="code-name">POEMS syndrome</span> <span class="code-release small text-body-secondary">(checked against ORPHA release 2025-01-16 sample)</span></li>\n'
        "  \n"
        "</ul>\n"
        "</dd></div>\n"
        "    </dl>\n"
        "    \n"
        '<p class="code-sources small text-body-secondary"><strong>Sources of names and codes:</strong> <span class="code-source" data-system="ICD-10-CM">ICD-10-CM, National Center for Health Statistics, Centers for Disease Control and Prevention.</span> <span class="code-source" data-system="ORPHA">Orphanet: an online rare disease and orphan drug data base. © INSERM 1999. Available at www.orpha.net. Names as given in the HPO disease annotations. (<a href="https://creativecommons.org/licenses/by/4.0/" rel="noopener noreferrer license">CC BY 4.0 (Orphadata)</a>)</span></p>\n'
        "\n"
        '    <p class="small text-body-secondary mb-0">These facts were reviewed by Dr facts-reviewer0, MD (Internal medicine): see <a href="/conditions/poems-syndrome/">POEMS syndrome</a>.</p>\n'
        "  </section>"
    ),
    "condition facts": (
        '<dl class="facts">\n'
        "  <div><dt>Also known as</dt><dd>Crow–Fukase syndrome, Takatsuki syndrome</dd></div>\n"
        "  \n"
        "  <div><dt>Codes</dt><dd>\n"
        '<ul class="list-unstyled mb-0 condition-codes">\n'
        '  <li class="condition-code" data-system="ICD-10-CM" data-code="D47.Z2"><span class="code-system">ICD-10-CM</span> <span class="code-value">D47.Z2</span>: <span class="code-name">Castleman disease</span> <span class="code-release small text-body-secondary">(checked against ICD-10-CM release 2026-04-01 sample)</span></li>\n'
        '  <li class="condition-code" data-system="ORPHA" data-code="2905"><span class="code-system">ORPHA</span> <a href="https://www.orpha.net/en/disease/detail/2905" rel="noopener noreferrer" class="code-value">2905</a>: <span class="code-name">POEMS syndrome</span> <span class="code-release small text-body-secondary">(checked against ORPHA release 2025-01-16 sample)</span></li>\n'
        "  \n"
        "</ul>\n"
        "</dd></div>\n"
        "</dl>\n"
        "\n"
        '<p class="code-sources small text-body-secondary"><strong>Sources of names and codes:</strong> <span class="code-source" data-system="ICD-10-CM">ICD-10-CM, National Center for Health Statistics, Centers for Disease Control and Prevention.</span> <span class="code-source" data-system="ORPHA">Orphanet: an online rare disease and orphan drug data base. © INSERM 1999. Available at www.orpha.net. Names as given in the HPO disease annotations. (<a href="https://creativecommons.org/licenses/by/4.0/" rel="noopener noreferrer license">CC BY 4.0 (Orphadata)</a>)</span></p>'
    ),
}


class FactsAndTrailPinnedTestCase(PersonasTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        PublicVersion.objects.get_or_create(pk=1)
        # Two sources, one without a page for its codes or a licence link.
        condition = make_poems()
        add_code(condition, "ICD-10-CM", "D47.Z2")
        TerminologySource.objects.filter(system__startswith="ICD").update(
            code_url="", licence_url=""
        )
        cls.condition = add_facts(condition)
        cls.question = draft(
            cls.writer,
            cls.condition,
            slug="is-it-contagious",
            text="Is POEMS syndrome <contagious> & catching?",
            at=AT,
        )
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer, at=AT)
        edit(
            cls.question,
            cls.writer,
            short_answer="No: it is not <catching> & never was.",
        )
        later = datetime(2026, 4, 7, 9, 0, tzinfo=UTC)
        publish(cls.question, writer=cls.writer, reviewer=cls.reviewer, at=later)

    def setUp(self) -> None:
        cache.clear()

    def parts(self) -> dict[str, str]:
        found = {}
        for name, url, start, end in [
            (
                "answer trail",
                self.question.get_absolute_url(),
                '<nav aria-label="Breadcrumb">',
                "</nav>",
            ),
            (
                "answer corrections",
                self.question.get_absolute_url(),
                '<section aria-labelledby="corrections-heading"',
                "</section>",
            ),
            (
                "answer facts",
                self.question.get_absolute_url(),
                '<section aria-labelledby="about-heading"',
                "</section>",
            ),
            (
                "condition facts",
                self.condition.get_absolute_url(),
                '<dl class="facts">',
                "</p>",
            ),
        ]:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200)
            html = response.content.decode()
            begin = html.index(start)
            found[name] = html[begin : html.index(end, begin) + len(end)]
        return found

    def test_the_trail_corrections_and_facts_are_as_they_were(self):
        parts = self.parts()
        for name, expected in FACTS_PARTS.items():
            with self.subTest(name):
                self.assertEqual(parts[name], expected)
