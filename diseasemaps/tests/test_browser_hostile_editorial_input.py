"""The whole hostile corpus through the editors' forms and the content import,
approved through the workflow, then every page that shows it, in Chromium.

A compromised or careless editor account must not be able to put script on
a public page either. Forms: the admin's question form as a writer (question
text and short answer, packed up to their limits; answer bodies and
reference citations, 55 payloads per answer; reference URLs), the condition
form (name, acronym expansion, synonyms, summary, prevalence, diagnostic
criteria) and the reviewer form (name, credentials, specialty, bio,
disclosures) as the site admin, and `import_content` with content files
written by the project's own renderer. Everything accepted is approved by a
reviewer through the services, so it reaches the public pages, search, the
sitemap and the feed. Search is also asked for every payload.
"""

import json
import re
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from answers import services
from answers.checks import blocking_problems, run_checks
from answers.exceptions import ChecksFailed
from answers.interchange.files import render_condition, render_question
from answers.models import Condition, Question, Reference
from devdata.personas import (
    GOOD_BODY,
    Client,
    approve_facts,
    draft,
    make_condition,
    make_personas,
    publish,
    report_figure,
)
from diseasemaps.lib.markdown import paragraphs_ending_in_colon_without_list
from diseasemaps.tests.hostile_browser import HostileBrowser, assert_inert_html
from diseasemaps.tests.hostile_corpus import MARKER, Laps, corpus, count_marked, marked
from diseasemaps.tests.test_browser_hostile_member_forms import (
    session_cookie,
)
from public import structured_data

PER_ANSWER = 55  # references × 7 fields stay under DATA_UPLOAD_MAX_NUMBER_FIELDS
SAFE_CITATION = "Example A. A review. J Examples. 2024;1:1-9."
URL_FIELD_ERROR = "Enter a valid URL."


def packed(items, form: str, limit: int, separator: str = " | "):
    """Marked payloads joined up to `limit` characters; one alone if longer."""
    group: list[str] = []
    for index, payload in items:
        text = marked(index, payload, form)
        if group and len(separator.join([*group, text])) > limit:
            yield separator.join(group)
            group = []
        group.append(text)
    if group:
        yield separator.join(group)


def body_of(items, form: str) -> str:
    """Marked payloads as paragraphs of an answer. A paragraph that ends in
    ":" gets a list after it, as the pre-approval checks ask of editors."""
    entries = []
    for index, payload in items:
        entry = marked(index, payload, form)
        if paragraphs_ending_in_colon_without_list(entry):
            entry += "\n- the list the colon promised"
        entries.append(entry)
    return "\n\n".join(entries)


def fitting(items, form: str, limit: int) -> list[str]:
    """The packed groups that fit a field of `limit` characters."""
    return [group for group in packed(items, form, limit) if len(group) <= limit]


