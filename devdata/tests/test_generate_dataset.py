"""`manage.py generate_dataset`: the sizes asked for, data that keeps the app's
invariants (so public pages, review queues and search work on it), real
conditions from the terminology catalogue (names, other names and codes), the
same data for the same seed, and no mixing with real content.

Most tests load a few real GARD and Orphanet concepts as the catalogue
(`CATALOGUE`), which loads in a moment; `CatalogueTestCase` lets the command
load the whole of both, as it does on a fresh database.
"""

import hashlib
from datetime import date, timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max, Min
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from answers import search_index, services
from answers.checks import blocking_problems, condition_checks
from answers.models import (
    AnswerRevision,
    Concept,
    ConceptStatus,
    Condition,
    ConditionCode,
    ConditionRevision,
    CriteriaGroup,
    CriteriaSet,
    Question,
    Reference,
    Reviewer,
    ReviewEvent,
    SearchEntry,
    Status,
    TerminologyRelease,
)
from answers.roles import MODERATOR_GROUP, REVIEWER_GROUP, WRITER_GROUP
from community import services as community_services
from community.models import (
    Experience,
    ExperienceStatus,
    Member,
    MemberCondition,
    ModerationEvent,
)
from community.tests.account_helpers import client_from_fresh_ip
from community.tests.helpers import share
from devdata.dataset.sizes import EMAIL_DOMAIN, PASSWORD, Sizes
from devdata.personas import (
    Client,
    draft,
    ensure_roles,
    make_condition,
    make_personas,
    make_user,
    publish,
    verify_session,
)
from devdata.terminology import load_sample
from diseasemaps.lib.demo_accounts import DEMO_GROUP, check_no_demo_accounts
from diseasemaps.lib.markdown import render_answer, render_member
from diseasemaps.lib.names import normalise
from public import search

SMALL = {
    "conditions": 12,
    "questions": 100,
    "members": 40,
    "experiences": 300,
    "pending": 15,
    "reviewers": 4,
    "revisions": 3,
}
Action = ReviewEvent.Action
User = get_user_model()

# Real concepts: ten GARD diseases (all but the last with the Orphanet disease
# of the same name; some with an acronym among their other names) and four
# Orphanet diseases that GARD does not name. SMALL's 12 conditions take the
# ten GARD ones and two of Orphanet's.
CATALOGUE = {
    "gard": ["61", "76", "109", "118", "182", "184", "6233", "7122", "7411", "3441"],
    "orphanet": [
        *["1988", "238468", "2762", "3138", "1243", "662", "586", "589", "2905"],
        *["9", "11", "67", "88"],
    ],
}


def load_catalogue() -> None:
    load_sample(CATALOGUE)


def generate(**options) -> str:
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("generate_dataset", stdout=out, **{**SMALL, **options})
    return out.getvalue()


def digest() -> str:
    """A fingerprint of the generated rows (everything but the moment the
    command ran)."""
    parts = [
        Condition.objects.values_list("id", "name", "slug", "synonyms", "summary"),
        Condition.objects.values_list(
            "id", "status", "draft_version", "live_revision", "next_review_due"
        ),
        ConditionRevision.objects.values_list(
            "id", "condition_id", "reviewer_id", "synonyms", "prevalence", "approved_at"
        ),
        ConditionCode.objects.values_list("condition_id", "system", "code"),
        CriteriaSet.objects.values_list("condition_id", "applies_to", "rule"),
        CriteriaGroup.objects.values_list("criteria_set_id", "count_rule", "items"),
        Question.objects.values_list(
            "id", "slug", "status", "draft_version", "body", "next_review_due"
        ),
        AnswerRevision.objects.values_list(
            "id", "question_id", "body_html", "references", "approved_at"
        ),
        ReviewEvent.objects.values_list("id", "action", "actor_name", "created_at"),
        Reference.objects.values_list("question_id", "citation", "doi"),
        SearchEntry.objects.values_list("question_id", "answer_text"),
        User.objects.filter(email__endswith=EMAIL_DOMAIN).values_list(
            "username", "email", "password", "date_joined"
        ),
        Member.objects.values_list("pseudonym", "country", "counted_in_map"),
        MemberCondition.objects.values_list("member_id", "condition_id", "relation"),
        Experience.objects.values_list(
            "id", "author_id", "question_id", "body", "submission_key", "published_at"
        ),
        ModerationEvent.objects.values_list("experience_id", "action", "created_at"),
    ]
    text = "\n".join(
        repr(list(rows.order_by(*rows.query.values_select))) for rows in parts
    )
    return hashlib.sha256(text.encode()).hexdigest()


