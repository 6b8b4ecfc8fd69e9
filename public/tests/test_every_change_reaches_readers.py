"""Invalidation travels with the write: every service that changes what readers
see calls the publication hook itself (answers/publication.py), so its change
shows on the very next anonymous request, whoever called it: an admin screen,
the import, a view or a command.

Every public function of answers.services and of the community.services
modules is listed below: either it changes what readers see, and a test here
proves the next anonymous request shows it (the page was stored and cached
before the change), or it does not, and the list says why. A new service in
neither list fails `test_every_service_is_listed`.
"""

import inspect
import pkgutil
from datetime import timedelta
from importlib import import_module

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from answers import services
from answers.models import Condition
from community import services as community_services
from community.models import Experience
from community.tests.helpers import give_record, share, share_published
from devdata.personas import (
    PersonasTestCase,
    approve_facts,
    draft,
    edit,
    make_member,
    make_poems,
    publish,
)

# Services whose effect readers see, each with its test below (test_<name>).
CHANGES_WHAT_READERS_SEE = {
    "answers.services": [
        "approve",
        "recertify",
        "unpublish",
        "reschedule_reviews",
        "save_reviewer",
    ],
    "community.services.members": ["set_relation", "remove_relation", "update_profile"],
    "community.services.posts": [
        "post_experience",
        "edit_experience",
        "delete_experience",
        "report_experience",
    ],
    "community.services.moderation": [
        "approve_experience",
        "hide_experience",
        "remove_experience",
        "decide_edit",
        "dismiss_reports",
    ],
    "community.services.data_rights": ["delete_account", "withdraw_consent"],
    "community.services.medical_review": [
        "send_to_medical_reviewer",
        "publish_with_note",
    ],
    "community.services.redaction": ["redact_experience", "accept_redaction"],
}
# Services readers never see the effect of, and why.
READERS_SEE_NOTHING = {
    "answers.services": {
        "save_draft": "Drafts (answers and condition facts) are never public; "
        "approval publishes them. A condition's new review interval moves dates "
        "through reschedule_reviews.",
        "start_condition": "A new condition from a catalogue concept is a draft, "
        "like any other (save_draft).",
        "submit_for_review": "A draft in review is still a draft.",
        "request_changes": "The draft goes back to its writer; nothing is public.",
        "roll_back": "An old revision becomes the draft; it needs approval again.",
        "restore_from_history": "A saved draft comes back as the draft.",
        "replace_references": "Writes a draft's references (save_draft, roll_back).",
        "replace_codes": "Writes a draft's codes (roll_back).",
        "replace_criteria": "Writes a draft's criteria sets (roll_back).",
        "checks_for": "Reads the pre-approval checks of a draft.",
        "content_changed": "Compares two versions of content.",
        "noun": "Names a kind of content in messages.",
        "normalise_text": "A text helper.",
        "actor_name": "A name for the audit trail.",
        "active_reviewer": "Reads the reviewer profile of a user.",
        "contributor_ids": "Reads who worked on a draft (four-eyes rule).",
        "contributor_names": "Reads who worked on a draft (four-eyes rule).",
        "lock": "Locks a row inside the other services.",
        "check_version": "The stale-edit check inside the other services.",
        "coi_statement": "Formats a reviewer's declaration.",
    },
    "community.services.members": {
        "create_member": "A new account relates to no condition and posted nothing.",
        "member_for": "Reads the member of a user.",
        "is_trusted": "Reads whether a member's posts skip the queue.",
        "pseudonym_taken": "Reads whether a name looks like another member's.",
        "give_consent": "Consent alone shows nothing: posts and relations come "
        "after, through the services above.",
    },
    "community.services.posts": {
        "ask_for_review": "Marks a hidden post for a moderator; it stays hidden "
        "until a moderator decides (approve_experience, dismiss_reports).",
        "can_ask_for_review": "Reads whether a hidden post may be sent for review.",
        "reporter_record": "Reads what a reporter has done, for a report's weight.",
    },
    "community.services.redaction": {
        "source_text": "Reads the text a moderator redacts.",
        "removed_words": "Compares two texts.",
        "erase_unanswered_originals": "Erases the original of a redacted post, "
        "which is not public; publishes nothing.",
    },
    "community.services.safety": {
        "screen_into": "Records a risk level on a post; it holds new posts "
        "before they are public (post_experience), never hides a published one.",
        "record_flag": "Writes a moderation record.",
        "shows_support": "Reads whether the writer sees the support page.",
        "overdue_high_risk": "Reads the high-risk posts nobody acted on in time.",
        "alert_overdue_high_risk": "Mails moderators; the post is unchanged.",
        "response_target": "Words for the response target.",
    },
    "community.services.moderation": {
        "mark_reviewed": "Records that a moderator read a live post; it stays as "
        "it was.",
    },
    "community.services.data_rights": {
        "export_member_data": "Reads a member's own data for them.",
    },
    "community.services.medical_review": {
        "ask_author_for_edit": "The post is with the reviewer, so unpublished "
        "(send_to_medical_reviewer took it down), and stays so.",
        "hide_for_author": "The post is with the reviewer, so unpublished; "
        "hidden, it stays off the pages.",
        "edit_came_back": "An edit of an unpublished post goes back to the "
        "reviewer; nothing is public.",
        "review_token": "Reads what the reviewer saw, for the stale check.",
    },
    # Issue 18. Mutes change only the muter's own (logged-in, never stored)
    # pages; member reports and the decisions on them act on a member's
    # future posts, never on a published one (moderators hide or remove
    # those one by one, through the moderation services above).
    "community.services.mutes": {
        "mute_member": "Only the muter's own pages change, and those are never "
        "stored or cached for anyone.",
        "unmute_member": "Only the muter's own pages change (see mute_member).",
        "muted_member_ids": "Reads the muter's own mutes.",
    },
    "community.services.member_reports": {
        "report_member": "A report reaches the moderators only; it never hides "
        "or changes anything by itself.",
        "dismiss_member_reports": "Closes reports that changed nothing public.",
        "hold_member_posts": "New posts wait for a moderator; published posts "
        "stay as they are.",
        "release_member_posts": "Later posts may skip the queue again; nothing "
        "published changes.",
        "suspend_posting": "Stops new posts and edits; published posts stay.",
        "lift_suspension": "Allows posting again; nothing published changes.",
        "recent_posts": "Reads a member's posts for the moderators.",
    },
}