def chunks(items: list, size: int) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def question_form(condition, slug, text, short_answer, body, references) -> dict:
    data = {
        "condition": str(condition.pk),
        "text": text,
        "slug": slug,
        "kind": "short_answer",
        "topic": "about",
        "order": "0",
        "short_answer": short_answer,
        "body": body,
        "expected_version": "",
        "references-TOTAL_FORMS": str(len(references)),
        "references-INITIAL_FORMS": "0",
        "references-MIN_NUM_FORMS": "0",
        "references-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for n, (citation, url) in enumerate(references):
        data |= {
            f"references-{n}-order": str(n + 1),
            f"references-{n}-citation": citation,
            f"references-{n}-url": url,
        }
    return data


def form_errors(response) -> dict:
    form = response.context["adminform"].form
    return dict(form.errors)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_corpus_through_the_editors_forms_and_import_is_inert(
    live_server, page, settings, tmp_path
):
    payloads = list(enumerate(corpus()))
    clean = [(i, p) for i, p in payloads if "\x00" not in p]
    with_nul = [(i, p) for i, p in payloads if "\x00" in p]
    people = SimpleNamespace()
    make_personas(people)
    condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
    body_condition = make_condition(name="Long answers", slug="long-answers")
    writer, admin = Client(), Client()
    writer.force_login(people.writer)
    admin.force_login(people.admin)
    counts: dict[str, list[int]] = {}
    lap = Laps()
    timings = lap.timings

    # --- Search for every payload, before the index fills with them --------
    # (what matters here is how the page shows the query; searches that find
    # hostile answers and highlight them come at the end)
    question = draft(people.writer, condition, slug="is-it-contagious")
    publish(question, writer=people.writer, reviewer=people.second_reviewer)
    visitor = Client()
    browser = HostileBrowser(page, live_server.url)
    searched = 0
    search_url = reverse("public:search")
    for index, payload in payloads:
        response = visitor.get(search_url, {"q": payload})
        assert response.status_code == 200
        html = response.content.decode()
        searched += 1
        # The page says what was searched for, escaped: markup in the query
        # never reaches the page as markup.
        if re.search(r"<[a-zA-Z/!]", payload):
            assert payload.strip() not in html, payload
        if index % 40 == 0:
            assert_inert_html(html, f"search {index}")
            browser.check(f"{live_server.url}{search_url}?{urlencode({'q': payload})}")
    lap("search for every payload")

    # --- The reviewer's profile, before any approval snapshots it ----------
    reviewer = people.reviewer_profile
    small = fitting(clean, "W", 120)
    response = admin.post(
        reverse("admin:answers_reviewer_change", args=[reviewer.pk]),
        {
            "user": str(people.reviewer.pk),
            "display_name": small[0],
            "slug": reviewer.slug,
            "active": "on",
            "credentials": small[1],
            "specialty": small[2],
            "affiliation": small[3],
            "registration_body": small[4],
            "registration_id": "GMC-1",
            "bio": "\n\n".join(marked(i, p, "V") for i, p in clean),
            "disclosures": "\n".join(marked(i, p, "D") for i, p in clean),
            "_save": "Save",
        },
    )
    assert response.status_code == 302, form_errors(response)
    reviewer.refresh_from_db()
    counts["reviewer bio, disclosures"] = [2 * len(clean), 0]

    # --- The condition: names, summary, synonyms, criteria -----------------
    groups = fitting(clean, "N", 200)
    response = admin.post(
        reverse("admin:answers_condition_change", args=[condition.pk]),
        {
            "name": groups[0],
            "slug": condition.slug,
            "acronym": "POEMS",
            "acronym_expansion": fitting(clean[40:], "X", 300)[0],
            "synonyms": "\n".join(marked(i, p, "Y") for i, p in clean),
            "summary": body_of(clean, "U"),
            "prevalence": groups[1],
            "review_interval_days": "",
            "expected_version": str(
                Condition.objects.get(pk=condition.pk).draft_version
            ),
            "codes-TOTAL_FORMS": "0",
            "codes-INITIAL_FORMS": "0",
            "codes-MIN_NUM_FORMS": "0",
            "codes-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, form_errors(response)
    # Its diagnostic criteria set, with one group, on the set's own page.
    response = admin.post(
        reverse("admin:answers_criteriaset_add"),
        {
            "condition": str(condition.pk),
            "title": groups[2],
            "applies_to": fitting(clean[120:], "L", 400)[0],
            "rule": "\n".join(marked(i, p, "R") for i, p in clean),
            "source": fitting(clean[80:], "O", 400)[0],
            "version": "",
            "order": "1",
            "groups-TOTAL_FORMS": "1",
            "groups-INITIAL_FORMS": "0",
            "groups-MIN_NUM_FORMS": "1",
            "groups-MAX_NUM_FORMS": "1000",
            "groups-0-order": "1",
            "groups-0-category": groups[3],
            "groups-0-count_rule": fitting(clean[160:], "T", 200)[0],
            "groups-0-items": "\n".join(marked(i, p, "I") for i, p in clean),
            "_save": "Save",
        },
    )
    assert response.status_code == 302, form_errors(response)
    # Readers see the facts once a reviewer who wrote none of them approves.
    approve_facts(condition, writer=people.writer, reviewer=people.second_reviewer)
    condition.refresh_from_db()
    counts["condition summary, synonyms, criteria"] = [4 * len(clean), 0]

    # The NUL payload: refused by every text field of both forms.
    nul = marked(*with_nul[0], "N")
    response = admin.post(
        reverse("admin:answers_condition_change", args=[condition.pk]),
        {"name": nul, "slug": condition.slug, "summary": nul, "synonyms": nul},
    )
    assert response.status_code == 200
    assert {"name", "summary", "synonyms"} <= set(form_errors(response))

    # --- Questions through the admin's question form ------------------------
    half = len(clean) // 2
    bodies = chunks(clean[half:] + clean[:half], PER_ANSWER)  # not the texts'
    citations = chunks(clean, PER_ANSWER)
    url_field = Reference._meta.get_field("url").formfield(assume_scheme="https")
    good_urls: dict[str, str] = {}  # as sent: as stored
    for _index, payload in clean:
        try:
            good_urls[payload] = url_field.clean(payload)
        except ValidationError:
            continue
    # A question is one line of at most 200 characters: payloads with a line
    # break go alone, and with the over-long ones they must be refused.
    one_line = [(i, p) for i, p in clean if "\n" not in p and "\r" not in p]
    texts = list(packed(one_line, "Q", 200))
    too_long = [t for t in texts if len(t) > 200]
    too_long += [marked(i, p, "Q") for i, p in clean if (i, p) not in one_line]
    texts = [t for t in texts if len(t) <= 200]
    created: list[Question] = []
    bodies_of: dict[int, int] = {}
    for number, text in enumerate(texts):
        short_answer = text.replace(f"{MARKER}Q", f"{MARKER}A")
        references = [(SAFE_CITATION, "")]
        body = GOOD_BODY
        if number < len(bodies):
            body = body_of(bodies[number], "B")
            urls = list(good_urls) if number == 0 else []
            references = [
                (marked(i, p, "C"), urls[n] if n < len(urls) else "")
                for n, (i, p) in enumerate(citations[number])
            ]
        slug = f"hostile-{number}"
        # Long answers go to a condition of their own: every answer page also
        # lists the condition's other questions, and 236 of them on each of
        # the pages read below would only make them slow.
        home = body_condition if number < len(bodies) else condition
        response = writer.post(
            reverse("admin:answers_question_add"),
            question_form(home, slug, text, short_answer, body, references),
        )
        assert response.status_code == 302, (text[:80], form_errors(response))
        question = Question.objects.get(condition=home, slug=slug)
        assert question.text == text.strip()
        assert question.short_answer == short_answer.strip()
        assert question.body == body.strip()
        assert [(r.citation, r.url) for r in question.references.all()] == [
            (c.strip(), good_urls.get(u, u)) for c, u in references
        ]
        created.append(question)
        if number < len(bodies):
            bodies_of[question.pk] = number
    counts["question text"] = [sum(count_marked(t, "Q") for t in texts), 0]
    counts["short answer"] = list(counts["question text"])
    counts["answer body"] = [sum(len(b) for b in bodies), 0]
    counts["reference citation"] = [sum(len(c) for c in citations), 0]

    # Refusals: over-long question texts, NUL anywhere, URLs that are not.
    refused_texts = 0
    for text in [*too_long, nul.replace(f"{MARKER}N", f"{MARKER}Q")]:
        response = writer.post(
            reverse("admin:answers_question_add"),
            question_form(
                condition, f"refused-{uuid.uuid4().hex[:8]}", text, "", "", []
            ),
        )
        assert response.status_code == 200
        assert "text" in form_errors(response), text[:80]
        refused_texts += count_marked(text, "Q")
    counts["question text"][1] = refused_texts
    counts["short answer"][1] = refused_texts
    bad_urls = [(i, p) for i, p in clean if p not in good_urls]
    refused_urls = 0
    for part in chunks(bad_urls, PER_ANSWER):
        references = [(SAFE_CITATION, payload) for _i, payload in part]
        response = writer.post(
            reverse("admin:answers_question_add"),
            question_form(
                condition, "refused-urls", "Refused URLs?", "No.", "", references
            ),
        )
        assert response.status_code == 200
        formset = response.context["inline_admin_formsets"][0].formset
        for (_i, payload), errors in zip(part, formset.errors, strict=True):
            assert URL_FIELD_ERROR in errors.get("url", []), (payload, errors)
            refused_urls += 1
    counts["reference URL"] = [len(good_urls), refused_urls]
    assert not Question.objects.filter(slug__startswith="refused").exists()

    # --- Content files through import_content -------------------------------
    folder = tmp_path / "hostile-import"
    folder.mkdir()
    imported_slug = "imported-hostile"
    (folder / "condition.md").write_text(
        render_condition(
            {
                "name": fitting(clean[200:], "M", 200)[0],
                "slug": imported_slug,
                "acronym": "",
                "acronym_expansion": "",
                "synonyms": [marked(i, p, "Z") for i, p in clean if "\n" not in p],
                "prevalence": "",
                "review_interval_days": None,
                "codes": [],
                "criteria_sets": [],
                "summary": body_of(clean, "F"),
            }
        ),
        encoding="utf-8",
    )
    import_texts = fitting(one_line, "K", 200)
    import_bodies = chunks(clean, PER_ANSWER)
    for number, body_part in enumerate(import_bodies):
        text = import_texts[number]
        Path(folder / f"q{number}.md").write_text(
            render_question(
                {
                    "condition": imported_slug,
                    "text": text,
                    "slug": f"imported-{number}",
                    "kind": "short_answer",
                    "topic": "about",
                    "order": number,
                    "show_criteria": False,
                    "short_answer": text.replace(f"{MARKER}K", f"{MARKER}H"),
                    "references": [
                        {
                            "citation": marked(i, p, "J"),
                            "url": "",
                            "pmid": "",
                            "doi": "",
                        }
                        for i, p in body_part
                    ],
                    "body": body_of(body_part, "G"),
                }
            ),
            encoding="utf-8",
        )
    call_command("import_content", str(folder), user="wendy", verbosity=0)
    imported = Condition.objects.get(slug=imported_slug)
    approve_facts(imported, writer=people.writer, reviewer=people.second_reviewer)
    created += list(imported.questions.order_by("order"))
    counts["import: summary, answers, references"] = [3 * len(clean), 0]
    # A file with NUL is refused with the problem named; nothing is imported.
    bad = tmp_path / "nul-import"
    bad.mkdir()
    (bad / "q.md").write_text(
        render_question(
            {
                "condition": imported_slug,
                "text": "A question with a NUL?",
                "slug": "nul",
                "kind": "short_answer",
                "topic": "about",
                "order": 0,
                "show_criteria": False,
                "short_answer": "No.",
                "references": [
                    {"citation": SAFE_CITATION, "url": "", "pmid": "", "doi": ""}
                ],
                "body": nul,
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError):
        call_command("import_content", str(bad), user="wendy", verbosity=0)
    assert not Question.objects.filter(slug="nul").exists()

    # --- Approval by a reviewer, through the workflow ------------------------
    held = []
    for question in created:
        content = question.draft_content()
        problems = blocking_problems(run_checks(content, show_criteria=False))
        services.submit_for_review(item=question, user=people.writer)
        try:
            services.approve(
                item=question,
                user=people.second_reviewer,
                expected_version=question.draft_version,
                coi_confirmed=True,
            )
        except ChecksFailed:
            assert problems
            held.append(question)
    assert held == [], [
        (q.slug, blocking_problems(run_checks(q.draft_content(), show_criteria=False)))
        for q in held
    ]
    lap("storing and approving")

    # --- Pages: server HTML for everything, then Chromium -------------------
    public = [
        "/",
        "/conditions/",
        condition.get_absolute_url(),
        body_condition.get_absolute_url(),
        imported.get_absolute_url(),
        reviewer.get_absolute_url(),
        f"/search/?q={MARKER}B0001",
        f"/search/?q={MARKER}Q0002",
    ]
    # These pages are read in Chromium below, which sees what the server
    # sent and what the browser made of it; only the small ones are also
    # read as HTML here (the big ones cost seconds each in BeautifulSoup).
    with_bodies = [q for q in created if q.body != GOOD_BODY.strip()]
    pages = public + [q.get_absolute_url() for q in with_bodies]
    for url in [*public[-2:], pages[-1]]:
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert_inert_html(response.content.decode(), url)
    # Every answer's JSON-LD (the one inline script a page has) stays data
    # and reads back as exactly the question that was approved.
    for approved in Question.objects.published().select_related(
        "condition__live_revision", "live_revision", "last_review__reviewer"
    ):
        block = structured_data.as_script(
            structured_data.answer_page(
                approved,
                approved.live_revision,
                approved.last_review,
                approved.condition.live_revision,
            )
        )
        soup = BeautifulSoup(block, "html.parser")
        assert len(soup.find_all("script")) == 1, approved.slug
        data = json.loads(soup.script.string)
        assert data["@graph"][0]["name"] == approved.live_revision.question_text
    sitemap = ET.fromstring(visitor.get("/sitemap.xml").content)
    assert len(sitemap) >= len(created)
    feed = ET.fromstring(visitor.get("/feeds/answers/").content)
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert any(t and f"{MARKER}Q" in t for t in titles)

    staff_pages = []
    for question in created:
        if question.pk in bodies_of and bodies_of[question.pk] % 4 == 0:
            staff_pages += [
                reverse("admin:answers_question_change", args=[question.pk]),
                reverse("admin:answers_question_review", args=[question.pk]),
            ]
    staff_pages += [
        reverse("admin:answers_condition_change", args=[condition.pk]),
        reverse("admin:answers_reviewer_change", args=[reviewer.pk]),
        reverse("admin:answers_question_changelist") + f"?q={MARKER}Q",
    ]

    lap("server HTML")
    in_browser = public + [q.get_absolute_url() for q in with_bodies]
    for url in in_browser:
        browser.check(live_server.url + url)
    page.context.add_cookies([session_cookie(live_server, people.admin)])
    for url in staff_pages:
        browser.check(live_server.url + url)

    browser.assert_clean()
    lap("Chromium pages")

    shown = browser.result.markers
    for form in "QABCUYIVDFGJ":
        assert any(m.startswith(f"{MARKER}{form}") for m in shown), form
    # Every answer body and citation payload was visible as text.
    for form in "BC":
        visible = {m for m in shown if re.match(rf"{MARKER}{form}\d{{4}}$", m)}
        assert len(visible) == len(clean), (form, len(visible), len(clean))
    report_figure(
        "hostile editorial forms",
        ", ".join(
            f"{form} {kept} stored/{no} refused" for form, (kept, no) in counts.items()
        )
        + f"; {len(created)} answers approved; {searched} searches; "
        f"{len(created)} answers' JSON-LD read back, "
        f"{browser.result.pages} pages, {browser.result.elements:,} elements in "
        "Chromium: 0 scripts ran, 0 handlers, 0 script URLs; "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items()),
    )
