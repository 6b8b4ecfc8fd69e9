"""Redaction (community.services.redaction) and the medical reviewer's look
(community.services.medical_review) were built side by side; where they
meet, neither may publish what the other still holds:

- a post with a medical reviewer cannot be redacted: the author's "accept"
  would publish advice the reviewer has not ruled on;
- a post waiting for its author to accept a redaction cannot be sent to a
  reviewer: it would leave the author's original wording behind and take
  the decision from the author.
"""

from community import services
from community.exceptions import InvalidTransition
from community.models import ExperienceStatus, MedicalReview
from community.tests.helpers import share
from community.tests.test_redaction import REASON, REDACTED, RedactionTestCase

ADVICE = (
    "Stop taking your steroids if they make you feel awful; Dr Hargreaves at "
    "St Brigid's told me I could."
)


class RedactionMeetsMedicalReviewTests(RedactionTestCase):
    def test_a_post_with_a_medical_reviewer_cannot_be_redacted(self):
        post = share(self.member, self.condition, body=ADVICE)
        services.send_to_medical_reviewer(
            user=self.moderator, experience=post, question="Safe?"
        )

        with self.assertRaisesMessage(InvalidTransition, "medical reviewer"):
            self.redact(
                post,
                body="Stop taking your steroids if they make you "
                "feel awful; my doctor told me I could.",
            )

        post.refresh_from_db()
        self.assertEqual(post.medical_review, MedicalReview.ASKED)
        self.assertEqual(post.status, ExperienceStatus.PENDING)
        self.assertEqual(post.redaction_original, "")

    def test_a_redacted_post_cannot_be_sent_to_a_medical_reviewer(self):
        post = share(self.member, self.condition, body=ADVICE)
        self.redact(post, body=REDACTED, reason=REASON)

        with self.assertRaisesMessage(InvalidTransition, "author"):
            services.send_to_medical_reviewer(
                user=self.moderator, experience=post, question="Safe?"
            )

        post.refresh_from_db()
        self.assertEqual(post.status, ExperienceStatus.REDACTED)
        self.assertEqual(post.medical_review, MedicalReview.NONE)
