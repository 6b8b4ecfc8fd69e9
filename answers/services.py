"""Every step of the review workflow, one function each, and the one write for
conditions and reviewers.

Admin views, admin actions, the content import and management commands call
these; none of them changes workflow state or public content on its own. Each
workflow function checks the user's role, locks the question row, applies one
transition from `ALLOWED_TRANSITIONS`, writes a `ReviewEvent` and queues its
mail in the same transaction (sent after commit). Every function that changes
what readers see calls the publication hook (answers/publication.py) itself,
so no caller has to remember it.
"""

from collections.abc import Callable
from datetime import datetime

import reversion
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from answers import notifications
from answers.checks import blocking_problems, run_checks
from answers.exceptions import (
    ChecksFailed,
    FourEyesViolation,
    InvalidTransition,
    NotAllowed,
    StaleDraft,
    WorkflowError,
)
from answers.models import (
    READER_CONTENT,
    AnswerRevision,
    Condition,
    Question,
    Redirect,
    Reference,
    Reviewer,
    ReviewEvent,
    Status,
)
from answers.publication import public_content_changed
from answers.roles import REVIEWER_GROUP

Action = ReviewEvent.Action

COI_DECLARATION = (
    "I have no conflict of interest with this content other than the disclosures "
    "on my reviewer profile, which are complete and current."
)