class GeneratedDataTestCase(TestCase):
    """One small data set, read by every test below."""

    # Staff logins complete the second factor, as the admin's login does.
    client_class = Client

    @classmethod
    def setUpTestData(cls) -> None:
        load_catalogue()
        cls.output = generate()
        cls.today = timezone.localdate()
        cls.reviewer = User.objects.get(username="reviewer1")

    def test_it_creates_the_sizes_asked_for(self):
        self.assertEqual(Condition.objects.count(), 12)
        self.assertEqual(Question.objects.count(), 100)
        self.assertEqual(Question.objects.published().count(), 100)
        self.assertEqual(AnswerRevision.objects.count(), 300)
        self.assertEqual(Member.objects.count(), 40)
        self.assertEqual(Experience.objects.for_members().count(), 300)
        # Some for members only (about one in seven), most for everyone.
        members_only = Experience.objects.filter(audience="members").count()
        self.assertTrue(20 < members_only < 80, members_only)
        self.assertEqual(
            Experience.objects.filter(status=ExperienceStatus.PENDING).count(), 15
        )
        self.assertEqual(Reviewer.objects.filter(active=True).count(), 4)
        self.assertEqual(SearchEntry.objects.count(), 100)
        self.assertIn("experiences 315/315 (100%)", self.output)
        self.assertIn("community_experience: 315 rows", self.output)

    def test_every_answer_is_live_with_its_revisions_reviewer_and_dates(self):
        questions = Question.objects.select_related(
            "condition", "live_revision", "last_review"
        ).annotate(revision_count=Count("revisions"), newest=Max("revisions__number"))
        for question in questions:
            with self.subTest(question=question.pk):
                self.assertEqual(question.revision_count, 3)
                self.assertEqual(question.live_revision.number, question.newest)
                review = question.last_review
                self.assertIn(review.action, {Action.APPROVED, Action.RECERTIFIED})
                self.assertEqual(review.revision_id, question.live_revision_id)
                self.assertIsNotNone(review.reviewer_id)
                self.assertEqual(
                    question.next_review_due,
                    timezone.localdate(review.created_at)
                    + question.condition.review_interval,
                )
                self.assertLessEqual(
                    question.live_revision.content_updated_at, review.created_at
                )
                self.assertLess(question.updated_at, timezone.now())
                if question.status == Status.PUBLISHED:
                    self.assertEqual(
                        question.draft_content(), question.live_revision.content()
                    )
                    self.assertEqual(
                        question.draft_version, question.live_revision.draft_version
                    )
                else:
                    self.assertGreater(
                        question.draft_version, question.live_revision.draft_version
                    )
        self.assertTrue(Question.objects.overdue(self.today).exists())
        self.assertTrue(Question.objects.due_within(30, self.today).exists())

    def test_revisions_are_numbered_snapshots_that_pass_the_checks(self):
        previous = None
        revisions = AnswerRevision.objects.select_related(
            "question__condition__live_revision"
        ).order_by("question_id", "number")
        for revision in revisions:
            with self.subTest(revision=revision.pk):
                self.assertEqual(revision.body_html, render_answer(revision.body))
                self.assertEqual(revision.criteria, [])
                content = revision.content()
                # Checked as approve() checks it: with the condition's facts.
                checks = services.checks_for(revision.question, content)
                self.assertEqual(blocking_problems(checks), [])
                if revision.number == 1:
                    self.assertTrue(revision.content_changed)
                else:
                    self.assertEqual(previous.question_id, revision.question_id)
                    self.assertEqual(previous.number, revision.number - 1)
                    self.assertGreater(revision.draft_version, previous.draft_version)
                    self.assertGreater(revision.approved_at, previous.approved_at)
                    self.assertEqual(
                        revision.content_changed, content != previous.content()
                    )
                previous = revision
        self.assertTrue(AnswerRevision.objects.filter(content_changed=False).exists())

    def test_every_approval_has_its_trail_and_keeps_four_eyes(self):
        answers = ReviewEvent.objects.filter(question__isnull=False)
        approvals = answers.filter(action=Action.APPROVED)
        self.assertEqual(approvals.count(), 300)
        self.assertEqual(
            answers.filter(action=Action.SUBMITTED).count(),
            # A submission before every decision, and one for each draft that
            # is still in review.
            300
            + ReviewEvent.objects.filter(action=Action.CHANGES_REQUESTED).count()
            + Question.objects.filter(status=Status.IN_REVIEW).count(),
        )
        for approval in approvals.select_related("revision", "question"):
            with self.subTest(approval=approval.pk):
                self.assertEqual(approval.revision.reviewer_id, approval.reviewer_id)
                self.assertEqual(approval.revision.approved_at, approval.created_at)
                self.assertEqual(
                    approval.draft_version, approval.revision.draft_version
                )
                writers = services.contributor_ids(approval.question, upto=approval)
                self.assertTrue(writers)
                self.assertNotIn(approval.actor_id, writers)

    def test_every_condition_has_live_facts_approved_with_four_eyes(self):
        conditions = Condition.objects.select_related(
            "live_revision__reviewer__user", "last_review"
        ).annotate(revision_count=Count("revisions"))
        for condition in conditions:
            with self.subTest(condition=condition.pk):
                facts = condition.live_revision
                self.assertIsNotNone(facts)
                self.assertEqual(condition.revision_count, 1)
                self.assertEqual(
                    (condition.public_name, condition.public_slug),
                    (facts.name, facts.slug),
                )
                self.assertEqual(facts.summary_html, render_answer(facts.summary))
                self.assertEqual(
                    blocking_problems(condition_checks(facts.content())), []
                )
                # The approval, signed as services.approve signs it.
                approval = condition.last_review
                self.assertEqual(approval.condition_id, condition.pk)
                self.assertIsNone(approval.question_id)
                self.assertEqual(approval.action, Action.APPROVED)
                self.assertEqual(approval.condition_revision_id, facts.pk)
                self.assertEqual(approval.draft_version, facts.draft_version)
                self.assertEqual(approval.created_at, facts.approved_at)
                self.assertEqual(approval.actor_id, facts.reviewer.user_id)
                reviewer = facts.reviewer
                signed = (
                    reviewer.pk,
                    reviewer.display_name,
                    reviewer.credentials,
                    reviewer.specialty,
                    services.coi_statement(reviewer),
                )
                for row in (approval, facts):
                    self.assertEqual(
                        (
                            row.reviewer_id,
                            row.reviewer_name,
                            row.reviewer_credentials,
                            row.reviewer_specialty,
                            row.coi_statement,
                        ),
                        signed,
                    )
                self.assertEqual(
                    condition.next_review_due,
                    timezone.localdate(approval.created_at) + condition.review_interval,
                )
                writers = services.contributor_ids(condition, upto=approval)
                self.assertTrue(writers)
                self.assertNotIn(approval.actor_id, writers)
                self.assertLess(condition.updated_at, timezone.now())
                if condition.status == Status.PUBLISHED:
                    self.assertEqual(condition.draft_content(), facts.content())
                    self.assertEqual(condition.draft_version, facts.draft_version)
                    continue
                # A newer change to the facts, waiting for a reviewer.
                self.assertEqual(condition.status, Status.IN_REVIEW)
                self.assertGreater(condition.draft_version, facts.draft_version)
                self.assertNotEqual(condition.draft_content(), facts.content())
                submitted = condition.events.get(
                    action=Action.SUBMITTED, draft_version=condition.draft_version
                )
                self.assertGreater(submitted.pk, approval.pk)
                self.assertGreater(submitted.created_at, approval.created_at)
        self.assertEqual(
            Condition.objects.filter(status=Status.IN_REVIEW).count(),
            Sizes(**SMALL).facts_in_review,
        )
        self.assertEqual(Condition.objects.live().count(), SMALL["conditions"])
        self.assertEqual(Condition.objects.published().count(), SMALL["conditions"])

    @override_settings(DEBUG=True)  # a generated account: refused with DEBUG off
    def test_reviewers_have_answers_waiting_for_them(self):
        sizes = Sizes(**SMALL)
        self.assertTrue(self.reviewer.groups.filter(name=REVIEWER_GROUP).exists())
        self.assertTrue(self.reviewer.is_staff)
        waiting = Question.objects.awaiting_review_by(self.reviewer)
        self.assertEqual(waiting.count(), sizes.in_review)
        self.assertEqual(
            Condition.objects.awaiting_review_by(self.reviewer).count(),
            sizes.facts_in_review,
        )
        self.assertEqual(
            Question.objects.filter(status=Status.CHANGES_REQUESTED).count(),
            sizes.changes_requested,
        )
        self.client.force_login(self.reviewer)
        response = self.client.get(reverse("admin:index"))
        self.assertContains(response, "Awaiting my review")

    def test_conditions_have_valid_codes_criteria_and_names(self):
        for code in ConditionCode.objects.all():
            code.full_clean()
        for criteria_set in CriteriaSet.objects.all():
            criteria_set.full_clean()
            self.assertTrue(criteria_set.rule)
            self.assertTrue(criteria_set.groups.exists())
        for group in CriteriaGroup.objects.all():
            group.full_clean()
        for condition in Condition.objects.all():
            condition.full_clean()
            self.assertTrue(condition.summary)
        self.assertTrue(Condition.objects.exclude(acronym="").exists())
        self.assertTrue(Condition.objects.exclude(synonyms="").exists())
        self.assertFalse(ConditionCode.objects.filter(concept=None).exists())
        shows = Question.objects.filter(show_criteria=True)
        for question in shows:
            self.assertTrue(question.condition.criteria_sets.exists())
            self.assertTrue(question.live_revision.show_criteria)
            self.assertTrue(question.condition.live_revision.criteria)

    def test_the_search_index_is_what_a_rebuild_makes(self):
        columns = [
            "question_id",
            "condition_id",
            "condition_terms",
            "question_text",
            "answer_text",
            "document",
        ]
        generated = list(SearchEntry.objects.order_by("question_id").values(*columns))

        search_index.rebuild()

        rebuilt = list(SearchEntry.objects.order_by("question_id").values(*columns))
        self.assertEqual(generated, rebuilt)
        if connection.vendor == "postgresql":
            self.assertFalse(SearchEntry.objects.filter(document=None).exists())

    def test_conditions_are_real_ones_from_the_catalogue(self):
        current = {
            release.source.system: release
            for release in TerminologyRelease.objects.filter(
                is_current=True
            ).select_related("source")
        }
        concepts = {
            (concept.release.source.system, concept.code): concept
            for concept in Concept.objects.filter(
                release__in=current.values()
            ).select_related("release__source")
        }
        orpha_only = 0
        for condition in Condition.objects.select_related("live_revision"):
            with self.subTest(condition=condition.name):
                codes = list(condition.codes.select_related("concept__release"))
                systems = [code.system for code in codes]
                self.assertIn(systems, [["GARD"], ["GARD", "ORPHA"], ["ORPHA"]])
                named = concepts[(codes[0].system, codes[0].code)]
                # Named as its source names it, with its other names.
                self.assertEqual(condition.name, named.name)
                other = set(named.other_names.values_list("name", flat=True))
                names = set(condition.live_revision.synonyms)
                if condition.acronym:
                    names.add(condition.acronym)
                    self.assertEqual(condition.acronym_expansion, condition.name)
                self.assertLessEqual(names, other)
                for code in codes:
                    concept = concepts[(code.system, code.code)]
                    self.assertEqual(code.concept, concept)
                    self.assertEqual(concept.status, ConceptStatus.ACTIVE)
                if systems == ["GARD", "ORPHA"]:
                    # Orphanet's name is GARD's, or one of GARD's other names.
                    self.assertIn(
                        normalise(codes[1].concept.name),
                        {normalise(name) for name in [named.name, *other]},
                    )
                orpha_only += systems == ["ORPHA"]
                # The approved facts record each code as approve() does.
                self.assertEqual(
                    condition.live_revision.codes,
                    [
                        {
                            "system": code.system,
                            "code": code.code,
                            "name": code.concept.name,
                            "release": current[code.system].version,
                        }
                        for code in codes
                    ],
                )
        # GARD's ten first, then two of Orphanet's own.
        self.assertEqual(orpha_only, 2)
        self.assertEqual(
            ConditionCode.objects.filter(system="GARD").count(),
            len(CATALOGUE["gard"]),
        )

    def test_a_real_other_name_finds_its_condition(self):
        condition = Condition.objects.get(name="Ulnar-mammary syndrome")
        synonym = "Schinzel syndrome"
        self.assertIn(synonym, condition.synonym_list)

        results = search.search(synonym)

        found = {hit.condition.pk for hit in results.hits}
        self.assertIn(condition.pk, found)

    @pytest.mark.postgres
    def test_a_misspelt_generated_name_finds_its_condition(self):
        condition = next(
            c for c in Condition.objects.order_by("pk") if c.name.split()[0].isalpha()
        )
        word = condition.name.split()[0]
        typo = word[:2] + word[3:]  # "Kesler" for "Kessler"

        results = search.search(condition.name.replace(word, typo, 1))

        self.assertIn(condition, results.conditions)

    def test_public_pages_render(self):
        question = Question.objects.filter(status=Status.PUBLISHED).first()
        condition = question.condition
        reviewer = question.live_revision.reviewer
        pages = [
            reverse("public:home"),
            reverse("public:condition_index"),
            condition.get_absolute_url(),
            question.get_absolute_url(),
            reverse("community:experiences", kwargs={"slug": condition.slug}),
            reviewer.get_absolute_url(),
            reverse("public:search") + f"?q={condition.name}",
        ]
        for url in pages:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
        answer = self.client.get(question.get_absolute_url())
        self.assertContains(answer, question.live_revision.short_answer)
        self.assertContains(answer, reviewer.display_name)

    def test_condition_pages_show_the_live_facts_not_a_change_in_review(self):
        condition = Condition.objects.filter(status=Status.IN_REVIEW).first()
        facts = condition.live_revision
        draft = condition.draft_content()
        (changed,) = [key for key in draft if draft[key] != facts.content()[key]]
        new = (
            draft["prevalence"]
            if changed == "prevalence"
            else next(s for s in draft["synonyms"] if s not in facts.synonyms)
        )

        response = self.client.get(condition.get_absolute_url())

        self.assertContains(response, "Facts reviewed by")
        self.assertContains(response, facts.reviewer_byline)
        self.assertContains(response, facts.summary_html)
        self.assertNotContains(response, new)
        if changed == "prevalence":
            self.assertContains(response, facts.prevalence)

    def test_experiences_belong_to_their_members_conditions(self):
        pairs = set(MemberCondition.objects.values_list("member_id", "condition_id"))
        for experience in Experience.objects.select_related("question"):
            with self.subTest(experience=experience.pk):
                self.assertIn((experience.author_id, experience.condition_id), pairs)
                if experience.question:
                    self.assertEqual(
                        experience.question.condition_id, experience.condition_id
                    )
                self.assertEqual(experience.body_html, render_member(experience.body))
        self.assertTrue(Experience.objects.filter(question=None).exists())
        self.assertTrue(Experience.objects.exclude(question=None).exists())

    def test_posts_were_moderated_until_members_were_trusted(self):
        for member in Member.objects.all():
            posts = member.experiences.for_members().order_by("created_at", "pk")
            for position, post in enumerate(posts):
                with self.subTest(post=post.pk):
                    events = list(
                        post.moderation_events.values_list("action", flat=True)
                    )
                    if position < 3:
                        self.assertEqual(events, [ModerationEvent.Action.APPROVED])
                    elif post.needs_review:
                        self.assertEqual(events, [])
                    else:
                        self.assertEqual(events, [ModerationEvent.Action.REVIEWED])
        for post in Experience.objects.filter(status=ExperienceStatus.PENDING):
            self.assertFalse(community_services.is_trusted(post.author))

    def test_generated_accounts_cannot_log_in_with_debug_off(self):
        admin = client_from_fresh_ip()
        admin.post(
            reverse("admin:login"), {"username": "reviewer1", "password": PASSWORD}
        )
        self.assertNotIn("_auth_user_id", admin.session)
        member = client_from_fresh_ip()
        member.post(
            reverse("account_login"),
            {"login": f"member1@{EMAIL_DOMAIN}", "password": PASSWORD},
        )
        self.assertNotIn("_auth_user_id", member.session)
        generated = User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}")
        self.assertEqual(
            generated.filter(groups__name=DEMO_GROUP).count(), generated.count()
        )
        self.assertEqual(
            [error.id for error in check_no_demo_accounts()], ["diseasemaps.E001"]
        )

    @override_settings(DEBUG=True)
    def test_generated_accounts_log_in_with_the_documented_password(self):
        admin = client_from_fresh_ip()
        response = admin.post(
            reverse("admin:login"),
            {"username": "reviewer1", "password": PASSWORD},
        )
        self.assertEqual(response.status_code, 302)
        # Then the second factor, from the published demo secret.
        reviewer = User.objects.get(username="reviewer1")
        verify_session(admin, reviewer)
        self.assertEqual(admin.get(reverse("admin:index")).status_code, 200)
        self.assertEqual(
            TOTPDevice.objects.filter(
                user__username__in=["reviewer1", "writer1", "moderator1"],
                confirmed=True,
            ).count(),
            3,
        )
        for username in ["writer1", "moderator1"]:
            self.assertTrue(
                User.objects.get(username=username).check_password(PASSWORD)
            )
        self.assertTrue(
            User.objects.get(username="writer1").groups.filter(name=WRITER_GROUP)
        )
        self.assertTrue(
            User.objects.get(username="moderator1").groups.filter(name=MODERATOR_GROUP)
        )

        email = f"member1@{EMAIL_DOMAIN}"
        self.assertTrue(EmailAddress.objects.filter(email=email, verified=True))
        member = client_from_fresh_ip()
        response = member.post(
            reverse("account_login"), {"login": email, "password": PASSWORD}
        )
        self.assertRedirects(response, "/me/", fetch_redirect_response=False)

    def test_normal_writes_work_afterwards(self):
        make_personas(self)
        question = draft(self.writer)
        publish(question, writer=self.writer, reviewer=self.reviewer)
        post = share(self.member, question.condition, question)
        generated = Question.objects.exclude(pk=question.pk).aggregate(Max("pk"))
        self.assertGreater(question.pk, generated["pk__max"])
        self.assertTrue(Question.objects.filter(pk=question.pk).published().exists())
        self.assertEqual(post.author.user, self.member)
        self.assertTrue(SearchEntry.objects.filter(question=question).exists())