def service_modules() -> list[str]:
    names = ["answers.services"]
    names += [
        f"community.services.{module.name}"
        for module in pkgutil.iter_modules(community_services.__path__)
    ]
    return names


def services_of(module_name: str) -> set[str]:
    module = import_module(module_name)
    return {
        name
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module_name and not name.startswith("_")
    }


def test_every_service_is_listed():
    for module_name in service_modules():
        changes = set(CHANGES_WHAT_READERS_SEE.get(module_name, []))
        nothing = set(READERS_SEE_NOTHING.get(module_name, {}))
        found = services_of(module_name)
        assert not changes & nothing, f"{module_name}: listed twice"
        assert found == changes | nothing, (
            f"{module_name}: not listed {sorted(found - changes - nothing)}, "
            f"listed but gone {sorted((changes | nothing) - found)}"
        )


def test_every_service_that_changes_pages_has_its_test():
    for names in CHANGES_WHAT_READERS_SEE.values():
        for name in names:
            assert hasattr(NextRequestTestCase, f"test_{name}"), name


# The internal cache headers are what these tests read.
@override_settings(PAGE_CACHE_HEADERS=True)
class NextRequestTestCase(PersonasTestCase):
    def setUp(self) -> None:
        self.condition = make_poems()
        self.question = draft(
            self.writer,
            self.condition,
            text="Is POEMS syndrome contagious?",
            slug="is-it-contagious",
        )
        publish(self.question, writer=self.writer, reviewer=self.reviewer)
        self.url = self.question.get_absolute_url()
        self.condition_url = self.condition.get_absolute_url()
        self.posts_url = reverse("community:experiences", args=[self.condition.slug])

    def assert_next_request(self, url: str, change, *, gone=None, shown=None):
        """The page is kept (stored or cached) for the next reader; after
        `change`, the next anonymous request no longer shows `gone` and shows
        `shown`."""
        first = self.client.get(url)
        if gone is not None:
            self.assertContains(first, gone)
        if shown is not None:
            self.assertNotContains(first, shown)
        kept = self.client.get(url)
        self.assertTrue(
            kept.get("X-Page-Cache", "").startswith("hit")
            or kept.get("X-Stored-Page") == "hit",
            f"{url} was not kept, so this would prove nothing",
        )
        change()
        response = self.client.get(url)
        if gone is not None:
            self.assertNotContains(response, gone)
        if shown is not None:
            self.assertContains(response, shown)

    # --- Editorial ---------------------------------------------------------------

    def test_approve(self) -> None:
        def approve():  # submit_for_review, then approve: services both
            edit(self.question, self.writer, short_answer="A new approved wording.")
            publish(self.question, writer=self.writer, reviewer=self.second_reviewer)

        self.assert_next_request(
            self.url,
            approve,
            gone=self.question.short_answer,
            shown="A new approved wording.",
        )

    def overdue_answer(self):
        long_ago = timezone.now() - timedelta(days=400)
        question = draft(self.writer, self.condition, slug="old", at=long_ago)
        publish(question, writer=self.writer, reviewer=self.reviewer, at=long_ago)
        return question

    def test_recertify(self) -> None:
        question = self.overdue_answer()
        self.assert_next_request(
            question.get_absolute_url(),
            lambda: services.recertify(
                item=question, user=self.second_reviewer, coi_confirmed=True
            ),
            gone="Review overdue",
            shown="Dr Sam Lindqvist",
        )

    def test_unpublish(self) -> None:
        # A second live answer keeps the condition page up.
        other = draft(self.writer, self.condition, text="Is it inherited?")
        publish(other, writer=self.writer, reviewer=self.reviewer)
        self.assert_next_request(
            self.condition_url,
            lambda: services.unpublish(
                item=self.question, user=self.reviewer, reason="An error."
            ),
            gone="Is POEMS syndrome contagious?",
        )
        self.assertEqual(self.client.get(self.url).status_code, 410)

    def test_reschedule_reviews(self) -> None:
        question = self.overdue_answer()

        def longer_interval():
            # As a restore from History writes it: the row first, then this.
            Condition.objects.filter(pk=self.condition.pk).update(
                review_interval_days=1095
            )
            self.condition.refresh_from_db()
            services.reschedule_reviews(condition=self.condition)

        self.assert_next_request(
            question.get_absolute_url(), longer_interval, gone="Review overdue"
        )

    def test_approving_condition_facts(self) -> None:
        approve_facts(self.condition, reviewer=self.reviewer)

        def other_names():
            self.condition.refresh_from_db()
            self.condition.synonyms = "Takatsuki disease"
            services.save_draft(
                item=self.condition,
                user=self.writer,
                expected_version=self.condition.draft_version,
            )
            # A draft alone changes nothing readers see.
            self.assertContains(self.client.get(self.url), "Crow–Fukase syndrome")
            approve_facts(self.condition, reviewer=self.second_reviewer)

        # The answer page's About block shows the same facts: kept, then new.
        self.assertContains(self.client.get(self.url), "Crow–Fukase syndrome")
        kept = self.client.get(self.url)
        self.assertTrue(
            kept.get("X-Page-Cache", "").startswith("hit")
            or kept.get("X-Stored-Page") == "hit"
        )
        self.assert_next_request(
            self.condition_url,
            other_names,
            gone="Crow–Fukase syndrome",
            shown="Takatsuki disease",
        )
        answer = self.client.get(self.url)
        self.assertNotContains(answer, "Crow–Fukase syndrome")
        self.assertContains(answer, "Takatsuki disease")

    def test_save_reviewer(self) -> None:
        profile = self.reviewer_profile

        def new_specialty():
            profile.specialty = "Blood disorders"
            services.save_reviewer(reviewer=profile, user=self.admin)

        self.assert_next_request(
            profile.get_absolute_url(),
            new_specialty,
            gone="Haematology",
            shown="Blood disorders",
        )

    # --- Community -----------------------------------------------------------------

    def counted_members(self, count: int, *, related: bool = True) -> list:
        """Members in France who chose to be counted on the map."""
        members = []
        for n in range(count):
            user = make_member(f"counted{len(members)}-{n}-{related}")
            member = community_services.member_for(user)
            community_services.update_profile(
                member=member, country="FR", counted_in_map=True
            )
            if related:
                community_services.set_relation(
                    member=member, condition=self.condition, relation="lives_with"
                )
            members.append(member)
        return members

    def assert_map_counts(self, before: int, after: int, change) -> None:
        """The condition page's map counted `before` members; the next
        anonymous request after `change` counts `after`."""
        self.assert_next_request(
            self.condition_url,
            change,
            gone=f"At least {before} members with POEMS syndrome, by country",
            shown=f"At least {after} members with POEMS syndrome, by country",
        )

    def test_set_relation(self) -> None:
        # Figures move in steps of 5 (public/community_map.py): the tenth
        # member names France.
        self.counted_members(9)
        (newcomer,) = self.counted_members(1, related=False)
        self.assert_map_counts(
            5,
            10,
            lambda: community_services.set_relation(
                member=newcomer, condition=self.condition, relation="caregiver"
            ),
        )

    def test_remove_relation(self) -> None:
        first, *_ = self.counted_members(10)
        self.assert_map_counts(
            10,
            5,
            lambda: community_services.remove_relation(
                member=first, condition=self.condition
            ),
        )

    def test_update_profile(self) -> None:
        first, *_ = self.counted_members(10)
        self.assert_map_counts(
            10,
            5,
            lambda: community_services.update_profile(
                member=first, country="FR", counted_in_map=False
            ),
        )

    def published_post(self, text: str, author=None) -> Experience:
        return share_published(
            author or self.member, self.condition, body=text, moderator=self.moderator
        )

    def test_post_experience(self) -> None:
        for n in range(community_services.TRUSTED_AFTER_APPROVED_POSTS):
            self.published_post(f"An earlier post of mine, number {n}, approved.")
        text = "A trusted member's new post goes live without waiting."
        self.assert_next_request(
            self.posts_url,
            lambda: share(self.member, self.condition, body=text),
            shown=text,
        )

    POST = "A post readers can see until this change, and not after it."

    def assert_post_leaves(self, change) -> None:
        """A published post is on the experiences page, kept for the next
        reader; `change(post)` takes it off the next anonymous request."""
        post = self.published_post(self.POST)
        self.assert_next_request(self.posts_url, lambda: change(post), gone=self.POST)

    def test_edit_experience(self) -> None:
        """Its text waits for a moderator (decide_edit), but making a post
        members-only takes it off the next anonymous request at once."""
        self.assert_post_leaves(
            lambda post: community_services.edit_experience(
                user=self.member, experience=post, body=post.body, audience="members"
            )
        )

    def test_decide_edit_showing_a_members_only_post_to_everyone(self) -> None:
        post = self.published_post(self.POST)
        community_services.edit_experience(
            user=self.member, experience=post, body=post.body, audience="members"
        )
        community_services.edit_experience(
            user=self.member, experience=post, body=post.body, audience="public"
        )
        self.assert_next_request(
            self.posts_url,
            lambda: community_services.decide_edit(
                user=self.moderator, experience=post, approve=True
            ),
            shown=self.POST,
        )

    def test_delete_experience(self) -> None:
        self.assert_post_leaves(
            lambda post: community_services.delete_experience(
                user=self.member, experience=post
            )
        )

    def reporters(self) -> list:
        """Enough reporters with a record (only theirs hide a post)."""
        reporters = [
            make_member(f"reporter{n}")
            for n in range(community_services.HIDE_AFTER_REPORTS)
        ]
        for reporter in reporters:
            give_record(reporter, moderator=self.moderator)
        return reporters

    def report_until_hidden(self, post: Experience, reporters: list) -> None:
        for reporter in reporters:
            community_services.report_experience(
                user=reporter, experience=post, reason="This looks like an advert."
            )

    def test_report_experience(self) -> None:
        reporters = self.reporters()
        self.assert_post_leaves(lambda post: self.report_until_hidden(post, reporters))
        self.assertEqual(Experience.objects.get(body=self.POST).status, "hidden")

    def test_dismiss_reports(self) -> None:
        post = self.published_post(self.POST)
        self.report_until_hidden(post, self.reporters())
        self.assert_next_request(
            self.posts_url,
            lambda: community_services.dismiss_reports(
                user=self.moderator, experience=post, reason="Nothing wrong."
            ),
            shown=self.POST,
        )

    def test_approve_experience(self) -> None:
        post = share(self.member, self.condition, body=self.POST)
        self.assert_next_request(
            self.posts_url,
            lambda: community_services.approve_experience(
                user=self.moderator, experience=post
            ),
            shown=self.POST,
        )

    def test_hide_experience(self) -> None:
        self.assert_post_leaves(
            lambda post: community_services.hide_experience(
                user=self.moderator, experience=post, reason="Names a doctor."
            )
        )

    def test_remove_experience(self) -> None:
        self.assert_post_leaves(
            lambda post: community_services.remove_experience(
                user=self.moderator, experience=post, reason="Spam."
            )
        )

    def test_redact_experience(self) -> None:
        def redact(post: Experience) -> None:
            post.refresh_from_db()
            community_services.redact_experience(
                user=self.moderator,
                experience=post,
                body="A post readers can see until this change.",
                reason="A detail that could identify you.",
                seen=post.text_fingerprint,
            )

        self.assert_post_leaves(redact)

    def test_accept_redaction(self) -> None:
        post = share(self.member, self.condition, body=self.POST + " In Dunmore.")
        redacted = "A redacted post, published once its author accepts it."
        community_services.redact_experience(
            user=self.moderator,
            experience=post,
            body=redacted,
            reason="It named your town.",
            seen=post.text_fingerprint,
        )
        post.refresh_from_db()
        self.assert_next_request(
            self.posts_url,
            lambda: community_services.accept_redaction(
                user=self.member, experience=post, seen=post.text_fingerprint
            ),
            shown=redacted,
        )

    def test_decide_edit(self) -> None:
        post = self.published_post(self.POST)
        new_wording = "The second wording of a post about our clinic."
        community_services.edit_experience(
            user=self.member, experience=post, body=new_wording
        )
        self.assert_next_request(
            self.posts_url,
            lambda: community_services.decide_edit(
                user=self.moderator, experience=post, approve=True
            ),
            gone=self.POST,
            shown=new_wording,
        )

    def test_send_to_medical_reviewer(self) -> None:
        self.assert_post_leaves(
            lambda post: community_services.send_to_medical_reviewer(
                user=self.moderator, experience=post, question="Is this safe?"
            )
        )

    def test_publish_with_note(self) -> None:
        post = self.published_post(self.POST)
        community_services.send_to_medical_reviewer(
            user=self.moderator, experience=post, question="Is this safe?"
        )
        post.refresh_from_db()
        self.assert_next_request(
            self.posts_url,
            lambda: community_services.publish_with_note(
                user=self.reviewer,
                experience=post,
                note="Talk to your own doctor before any change.",
                seen=community_services.review_token(post),
            ),
            shown="Talk to your own doctor before any change.",
        )

    def test_delete_account(self) -> None:
        self.assert_post_leaves(
            lambda post: community_services.delete_account(
                user=self.member, keep_posts=False
            )
        )

    def test_withdraw_consent(self) -> None:
        self.assert_post_leaves(
            lambda post: community_services.withdraw_consent(user=self.member)
        )
