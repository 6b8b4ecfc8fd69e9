"""schema.org JSON-LD for answer pages, built from the same objects the page shows."""

import json

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from answers.models import Condition, Question

# Inside <script>, "</script>" or "<!--" in a value would end or confuse the
# element; escaping these three characters keeps the JSON intact and inert.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def condition_entity(condition: Condition, facts) -> dict:
    """The condition as schema.org sees it: its approved name, and with
    approved facts (`facts`, a ConditionRevision) its other names and codes."""
    entity = {
        "@type": "MedicalCondition",
        "name": condition.public_name,
        "url": absolute(condition.get_absolute_url()),
    }
    if facts is None:
        return entity
    alternate = [facts.acronym] if facts.acronym else []
    alternate += facts.synonym_list
    if alternate:
        entity["alternateName"] = alternate
    # schema.org's MedicalCode: the code is `codeValue` (`code` is a property
    # of the condition, the list itself), the system its exact label.
    codes = [
        {"@type": "MedicalCode", "codeValue": code.code, "codingSystem": code.system}
        for code in facts.code_list
    ]
    if codes:
        entity["code"] = codes
    return entity


def breadcrumb_items(question: Question, revision) -> list[tuple[str, str]]:
    """(name, path) from the home page down to the answer: the visible
    breadcrumb (the `breadcrumb` tag, public/templatetags/fragments.py) and
    its JSON-LD, item for item."""
    condition = question.condition
    return [
        ("Home", reverse("public:home")),
        ("Conditions", reverse("public:condition_index")),
        (condition.public_name, condition.get_absolute_url()),
        (revision.question_text, question.get_absolute_url()),
    ]


def answer_page(question: Question, revision, review, facts) -> dict:
    """The answer page's JSON-LD, from the revision, review and facts the
    page shows."""
    url = absolute(question.get_absolute_url())
    reviewer = {
        "@type": "Person",
        "name": review.reviewer_name,
        "honorificSuffix": review.reviewer_credentials,
        # A specialty is what the reviewer knows about (Person.knowsAbout).
        # Not jobTitle (a post, "Consultant"); not medicalSpecialty, which
        # schema.org gives to Physician, a kind of MedicalOrganization.
        "knowsAbout": review.reviewer_specialty,
        "url": absolute(review.reviewer.get_absolute_url()),
    }
    page = {
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": revision.question_text,
        "headline": revision.question_text,
        "description": revision.short_answer,
        "inLanguage": "en",
        "lastReviewed": timezone.localdate(review.created_at).isoformat(),
        "dateModified": timezone.localdate(revision.content_updated_at).isoformat(),
        "reviewedBy": reviewer,
        "about": condition_entity(question.condition, facts),
        "breadcrumb": {"@id": url + "#breadcrumb"},
        "publisher": {"@type": "Organization", "name": "DiseaseMaps"},
    }
    breadcrumbs = {
        "@type": "BreadcrumbList",
        "@id": url + "#breadcrumb",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": absolute(path)}
            for n, (name, path) in enumerate(
                breadcrumb_items(question, revision), start=1
            )
        ],
    }
    return {"@context": "https://schema.org", "@graph": [page, breadcrumbs]}


def as_script(data: dict) -> SafeString:
    # No indent: with one, json.dumps uses its pure-Python encoder, a few
    # times slower than the C one, on every answer page rendered.
    text = json.dumps(data, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    # JSON with <, > and & escaped: nothing in it can close the script element.
    return mark_safe(  # noqa: S308  # nosec B308 B703
        f'<script type="application/ld+json">{text}</script>'
    )


def condition_page(condition: Condition, facts) -> dict:
    """The condition page's JSON-LD: the condition (from its approved facts)
    and a BreadcrumbList matching its visible breadcrumb."""
    url = absolute(condition.get_absolute_url())
    crumbs = [
        ("Home", reverse("public:home")),
        ("Conditions", reverse("public:condition_index")),
        (condition.public_name, condition.get_absolute_url()),
    ]
    breadcrumbs = {
        "@type": "BreadcrumbList",
        "@id": url + "#breadcrumb",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": name, "item": absolute(path)}
            for n, (name, path) in enumerate(crumbs, start=1)
        ],
    }
    return {
        "@context": "https://schema.org",
        "@graph": [condition_entity(condition, facts), breadcrumbs],
    }