@pytest.mark.postgres
class SchemaTestCase(TestCase):
    def schema(self) -> tuple[list, list]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "ORDER BY 1"
            )
            indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint "
                "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
            )
            return indexes, cursor.fetchall()

    def test_indexes_and_constraints_are_as_before(self):
        """The load drops secondary indexes and foreign keys and makes them
        again at the end; none may go missing or change."""
        load_catalogue()
        before = self.schema()

        generate()

        self.assertEqual(self.schema(), before)


class RepeatabilityTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        load_catalogue()

    def test_the_same_seed_and_day_give_the_same_data(self):
        generate(seed=7, today=date(2026, 3, 1))
        first = digest()

        generate(seed=7, today=date(2026, 3, 1), force=True)

        self.assertEqual(digest(), first)
        generate(seed=8, today=date(2026, 3, 1), force=True)
        self.assertNotEqual(digest(), first)

    def test_dates_count_back_from_the_day_given(self):
        today = date(2025, 1, 15)
        generate(today=today)

        newest = ReviewEvent.objects.aggregate(Max("created_at"))["created_at__max"]
        oldest = Experience.objects.aggregate(Min("created_at"))["created_at__min"]
        self.assertLess(newest.date(), today)
        self.assertGreater(oldest.date(), today - timedelta(days=5 * 365))
        self.assertTrue(Question.objects.overdue(today).exists())
        self.assertTrue(Question.objects.due_within(30, today).exists())