def normalise_text(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def actor_name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def active_reviewer(user: AbstractBaseUser) -> Reviewer:
    """The user's reviewer profile, if they may act as a medical reviewer now."""
    if not user.has_perm("answers.review_question"):
        raise NotAllowed("Only medical reviewers can approve or review answers.")
    reviewer = Reviewer.objects.filter(user_id=user.pk, active=True).first()
    if reviewer is None:
        raise NotAllowed(
            "Only an active medical reviewer can do this, and your reviewer "
            "profile is missing or inactive. Ask a site admin to activate it."
        )
    return reviewer


def _cycle_contributions(question: Question, *, upto: ReviewEvent | None = None):
    """Authoring steps of the draft that `upto` approved (default: the draft now),
    i.e. those after the approval before it."""
    events = question.events.all()
    if upto is not None:
        events = events.filter(pk__lt=upto.pk)
    previous_approval = (
        events.filter(action=Action.APPROVED).values_list("pk", flat=True).first()
    )
    if previous_approval:
        events = events.filter(pk__gt=previous_approval)
    return events.filter(action__in=ReviewEvent.CONTRIBUTING_ACTIONS)


def contributor_ids(question: Question, *, upto: ReviewEvent | None = None) -> set:
    """Who wrote, edited, rolled back or submitted that draft (the four-eyes rule)."""
    return set(
        _cycle_contributions(question, upto=upto)
        .exclude(actor=None)
        .values_list("actor_id", flat=True)
    )


def contributor_names(question: Question) -> list[str]:
    return sorted(
        set(_cycle_contributions(question).values_list("actor_name", flat=True))
    )


def lock_question(question: Question) -> Question:
    """The question's row, locked until the transaction ends (PostgreSQL).

    SQLite has no row locks; its write transactions are serialised instead
    (transaction_mode IMMEDIATE in settings).
    """
    return Question.objects.select_for_update().get(pk=question.pk)


def check_version(question: Question, expected_version: int, doing: str) -> None:
    if question.draft_version == expected_version:
        return
    last_edit = question.events.filter(
        action__in=[Action.EDITED, Action.ROLLED_BACK]
    ).first()
    who = (
        f" by {last_edit.actor_name} at {last_edit.created_at:%Y-%m-%d %H:%M} UTC"
        if last_edit
        else ""
    )
    raise StaleDraft(
        f"“{question}” was changed{who} after you opened it (you had version "
        f"{expected_version}, it is now version {question.draft_version}). "
        f"{doing}"
    )


def _record(
    question: Question,
    *,
    action: str,
    user: AbstractBaseUser,
    comment: str = "",
    revision: AnswerRevision | None = None,
    reviewer: Reviewer | None = None,
    at: datetime | None = None,
) -> ReviewEvent:
    event = ReviewEvent(
        question=question,
        action=action,
        actor=user,
        actor_name=actor_name(user),
        draft_version=question.draft_version,
        revision=revision,
        comment=comment,
        created_at=at or timezone.now(),
    )
    if reviewer is not None:
        event.reviewer = reviewer
        event.reviewer_name = reviewer.display_name
        event.reviewer_credentials = reviewer.credentials
        event.reviewer_specialty = reviewer.specialty
        event.coi_statement = coi_statement(reviewer)
    event.save()
    return event


def coi_statement(reviewer: Reviewer) -> str:
    disclosures = reviewer.disclosures.strip() or "None declared."
    return f"{COI_DECLARATION}\nDisclosures: {disclosures}"


def _reviewer_emails(*, exclude_user_ids: set) -> list[str]:
    return list(
        Reviewer.objects.filter(
            active=True, user__is_active=True, user__groups__name=REVIEWER_GROUP
        )
        .exclude(user_id__in=exclude_user_ids)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )


def _user_emails(user_ids: set) -> list[str]:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(pk__in=user_ids, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def save_draft(
    *,
    question: Question,
    user: AbstractBaseUser,
    expected_version: int | None,
    save_related: Callable[[], None] | None = None,
    comment: str = "",
    at: datetime | None = None,
) -> Question:
    """Save the edits already applied to `question` (by a form or an import).

    `expected_version` is the draft version the editor started from (None for a
    new question); if someone saved since, nothing is saved and StaleDraft says
    so. `save_related` saves references in the same transaction.
    """
    adding = question.pk is None
    if not user.has_perm(
        "answers.add_question" if adding else "answers.change_question"
    ):
        raise NotAllowed("You do not have permission to edit answers.")
    if not adding and expected_version is None:
        raise ValueError("Editing an existing draft needs expected_version.")
    # Browsers send textarea line breaks as CRLF; store one form, trimmed, so an
    # unchanged form compares equal and diffs show only real changes.
    for field in ("text", "short_answer", "body"):
        setattr(question, field, normalise_text(getattr(question, field)))
    with transaction.atomic(), reversion.create_revision():
        if not adding:
            current = lock_question(question)
            check_version(
                current,
                expected_version,
                "Your edits were not saved. Copy them, reload the page and apply "
                "them to the newer version.",
            )
            if (
                question.condition_id != current.condition_id
                and current.revisions.exists()
            ):
                raise WorkflowError(
                    f"“{current}” has been published under {current.condition}, "
                    "so it cannot move to another condition: its address, "
                    "history and readers' posts belong there. Write a new "
                    "question under the other condition instead."
                )
            # Workflow fields come from the locked row, never from a form.
            question.status = current.status
            question.live_revision_id = current.live_revision_id
            question.last_review_id = current.last_review_id
            question.next_review_due = current.next_review_due
            question.draft_version = current.draft_version + 1
            if question.status in {Status.PUBLISHED, Status.UNPUBLISHED}:
                question.transition_to(Status.DRAFT)
        question.save()
        if save_related is not None:
            save_related()
        reversion.set_user(user)
        reversion.set_comment(comment or ("Created" if adding else "Draft edited"))
        _record(question, action=Action.EDITED, user=user, comment=comment, at=at)
    return question


def submit_for_review(
    *,
    question: Question,
    user: AbstractBaseUser,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> ReviewEvent:
    if not user.has_perm("answers.submit_question"):
        raise NotAllowed("You do not have permission to submit answers for review.")
    with transaction.atomic():
        locked = lock_question(question)
        if expected_version is not None:
            check_version(locked, expected_version, "Check the latest version first.")
        if locked.status == Status.IN_REVIEW:
            raise InvalidTransition(f"“{locked}” is already waiting for review.")
        locked.transition_to(Status.IN_REVIEW)
        locked.save(update_fields=["status", "updated_at"])
        event = _record(locked, action=Action.SUBMITTED, user=user, at=at)
        recipients = _reviewer_emails(exclude_user_ids=contributor_ids(locked))
        notifications.submitted(locked, event, recipients)
    question.refresh_from_db()
    return event


def approve(
    *,
    question: Question,
    user: AbstractBaseUser,
    expected_version: int,
    coi_confirmed: bool,
    at: datetime | None = None,
) -> AnswerRevision:
    """Publish the draft under review as a new immutable revision."""
    reviewer = active_reviewer(user)
    if not coi_confirmed:
        raise WorkflowError("Confirm the conflict-of-interest declaration to approve.")
    at = at or timezone.now()
    with transaction.atomic():
        locked = lock_question(question)
        if locked.status != Status.IN_REVIEW:
            raise InvalidTransition(
                f"“{locked}” is not waiting for review (it is "
                f"{locked.get_status_display().lower()}), so nothing was approved. "
                "Someone may have decided on it already."
            )
        check_version(locked, expected_version, "Review the latest version.")
        writers = contributor_ids(locked)
        if user.pk in writers:
            raise FourEyesViolation(
                "You wrote or edited this version, so another medical reviewer "
                "must approve it."
            )
        content = locked.draft_content()
        problems = blocking_problems(
            run_checks(content, show_criteria=locked.show_criteria)
        ) + _address_taken(locked, content["slug"])
        if problems:
            raise ChecksFailed(problems)
        previous = locked.revisions.order_by("-number").first()
        changed = previous is None or _reader_content(previous.content()) != (
            _reader_content(content)
        )
        revision = AnswerRevision.objects.create(
            question=locked,
            number=previous.number + 1 if previous else 1,
            draft_version=locked.draft_version,
            content_changed=changed,
            content_updated_at=at if changed else previous.content_updated_at,
            reviewer=reviewer,
            reviewer_name=reviewer.display_name,
            reviewer_credentials=reviewer.credentials,
            reviewer_specialty=reviewer.specialty,
            coi_statement=coi_statement(reviewer),
            approved_at=at,
            **content,
        )
        event = _record(
            locked,
            action=Action.APPROVED,
            user=user,
            revision=revision,
            reviewer=reviewer,
            at=at,
        )
        if previous is not None:
            _leave_address(locked, old_slug=previous.slug, new_slug=revision.slug)
        locked.live_revision = revision
        locked.last_review = event
        locked.next_review_due = _due_date(locked.condition, at)
        locked.transition_to(Status.PUBLISHED)
        locked.save(
            update_fields=[
                "live_revision",
                "last_review",
                "next_review_due",
                "status",
                "updated_at",
            ]
        )
        public_content_changed(questions=[locked])
        recipients = _user_emails(writers)
        notifications.decided(locked, event, recipients)
    question.refresh_from_db()
    return revision


def _reader_content(content: dict) -> dict:
    return {key: content[key] for key in READER_CONTENT}


def _address_taken(question: Question, slug: str) -> list[str]:
    """A problem if another live answer of the condition is at `slug`."""
    taken = (
        Question.objects.published()
        .filter(condition_id=question.condition_id, live_revision__slug=slug)
        .exclude(pk=question.pk)
        .first()
    )
    if taken is None:
        return []
    return [
        f"Address: another live answer of {question.condition}, “{taken}”, is at "
        f"…/{slug}/. Give this draft a different slug."
    ]


def _leave_address(question: Question, *, old_slug: str, new_slug: str) -> None:
    """Once a new slug is approved, the old address answers 301 to the answer
    wherever it is (public/views.py); the new one is nobody's old address."""
    Redirect.objects.filter(
        condition_id=question.condition_id, question__isnull=False, old_slug=new_slug
    ).delete()
    if old_slug != new_slug:
        Redirect.objects.update_or_create(
            condition_id=question.condition_id,
            question__isnull=False,
            old_slug=old_slug,
            defaults={"question": question},
        )


def request_changes(
    *,
    question: Question,
    user: AbstractBaseUser,
    comment: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> ReviewEvent:
    reviewer = active_reviewer(user)
    if not (comment or "").strip():
        raise WorkflowError(
            "Say what needs to change: the comment is sent to the writer."
        )
    with transaction.atomic():
        locked = lock_question(question)
        if locked.status != Status.IN_REVIEW:
            raise InvalidTransition(
                f"“{locked}” is not waiting for review (it is "
                f"{locked.get_status_display().lower()})."
            )
        if expected_version is not None:
            check_version(locked, expected_version, "Review the latest version.")
        locked.transition_to(Status.CHANGES_REQUESTED)
        locked.save(update_fields=["status", "updated_at"])
        event = _record(
            locked,
            action=Action.CHANGES_REQUESTED,
            user=user,
            reviewer=reviewer,
            comment=comment.strip(),
            at=at,
        )
        recipients = _user_emails(contributor_ids(locked))
        notifications.decided(locked, event, recipients)
    question.refresh_from_db()
    return event


def recertify(
    *,
    question: Question,
    user: AbstractBaseUser,
    coi_confirmed: bool,
    at: datetime | None = None,
) -> ReviewEvent:
    """The live content is still correct: “last reviewed” moves, “last updated” not."""
    reviewer = active_reviewer(user)
    if not coi_confirmed:
        raise WorkflowError(
            "Confirm the conflict-of-interest declaration to re-certify."
        )
    at = at or timezone.now()
    with transaction.atomic():
        locked = lock_question(question)
        if locked.live_revision_id is None:
            raise InvalidTransition(
                f"“{locked}” is not published, so there is nothing to re-certify."
            )
        approval = locked.events.filter(
            action=Action.APPROVED, revision_id=locked.live_revision_id
        ).first()
        if approval and user.pk in contributor_ids(locked, upto=approval):
            raise FourEyesViolation(
                "You wrote or edited the live version, so another medical reviewer "
                "must re-certify it."
            )
        event = _record(
            locked,
            action=Action.RECERTIFIED,
            user=user,
            revision=locked.live_revision,
            reviewer=reviewer,
            at=at,
        )
        locked.last_review = event
        locked.next_review_due = _due_date(locked.condition, at)
        locked.save(update_fields=["last_review", "next_review_due", "updated_at"])
        public_content_changed(questions=[locked])
    question.refresh_from_db()
    return event


def unpublish(
    *, question: Question, user: AbstractBaseUser, reason: str
) -> ReviewEvent:
    """Take the live answer off the public site; the draft and history stay."""
    if not user.has_perm("answers.unpublish_question"):
        raise NotAllowed("You do not have permission to unpublish answers.")
    if not (reason or "").strip():
        raise WorkflowError("Give a reason for unpublishing; it goes in the audit log.")
    with transaction.atomic():
        locked = lock_question(question)
        if locked.live_revision_id is None:
            raise InvalidTransition(f"“{locked}” is not published.")
        event = _record(
            locked,
            action=Action.UNPUBLISHED,
            user=user,
            revision=locked.live_revision,
            comment=reason.strip(),
        )
        if locked.status == Status.PUBLISHED:
            locked.transition_to(Status.UNPUBLISHED)
        locked.live_revision = None
        locked.next_review_due = None
        locked.save(
            update_fields=["live_revision", "next_review_due", "status", "updated_at"]
        )
        public_content_changed(questions=[locked])
    question.refresh_from_db()
    return event


def replace_references(question: Question, references: list[dict]) -> None:
    question.references.all().delete()
    # One save each, not bulk_create: django-reversion only records objects it
    # sees saved, and History must be able to restore these references.
    for position, reference in enumerate(references, start=1):
        Reference.objects.create(question=question, order=position, **reference)


def roll_back(
    *,
    question: Question,
    user: AbstractBaseUser,
    revision: AnswerRevision,
    expected_version: int,
) -> ReviewEvent:
    """Make an earlier approved revision the draft again; it needs a new review."""
    if not user.has_perm("answers.change_question"):
        raise NotAllowed("You do not have permission to edit answers.")
    if revision.question_id != question.pk:
        raise WorkflowError("That revision belongs to another question.")
    with transaction.atomic(), reversion.create_revision():
        locked = lock_question(question)
        check_version(locked, expected_version, "Nothing was rolled back.")
        locked.text = revision.question_text
        locked.slug = revision.slug
        locked.kind = revision.kind
        locked.topic = revision.topic
        locked.order = revision.order
        locked.short_answer = revision.short_answer
        locked.body = revision.body
        locked.draft_version += 1
        locked.transition_to(Status.DRAFT)
        locked.save()
        replace_references(locked, revision.references)
        reversion.set_user(user)
        reversion.set_comment(f"Rolled back to approved revision {revision.number}")
        event = _record(
            locked,
            action=Action.ROLLED_BACK,
            user=user,
            revision=revision,
            comment=f"Restored approved revision {revision.number} as the draft.",
        )
    question.refresh_from_db()
    return event


def restore_from_history(
    *,
    question: Question,
    user: AbstractBaseUser,
    version: Version,
    expected_version: int,
) -> Question:
    """Make a saved draft from the admin's History the current draft again."""
    if version.object_id != str(question.pk) or version.content_type.model_class() != (
        Question
    ):
        raise WorkflowError("That history entry belongs to another question.")
    data = version.field_dict
    references = [
        {
            "citation": ref.field_dict["citation"],
            "url": ref.field_dict["url"],
            "pmid": ref.field_dict["pmid"],
            "doi": ref.field_dict["doi"],
        }
        for ref in sorted(
            version.revision.version_set.get_for_model(Reference),
            key=lambda v: (v.field_dict["order"], int(v.object_id)),
        )
        if str(ref.field_dict.get("question_id")) == str(question.pk)
    ]
    for field in ("text", "slug", "kind", "topic", "order", "show_criteria"):
        setattr(question, field, data[field])
    question.short_answer = data["short_answer"]
    question.body = data["body"]
    saved_at = f"{version.revision.date_created:%Y-%m-%d %H:%M} UTC"
    return save_draft(
        question=question,
        user=user,
        expected_version=expected_version,
        save_related=lambda: replace_references(question, references),
        comment=f"Restored the draft saved on {saved_at}.",
    )


def _due_date(condition: Condition, reviewed_at: datetime):
    return timezone.localdate(reviewed_at) + condition.review_interval


def reschedule_reviews(*, condition: Condition) -> int:
    """Recompute next-review dates after the condition's interval changed."""
    with transaction.atomic():
        questions = list(
            Question.objects.published()
            .filter(condition=condition)
            .select_related("last_review")
            .select_for_update(of=("self",))
        )
        changed = []
        for question in questions:
            due = _due_date(condition, question.last_review.created_at)
            if question.next_review_due != due:
                question.next_review_due = due
                changed.append(question)
        Question.objects.bulk_update(changed, ["next_review_due"])
        if changed:
            public_content_changed(questions=changed)
    return len(changed)


# --- Conditions and reviewers ------------------------------------------------------


def save_condition(
    *,
    condition: Condition,
    user: AbstractBaseUser,
    update_fields: list[str] | None = None,
    save_related: Callable[[], None] | None = None,
    comment: str = "",
) -> Condition:
    """Save a condition's facts: the one write for conditions, from the admin's
    form (also a restore from History) and from the content import.

    `update_fields` limits the row's write to the fields that changed (None:
    all of them; empty: only codes or criteria changed). `save_related` saves
    codes and criteria in the same transaction. Every page of the condition
    shows its facts, so they are republished here, and its answers' next
    review dates follow its review interval.
    """
    adding = condition.pk is None
    if not user.has_perm(
        "answers.add_condition" if adding else "answers.change_condition"
    ):
        raise NotAllowed(
            "You do not have permission to "
            + ("add conditions." if adding else "change conditions.")
        )
    with transaction.atomic(), reversion.create_revision():
        if adding or update_fields is None:
            condition.save()
        elif update_fields:
            condition.save(update_fields=[*update_fields, "updated_at"])
        if save_related is not None:
            save_related()
        # The condition's version follows its codes and criteria, so History
        # shows the condition as a whole even when only a code changed.
        reversion.add_to_revision(condition)
        reversion.set_user(user)
        if comment:
            reversion.set_comment(comment)
        reschedule_reviews(condition=condition)
        public_content_changed(conditions=[condition])
    return condition


def save_reviewer(
    *,
    reviewer: Reviewer,
    user: AbstractBaseUser,
    save_related: Callable[[], None] | None = None,
) -> Reviewer:
    """Save a reviewer's profile. Their public page and the reviewer lists on
    every page show it, so every stored page becomes stale."""
    adding = reviewer.pk is None
    if not user.has_perm(
        "answers.add_reviewer" if adding else "answers.change_reviewer"
    ):
        raise NotAllowed("You do not have permission to edit reviewer profiles.")
    with transaction.atomic():
        reviewer.save()
        if save_related is not None:
            save_related()
        public_content_changed()
    return reviewer
