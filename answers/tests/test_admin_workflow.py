"""The workflow through the admin screens, as writers and reviewers use it."""

from django.contrib.messages import get_messages
from django.urls import reverse
from reversion.models import Version

from answers import services
from answers.models import AnswerRevision, Condition, Question, ReviewEvent, Status
from devdata.personas import (
    PersonasTestCase,
    catalogue_concept,
    condition_form,
    draft,
    edit,
    make_condition,
    publish,
)


def change_form_data(question: Question, **overrides) -> dict:
    references = list(question.references.all())
    data = {
        "condition": question.condition_id,
        "text": question.text,
        "slug": question.slug,
        "kind": question.kind,
        "topic": question.topic,
        "order": question.order,
        "short_answer": question.short_answer,
        "body": question.body,
        "expected_version": question.draft_version,
        "references-TOTAL_FORMS": len(references),
        "references-INITIAL_FORMS": len(references),
        "references-MIN_NUM_FORMS": 0,
        "references-MAX_NUM_FORMS": 1000,
    }
    for i, ref in enumerate(references):
        data.update(
            {
                f"references-{i}-id": ref.pk,
                f"references-{i}-question": question.pk,
                f"references-{i}-order": ref.order,
                f"references-{i}-citation": ref.citation,
                f"references-{i}-url": ref.url,
                f"references-{i}-pmid": ref.pmid,
                f"references-{i}-doi": ref.doi,
            }
        )
    data.update(overrides)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


class AdminEditingTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.question = draft(self.writer, make_condition(name="POEMS syndrome"))
        self.url = reverse("admin:answers_question_change", args=[self.question.pk])

    def test_a_writer_saves_a_draft_through_the_service(self):
        self.client.force_login(self.writer)
        response = self.client.post(
            self.url, change_form_data(self.question, short_answer="No. Never.")
        )

        self.assertEqual(response.status_code, 302)
        self.question.refresh_from_db()
        self.assertEqual(self.question.short_answer, "No. Never.")
        self.assertEqual(self.question.draft_version, 2)
        self.assertEqual(
            self.question.events.filter(action=ReviewEvent.Action.EDITED).count(), 2
        )
        self.assertEqual(Version.objects.get_for_object(self.question).count(), 2)

    def test_a_question_on_two_lines_is_refused(self):
        # Found by the hostile-input tests: a line break in the question (the
        # admin's one-line input cannot type one, but a POST can send one)
        # was saved, and submitting it for review then failed with a 500, as
        # a mail subject cannot hold a line break.
        self.client.force_login(self.writer)
        response = self.client.post(
            self.url, change_form_data(self.question, text="Is it\ncontagious?")
        )

        self.assertContains(response, "Write the question on a single line.")
        self.question.refresh_from_db()
        self.assertEqual(self.question.draft_version, 1)

    def test_saving_without_changes_makes_no_new_version(self):
        self.client.force_login(self.writer)
        self.client.post(self.url, change_form_data(self.question))
        self.question.refresh_from_db()
        self.assertEqual(self.question.draft_version, 1)
        self.assertEqual(self.question.events.count(), 1)

    def test_browser_line_endings_are_not_an_edit(self):
        self.client.force_login(self.writer)
        crlf = self.question.body.replace("\n", "\r\n") + "\r\n"
        self.client.post(self.url, change_form_data(self.question, body=crlf))
        self.question.refresh_from_db()
        self.assertEqual(self.question.draft_version, 1)
        self.assertNotIn("\r", self.question.body)

    def test_editing_only_a_reference_is_an_edit(self):
        self.client.force_login(self.writer)
        self.client.post(
            self.url,
            change_form_data(self.question, **{"references-0-citation": "New source."}),
        )
        self.question.refresh_from_db()
        self.assertEqual(self.question.draft_version, 2)
        self.assertEqual(self.question.references.get().citation, "New source.")

    def test_a_stale_form_is_refused_and_the_typing_is_kept(self):
        self.client.force_login(self.writer)
        stale = change_form_data(self.question, short_answer="My careful rewrite.")
        edit(self.question, self.second_reviewer, short_answer="Sam got there first.")

        response = self.client.post(self.url, stale)

        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "changed by Sam Lindqvist at")
        self.assertContains(response, "Nothing was saved.")
        self.assertContains(response, "My careful rewrite.")  # still in the form
        self.question.refresh_from_db()
        self.assertEqual(self.question.short_answer, "Sam got there first.")
        self.assertEqual(self.question.draft_version, 2)

    def test_the_workflow_panel_shows_unpublished_changes(self):
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        edit(self.question, self.writer, short_answer="A pending rewrite.")
        self.client.force_login(self.writer)

        page = self.client.get(self.url)

        self.assertContains(page, "Draft · unpublished changes")
        self.assertContains(page, "Live: revision 1, approved by Dr Rita Osei")
        self.assertContains(page, "Submit for review")

    def test_the_bulk_action_submits_through_the_service(self):
        other = draft(self.writer)
        services.submit_for_review(item=other, user=self.writer)
        self.client.force_login(self.writer)

        response = self.client.post(
            reverse("admin:answers_question_changelist"),
            {
                "action": "submit_selected",
                "_selected_action": [self.question.pk, other.pk],
            },
            follow=True,
        )

        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.IN_REVIEW)
        texts = messages_of(response)
        self.assertIn("Submitted 1 for review.", texts)
        self.assertTrue(any("already waiting for review" in t for t in texts))


class AdminReviewScreenTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.question = draft(self.writer)
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        edit(self.question, self.writer, short_answer="No. You cannot catch it at all.")
        services.submit_for_review(item=self.question, user=self.writer)
        self.url = reverse("admin:answers_question_review", args=[self.question.pk])

    def approve_data(self, **overrides) -> dict:
        return {
            "action": "approve",
            "approve-expected_version": self.question.draft_version,
            "approve-coi_confirmed": "on",
            **overrides,
        }

    def test_it_shows_the_diff_the_checks_and_who_wrote_it(self):
        self.client.force_login(self.second_reviewer)
        page = self.client.get(self.url)

        self.assertContains(page, "<ins>at all.</ins>")
        self.assertContains(page, "Changes since the live version (revision 1)")
        self.assertContains(page, "OK: Short answer")
        self.assertContains(page, "Flesch–Kincaid grade")
        self.assertContains(page, "since the last approval by:\n      Wendy Walsh.")
        self.assertContains(page, "Approve and publish")
        self.assertNotContains(page, "another medical reviewer must approve it")

    def test_an_approval_through_the_screen_publishes(self):
        self.client.force_login(self.second_reviewer)
        response = self.client.post(self.url, self.approve_data())

        self.assertEqual(response.status_code, 302)
        self.assertIn("revision 2 is now live", messages_of(response)[0])
        self.question.refresh_from_db()
        self.assertEqual(self.question.live_revision.number, 2)
        self.assertEqual(self.question.live_revision.reviewer_name, "Dr Sam Lindqvist")

    def test_the_declaration_is_required(self):
        self.client.force_login(self.second_reviewer)
        data = self.approve_data()
        del data["approve-coi_confirmed"]
        page = self.client.post(self.url, data)
        self.assertContains(page, "Confirm the declaration to approve.")
        self.assertEqual(AnswerRevision.objects.count(), 1)

    def test_an_author_is_told_and_refused(self):
        edit(self.question, self.reviewer, body=self.question.body + "\n\nTypo fixed.")
        self.client.force_login(self.reviewer)
        page = self.client.get(self.url)
        self.assertContains(page, "another medical reviewer must approve it")

        response = self.client.post(self.url, self.approve_data())

        self.assertContains(
            response, "another medical reviewer must approve it", status_code=403
        )
        self.assertEqual(AnswerRevision.objects.count(), 1)
        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.IN_REVIEW)

    def test_a_writer_sees_the_screen_but_cannot_decide(self):
        self.client.force_login(self.writer)
        page = self.client.get(self.url)
        self.assertContains(page, "Only an active medical reviewer can approve")
        self.assertNotContains(page, "Approve and publish")
        response = self.client.post(self.url, self.approve_data())
        self.assertContains(
            response, "Only medical reviewers can approve", status_code=403
        )
        self.assertEqual(AnswerRevision.objects.count(), 1)

    def test_requesting_changes_needs_a_comment(self):
        self.client.force_login(self.second_reviewer)
        page = self.client.post(
            self.url,
            {
                "action": "request_changes",
                "changes-expected_version": 2,
                "changes-comment": "",
            },
        )
        self.assertContains(page, "Say what needs to change.")
        response = self.client.post(
            self.url,
            {
                "action": "request_changes",
                "changes-expected_version": self.question.draft_version,
                "changes-comment": "Cite the 2021 update.",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.CHANGES_REQUESTED)

    def test_recertifying_through_the_screen(self):
        self.client.force_login(self.second_reviewer)
        response = self.client.post(
            self.url, {"action": "recertify", "recertify-coi_confirmed": "on"}
        )
        self.assertEqual(response.status_code, 302)
        self.question.refresh_from_db()
        self.assertEqual(
            self.question.last_review.action, ReviewEvent.Action.RECERTIFIED
        )

    def test_the_queue_lists_only_work_i_may_approve(self):
        mine = draft(self.reviewer)
        services.submit_for_review(item=mine, user=self.reviewer)
        queue = reverse("admin:answers_question_changelist") + "?queue=mine"

        self.client.force_login(self.reviewer)
        rita_sees = self.client.get(queue)
        self.client.force_login(self.second_reviewer)
        sam_sees = self.client.get(queue)

        self.assertEqual(list(rita_sees.context["cl"].result_list), [self.question])
        self.assertEqual(
            sorted(q.pk for q in sam_sees.context["cl"].result_list),
            sorted([self.question.pk, mine.pk]),
        )
        home = self.client.get(reverse("admin:index"))
        self.assertContains(home, "Awaiting my review</a>: 2")


class AdminOtherStepsTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.question = draft(self.writer)
        self.first = publish(self.question, writer=self.writer, reviewer=self.reviewer)

    def test_submit_page(self):
        edit(self.question, self.writer, short_answer="No. It does not spread.")
        url = reverse("admin:answers_question_submit", args=[self.question.pk])
        self.client.force_login(self.writer)
        self.assertContains(self.client.get(url), "OK: References")
        response = self.client.post(
            url, {"expected_version": self.question.draft_version}
        )
        self.assertEqual(response.status_code, 302)
        self.question.refresh_from_db()
        self.assertEqual(self.question.status, Status.IN_REVIEW)

    def test_unpublish_page(self):
        url = reverse("admin:answers_question_unpublish", args=[self.question.pk])
        self.client.force_login(self.reviewer)
        self.assertContains(
            self.client.post(url, {"reason": ""}), "This field is required"
        )
        self.client.post(url, {"reason": "Outdated dosing advice."})
        self.question.refresh_from_db()
        self.assertIsNone(self.question.live_revision)
        self.client.force_login(self.writer)
        self.client.post(url, {"reason": "x"})  # writers may not; nothing happens

    def test_roll_back_page(self):
        edit(self.question, self.writer, short_answer="Second wording.")
        publish(self.question, writer=self.writer, reviewer=self.second_reviewer)
        url = reverse(
            "admin:answers_question_revision_detail", args=[self.question.pk, 1]
        )
        self.client.force_login(self.writer)
        self.assertContains(self.client.get(url), "Roll back the draft to revision 1")

        self.client.post(url, {"expected_version": self.question.draft_version})

        self.question.refresh_from_db()
        self.assertEqual(self.question.short_answer, self.first.short_answer)
        self.assertEqual(self.question.status, Status.DRAFT)
        self.assertEqual(self.question.live_revision.number, 2)

    def test_history_compares_and_restores_a_saved_draft(self):
        edit(self.question, self.writer, short_answer="A wording we regret.")
        versions = list(Version.objects.get_for_object(self.question).order_by("pk"))
        self.assertEqual(len(versions), 2)
        self.client.force_login(self.writer)

        history = self.client.get(
            reverse("admin:answers_question_history", args=[self.question.pk])
        )
        self.assertContains(history, "with previous")
        compare = self.client.get(
            reverse("admin:answers_question_compare", args=[self.question.pk]),
            {"from": versions[0].pk, "to": versions[1].pk},
        )
        self.assertContains(compare, "<ins>")
        self.assertContains(compare, "regret")

        restore_url = reverse(
            "admin:answers_question_revision", args=[self.question.pk, versions[0].pk]
        )
        self.assertContains(
            self.client.get(restore_url), "Restore as the current draft"
        )
        self.client.post(restore_url, {"expected_version": self.question.draft_version})

        self.question.refresh_from_db()
        self.assertEqual(self.question.short_answer, self.first.short_answer)
        self.assertEqual(self.question.draft_version, 3)
        # Workflow state was not rewound: the live revision is still the same.
        self.assertEqual(self.question.live_revision, self.first)
        self.assertEqual(self.question.status, Status.DRAFT)

    def test_malformed_history_addresses_are_404_not_errors(self):
        self.client.force_login(self.writer)
        for url in [
            "/admin/answers/question/abc/history/1/",
            f"/admin/answers/question/{self.question.pk}/history/999999/",
            f"/admin/answers/question/{self.question.pk}/history/compare/?from=x",
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_condition_history_compares_versions(self):
        condition = self.question.condition
        self.client.force_login(self.writer)
        url = reverse("admin:answers_condition_change", args=[condition.pk])
        for prevalence in ["About 1 in 100,000", "About 3 in 1,000,000"]:
            self.client.post(
                url,
                {
                    "name": condition.name,
                    "slug": condition.slug,
                    "expected_version": Condition.objects.get(
                        pk=condition.pk
                    ).draft_version,
                    "prevalence": prevalence,
                    "codes-TOTAL_FORMS": "1" if "3 in" in prevalence else "0",
                    "codes-INITIAL_FORMS": "0",
                    "codes-0-concept": catalogue_concept("ORPHA", "2905").pk,
                    "criteria-TOTAL_FORMS": "0",
                    "criteria-INITIAL_FORMS": "0",
                },
            )
        versions = list(Version.objects.get_for_object(condition).order_by("pk"))
        compare = self.client.get(
            reverse("admin:answers_condition_compare", args=[condition.pk]),
            {"from": versions[0].pk, "to": versions[-1].pk},
        )
        self.assertContains(compare, "<del>1 in 100,000</del>")
        # The code as the catalogue has it, then its system and code.
        self.assertContains(
            compare, "<ins>ORPHA:2905 — POEMS syndrome · ORPHA · 2905</ins>"
        )


class ConditionHistoryRecoveryTestCase(PersonasTestCase):
    def test_a_condition_can_be_restored_from_history(self):
        from datetime import timedelta

        from django.utils import timezone

        condition = make_condition(name="POEMS syndrome", slug="poems-syndrome")
        question = draft(self.writer, condition)
        publish(question, writer=self.writer, reviewer=self.reviewer)
        self.client.force_login(self.writer)
        url = reverse("admin:answers_condition_change", args=[condition.pk])
        self.client.post(url, condition_form(condition, review_interval_days="180"))
        self.client.post(url, condition_form(condition, review_interval_days="90"))
        first = Version.objects.get_for_object(condition).order_by("pk").first()

        revert_url = reverse(
            "admin:answers_condition_revision", args=[condition.pk, first.pk]
        )
        # The saved version is shown against the draft, and restored as a
        # draft edit through the workflow (never reversion's plain revert).
        page = self.client.get(revert_url)
        self.assertContains(page, "180")
        condition.refresh_from_db()
        response = self.client.post(
            revert_url, {"expected_version": condition.draft_version}
        )

        self.assertEqual(response.status_code, 302)
        condition.refresh_from_db()
        self.assertEqual(condition.review_interval_days, 180)
        question.refresh_from_db()
        self.assertEqual(
            question.next_review_due, timezone.localdate() + timedelta(days=180)
        )
        self.assertEqual(Version.objects.get_for_object(condition).count(), 3)

    def test_reviewer_profiles_have_history(self):
        self.client.force_login(self.admin)
        url = reverse("admin:answers_reviewer_change", args=[self.reviewer_profile.pk])
        data = {
            "user": self.reviewer.pk,
            "display_name": "Dr Rita Osei",
            "slug": "rita",
            "active": "on",
            "credentials": "MBChB, FRCP, PhD",
            "specialty": "Haematology",
            "registration_id": "GMC 1234567",
        }
        self.assertEqual(self.client.post(url, data).status_code, 302)
        history = self.client.get(
            reverse("admin:answers_reviewer_history", args=[self.reviewer_profile.pk])
        )
        self.assertContains(history, "with current")