class RefusalTestCase(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        load_catalogue()

    def test_it_refuses_a_database_with_content(self):
        make_condition(name="Real syndrome", slug="real-syndrome")

        with self.assertRaises(CommandError) as raised:
            generate()

        self.assertIn("already holds 1 condition.", str(raised.exception))
        self.assertIn("--force", str(raised.exception))
        self.assertEqual(Condition.objects.count(), 1)
        self.assertFalse(User.objects.filter(email__endswith=EMAIL_DOMAIN).exists())

    def test_it_refuses_a_second_run_without_force(self):
        generate()

        with self.assertRaises(CommandError):
            generate()

    def test_force_replaces_content_and_member_accounts_but_keeps_staff(self):
        ensure_roles()
        writer = make_user("wendy", group=WRITER_GROUP)
        old = make_condition(name="Real syndrome", slug="real-syndrome")
        community_member = make_user("someone", staff=False)
        community_services.create_member(
            user=community_member, pseudonym="Someone", consented=True
        )

        output = generate(force=True)

        self.assertIn("--force: deleting 1 condition, 1 member", output)
        self.assertFalse(Condition.objects.filter(name=old.name).exists())
        self.assertFalse(User.objects.filter(username="someone").exists())
        self.assertTrue(User.objects.filter(pk=writer.pk).exists())
        self.assertEqual(Condition.objects.count(), SMALL["conditions"])
        self.assertEqual(Member.objects.count(), SMALL["members"])

    def test_it_refuses_to_run_without_debug(self):
        with override_settings(DEBUG=False), self.assertRaises(CommandError) as raised:
            call_command("generate_dataset", stdout=StringIO(), **SMALL)

        self.assertIn("DEBUG=true", str(raised.exception))
        self.assertEqual(User.objects.count(), 0)

    def test_a_dry_run_changes_nothing(self):
        output = generate(dry_run=True)

        self.assertIn("Dry run", output)
        self.assertEqual(Condition.objects.count(), 0)
        self.assertEqual(User.objects.count(), 0)


class OptionsTestCase(TestCase):
    def assertRefused(self, message: str, *args, **options) -> None:
        with self.assertRaises(CommandError) as raised, override_settings(DEBUG=True):
            call_command("generate_dataset", *args, stdout=StringIO(), **options)
        self.assertIn(message, str(raised.exception))
        self.assertEqual(Condition.objects.count(), 0)

    def test_it_explains_sizes_that_cannot_work(self):
        self.assertRefused("at least --conditions", conditions=10, questions=5)
        self.assertRefused("at most 28 per condition", conditions=1, questions=29)
        self.assertRefused("--revisions must be between", revisions=0)
        self.assertRefused("--reviewers must be at least 1", reviewers=0)
        self.assertRefused("--members must be at least 1", members=0, pending=1)

    def test_it_explains_values_that_are_not_numbers_or_dates(self):
        self.assertRefused("is negative", "--members=-5")
        self.assertRefused("is not a whole number", "--experiences=lots")
        self.assertRefused("use YYYY-MM-DD", "--today=yesterday")


class CatalogueTestCase(TestCase):
    """Conditions come only from the catalogue: it is loaded when missing,
    and --conditions is capped at what it has."""

    def test_it_caps_the_conditions_at_what_the_catalogue_names(self):
        load_catalogue()

        output = generate(conditions=20)

        self.assertIn(
            "names 14 conditions: generating 14, not 20.",
            output.replace("\n", " "),
        )
        self.assertEqual(Condition.objects.count(), 14)
        self.assertEqual(Condition.objects.filter(codes__system="ORPHA").count(), 13)

    def test_a_dry_run_says_it_would_load_a_missing_catalogue(self):
        output = generate(dry_run=True)

        self.assertIn(
            "The terminology catalogue has no GARD and ORPHA: a real run loads "
            "them first",
            output,
        )
        self.assertFalse(TerminologyRelease.objects.exists())
        self.assertEqual(Condition.objects.count(), 0)

    def test_it_loads_a_missing_catalogue_first_with_progress(self):
        sizes = {"conditions": 3, "questions": 3, "members": 2, "experiences": 3}

        output = generate(**sizes, pending=0)

        self.assertIn("loading them first", output)
        self.assertIn("GARD concepts 5,958/5,958 (100%)", output)
        self.assertIn("ORPHA phenotypes 114,005/114,005 (100%)", output)
        self.assertIn("Loaded: ORPHA ", output)
        self.assertEqual(
            dict(
                TerminologyRelease.objects.values_list(
                    "source__system", "concept_count"
                )
            ),
            {"GARD": 5_958, "ORPHA": 4_281},
        )
        self.assertEqual(Condition.objects.count(), 3)
        self.assertEqual(ConditionCode.objects.filter(system="GARD").count(), 3)
