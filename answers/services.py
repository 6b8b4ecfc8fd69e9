"""Every step of the review workflow, one function each, for answers and for
condition facts alike; and the one write for reviewers.

Admin views, admin actions, the content import and management commands call
these; none of them changes workflow state or public content on its own. Each
workflow function takes the `item` it acts on (a `Question`, whose answer is
reviewed, or a `Condition`, whose facts are), checks the user's role for that
kind of content, locks the item's row, applies one transition from
`ALLOWED_TRANSITIONS`, writes a `ReviewEvent` and queues its mail in the same
transaction (sent after commit). Every function that changes what readers see
calls the publication hook (answers/publication.py) itself, so no caller has
to remember it.
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime

import reversion
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from reversion.models import Version

from answers import feedback, notifications
from answers.checks import (
    Check,
    blocking_problems,
    change_summary_check,
    condition_checks,
    run_checks,
)
from answers.exceptions import (
    ChecksFailed,
    CodeRefused,
    FourEyesViolation,
    InvalidTransition,
    NotAllowed,
    StaleDraft,
    WorkflowError,
)
from answers.models import (
    READER_CONTENT,
    AnswerRevision,
    Concept,
    Condition,
    ConditionCode,
    ConditionRevision,
    CriteriaGroup,
    CriteriaSet,
    Question,
    Redirect,
    Reference,
    ReviewedContent,
    Reviewer,
    ReviewEvent,
    Status,
)
from answers.publication import public_content_changed
from answers.roles import REVIEWER_GROUP
from answers.terminology.codes import (
    check_code,
    find_concepts,
    same_name_concepts,
    synonym_names,
)
from diseasemaps.lib import names

Action = ReviewEvent.Action
Revision = AnswerRevision | ConditionRevision

COI_DECLARATION = (
    "I have no conflict of interest with this content other than the disclosures "
    "on my reviewer profile, which are complete and current."
)


def normalise_text(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def actor_name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def noun(item: ReviewedContent, *, plural: bool = False) -> str:
    """What a reviewer approves of this item, for messages."""
    if isinstance(item, Question):
        return "answers" if plural else "answer"
    return "condition facts" if plural else "condition's facts"


def _permission(item: ReviewedContent | type, step: str) -> str:
    return f"answers.{step}_{item._meta.model_name}"


def active_reviewer(
    user: AbstractBaseUser, item: ReviewedContent | type = Question
) -> Reviewer:
    """The user's reviewer profile, if they may act as a medical reviewer on
    this kind of content now."""
    if not user.has_perm(_permission(item, "review")):
        raise NotAllowed("Only medical reviewers can approve or review this.")
    reviewer = Reviewer.objects.filter(user_id=user.pk, active=True).first()
    if reviewer is None:
        raise NotAllowed(
            "Only an active medical reviewer can do this, and your reviewer "
            "profile is missing or inactive. Ask a site admin to activate it."
        )
    return reviewer


def _cycle_contributions(item: ReviewedContent, *, upto: ReviewEvent | None = None):
    """Authoring steps of the draft that `upto` approved (default: the draft now),
    i.e. those after the approval before it."""
    events = item.events.all()
    if upto is not None:
        events = events.filter(pk__lt=upto.pk)
    previous_approval = (
        events.filter(action=Action.APPROVED).values_list("pk", flat=True).first()
    )
    if previous_approval:
        events = events.filter(pk__gt=previous_approval)
    return events.filter(action__in=ReviewEvent.CONTRIBUTING_ACTIONS)


def contributor_ids(item: ReviewedContent, *, upto: ReviewEvent | None = None) -> set:
    """Who wrote, edited, rolled back or submitted that draft (the four-eyes rule)."""
    return set(
        _cycle_contributions(item, upto=upto)
        .exclude(actor=None)
        .values_list("actor_id", flat=True)
    )


def contributor_names(item: ReviewedContent) -> list[str]:
    return sorted(set(_cycle_contributions(item).values_list("actor_name", flat=True)))


def lock(item: ReviewedContent) -> ReviewedContent:
    """The item's row, locked until the transaction ends (PostgreSQL).

    SQLite has no row locks; its write transactions are serialised instead
    (transaction_mode IMMEDIATE in settings).
    """
    return type(item).objects.select_for_update().get(pk=item.pk)


def check_version(item: ReviewedContent, expected_version: int, doing: str) -> None:
    if item.draft_version == expected_version:
        return
    last_edit = item.events.filter(
        action__in=[Action.EDITED, Action.ROLLED_BACK]
    ).first()
    who = (
        f" by {last_edit.actor_name} at {last_edit.created_at:%Y-%m-%d %H:%M} UTC"
        if last_edit
        else ""
    )
    raise StaleDraft(
        f"“{item}” was changed{who} after you opened it (you had version "
        f"{expected_version}, it is now version {item.draft_version}). "
        f"{doing}"
    )


def _record(
    item: ReviewedContent,
    *,
    action: str,
    user: AbstractBaseUser,
    comment: str = "",
    revision: Revision | None = None,
    reviewer: Reviewer | None = None,
    at: datetime | None = None,
) -> ReviewEvent:
    event = ReviewEvent(
        action=action,
        actor=user,
        actor_name=actor_name(user),
        draft_version=item.draft_version,
        comment=comment,
        created_at=at or timezone.now(),
    )
    if isinstance(item, Question):
        event.question, event.revision = item, revision
    else:
        event.condition, event.condition_revision = item, revision
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


# --- Drafts ------------------------------------------------------------------------

# Text fields stored in one form (LF line breaks, trimmed), so an unchanged form
# compares equal and diffs show only real changes.
_NORMALISED = {
    Question: ("text", "short_answer", "body", "change_summary"),
    Condition: ("name", "synonyms", "summary"),
}


def save_draft(
    *,
    item: ReviewedContent,
    user: AbstractBaseUser,
    expected_version: int | None,
    save_related: Callable[[], None] | None = None,
    comment: str = "",
    at: datetime | None = None,
) -> ReviewedContent:
    """Save the edits already applied to `item` (by a form or an import): a
    question's draft answer, or a condition's draft facts (with its codes and
    criteria sets, written by `save_related` in the same transaction).

    `expected_version` is the draft version the editor started from (None for
    a new item); if someone saved since, nothing is saved and StaleDraft says
    so. Nothing here reaches readers: the draft waits for a reviewer. The one
    exception is a condition's review interval, which is scheduling rather
    than content: the next-review dates of its live answers follow it.
    """
    adding = item.pk is None
    if not user.has_perm(_permission(item, "add" if adding else "change")):
        raise NotAllowed(
            f"You do not have permission to {'add' if adding else 'edit'} "
            f"{item._meta.verbose_name_plural}."
        )
    if not adding and expected_version is None:
        raise ValueError("Editing an existing draft needs expected_version.")
    for field in _NORMALISED[type(item)]:
        setattr(item, field, normalise_text(getattr(item, field)))
    interval_changed = False
    with transaction.atomic(), reversion.create_revision():
        if not adding:
            current = lock(item)
            check_version(
                current,
                expected_version,
                "Your edits were not saved. Copy them, reload the page and apply "
                "them to the newer version.",
            )
            if isinstance(item, Question):
                _refuse_move(item, current)
            else:
                interval_changed = (
                    item.review_interval_days != current.review_interval_days
                )
                item.public_name = current.public_name
                item.public_slug = current.public_slug
            # Workflow fields come from the locked row, never from a form.
            item.status = current.status
            item.live_revision_id = current.live_revision_id
            item.last_review_id = current.last_review_id
            item.next_review_due = current.next_review_due
            item.draft_version = current.draft_version + 1
            if item.status in {Status.PUBLISHED, Status.UNPUBLISHED}:
                item.transition_to(Status.DRAFT)
        codes_before = (
            set(item.codes.values_list("system", "code"))
            if isinstance(item, Condition) and not adding
            else set()
        )
        item.save()
        if save_related is not None:
            save_related()
        if isinstance(item, Condition):
            _check_codes(item, unchanged=codes_before)
            # History shows the condition as a whole, codes and criteria too.
            reversion.add_to_revision(item)
        reversion.set_user(user)
        reversion.set_comment(comment or ("Created" if adding else "Draft edited"))
        _record(item, action=Action.EDITED, user=user, comment=comment, at=at)
        if interval_changed:
            reschedule_reviews(condition=item)
    return item


def _check_codes(condition: Condition, *, unchanged: set[tuple[str, str]]) -> None:
    """Refuse (CodeRefused, naming the code, the system and the release) any
    code this save wrote that is not active in the current release of its
    system, whoever wrote it: the admin, the import or a restore from History.
    Codes the save left as they were are the pre-approval checks' to report:
    a release that retires one must not block the edit that replaces it."""
    rows = list(condition.codes.all())
    if not rows:
        return
    found = find_concepts([(row.system, row.code) for row in rows])
    for row in rows:
        concept = found[(row.system, row.code)]
        if isinstance(concept, str):
            if (row.system, row.code) in unchanged:
                continue
            raise CodeRefused(concept)
        # Rows written without their concept (an import, a restore) get it.
        if row.concept_id != concept.pk or row.code != concept.code:
            # Saved, not updated: History records the row as it now is.
            row.concept = concept
            row.save()


def start_condition(*, concept: Concept, user: AbstractBaseUser) -> Condition:
    """A new draft condition from a catalogue concept: the source's preferred
    name, an address of its own, the source's other names for it (not the
    terms it merely includes or relates) as synonyms, and as codes the concept
    and the concepts of the other systems with exactly the same preferred
    name. A draft like any other: a writer completes it, a reviewer approves."""
    if not user.has_perm(_permission(Condition, "add")):
        raise NotAllowed("You do not have permission to add conditions.")
    concept = check_code(concept.system, concept.code)
    name = concept.name.strip()
    if len(name) > Condition._meta.get_field("name").max_length:
        raise WorkflowError(
            f"{concept.system} {concept.code}’s name is too long for a condition "
            "name; add the condition by hand."
        )
    existing = Condition.objects.filter(name__iexact=name).first()
    if existing is not None:
        raise WorkflowError(f"There is a condition named “{existing}” already.")
    concepts = [concept, *same_name_concepts(concept)]
    # One spelling of each name: "Crow–Fukase" and "Crow-Fukase" are one.
    seen = {names.normalise(name)}
    synonyms = []
    for other in synonym_names(concepts):
        key = names.normalise(other.name)
        if key not in seen:
            seen.add(key)
            synonyms.append(other.name.strip())
    condition = Condition(
        name=name, slug=_free_slug(name, concept), synonyms="\n".join(synonyms)
    )

    def add_codes() -> None:
        for each in concepts:
            ConditionCode.objects.create(condition=condition, concept=each)

    return save_draft(
        item=condition,
        user=user,
        expected_version=None,
        save_related=add_codes,
        comment=f"Started from {concept}",
    )


def _free_slug(name: str, concept: Concept) -> str:
    """An address no condition has, had or is known by."""
    length = Condition._meta.get_field("slug").max_length
    base = slugify(name)[: length - 4].strip("-") or slugify(
        f"{concept.system} {concept.code}"
    )
    taken = {
        *Condition.objects.filter(slug__startswith=base).values_list("slug", flat=True),
        *Condition.objects.filter(public_slug__startswith=base).values_list(
            "public_slug", flat=True
        ),
        *Redirect.objects.filter(
            question__isnull=True, old_slug__startswith=base
        ).values_list("old_slug", flat=True),
    }
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def _refuse_move(question: Question, current: Question) -> None:
    if question.condition_id != current.condition_id and current.revisions.exists():
        raise WorkflowError(
            f"“{current}” has been published under {current.condition}, so it "
            "cannot move to another condition: its address, history and "
            "readers' posts belong there. Write a new question under the other "
            "condition instead."
        )


def submit_for_review(
    *,
    item: ReviewedContent,
    user: AbstractBaseUser,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> ReviewEvent:
    if not user.has_perm(_permission(item, "submit")):
        raise NotAllowed(
            f"You do not have permission to submit {noun(item, plural=True)}."
        )
    with transaction.atomic():
        locked = lock(item)
        if expected_version is not None:
            check_version(locked, expected_version, "Check the latest version first.")
        if locked.status == Status.IN_REVIEW:
            raise InvalidTransition(f"“{locked}” is already waiting for review.")
        locked.transition_to(Status.IN_REVIEW)
        locked.save(update_fields=["status", "updated_at"])
        event = _record(locked, action=Action.SUBMITTED, user=user, at=at)
        recipients = _reviewer_emails(exclude_user_ids=contributor_ids(locked))
        notifications.submitted(locked, event, recipients)
    item.refresh_from_db()
    return event


# --- Approval ----------------------------------------------------------------------


def checks_for(item: ReviewedContent, content: dict | None = None) -> list[Check]:
    """The pre-approval checks of the item's draft (or of `content`), as the
    review screen shows them and `approve` enforces them."""
    content = item.draft_content() if content is None else content
    if isinstance(item, Condition):
        return condition_checks(content)
    facts = item.condition.live_revision
    checks = run_checks(
        {**content, "criteria": facts.criteria if facts else []},
        show_criteria=content["show_criteria"],
    )
    live = item.live_revision
    if live is not None and content_changed(item, live.content(), content):
        checks.append(change_summary_check(item.change_summary))
    return checks


def _address_taken(item: ReviewedContent, slug: str) -> list[str]:
    """A problem if another live page has the address `slug` would give."""
    if isinstance(item, Condition):
        taken = Condition.objects.filter(public_slug=slug).exclude(pk=item.pk).first()
        where = f"/conditions/{slug}/"
    elif item.condition.public_slug is None:
        # The condition's first live answer makes it public under its slug.
        return _address_taken(item.condition, item.condition.slug)
    else:
        taken = (
            Question.objects.published()
            .filter(condition_id=item.condition_id, live_revision__slug=slug)
            .exclude(pk=item.pk)
            .first()
        )
        where = f"…/{slug}/"
    if taken is None:
        return []
    return [f"Address: “{taken}” is live at {where}. Give this draft a different slug."]


def _leave_address(item: ReviewedContent, *, old_slug: str, new_slug: str) -> None:
    """Once a new slug is approved, the old address answers 301 to the page
    wherever it is (public/views.py); the new one is nobody's old address."""
    if isinstance(item, Condition):
        scope = {"question__isnull": True}
        target = {"condition": item}
    else:
        scope = {"condition_id": item.condition_id, "question__isnull": False}
        target = {"condition_id": item.condition_id, "question": item}
    Redirect.objects.filter(**scope, old_slug=new_slug).delete()
    if old_slug != new_slug:
        Redirect.objects.update_or_create(**scope, old_slug=old_slug, defaults=target)


def _make_public(condition: Condition) -> None:
    """A condition whose first answer goes live is known by the name and
    address the answer's reviewer saw on the page they approved, until its
    facts are approved (the facts revision then names it)."""
    if condition.public_slug is None:
        Condition.objects.filter(pk=condition.pk).update(
            public_name=condition.name, public_slug=condition.slug
        )
        condition.public_name, condition.public_slug = condition.name, condition.slug


def _codes_readers_see(codes: list[dict]) -> list[tuple[str, str, str]]:
    """The codes a page shows (those recorded with the release they were
    checked against), as readers see them: system, code and the source's
    name. The release itself is when a code was checked, not what it says."""
    return [
        (code["system"], code["code"], code.get("name", ""))
        for code in codes
        if code.get("release")
    ]


def content_changed(item: ReviewedContent, previous: dict, content: dict) -> bool:
    """Did what readers read change ("last updated")? All of a condition's
    facts count, its codes as pages show them; for an answer, not its
    address or place."""
    if isinstance(item, Condition):
        return {**previous, "codes": _codes_readers_see(previous["codes"])} != {
            **content,
            "codes": _codes_readers_see(content["codes"]),
        }
    return any(previous.get(key) != content[key] for key in READER_CONTENT)


def _announce(item: ReviewedContent) -> None:
    if isinstance(item, Condition):
        public_content_changed(conditions=[item])
    else:
        public_content_changed(questions=[item])


def approve(
    *,
    item: ReviewedContent,
    user: AbstractBaseUser,
    expected_version: int,
    coi_confirmed: bool,
    close_feedback: Iterable[int] = (),
    at: datetime | None = None,
) -> Revision:
    """Publish the draft under review as a new immutable revision.

    An answer's revision carries the writer's change summary for readers
    (none for a first publication), and the draft's is cleared for the next
    change. `close_feedback`: ids of the answer's open reader reports this
    approval fixes; they close with it and their readers are told, once."""
    reviewer = active_reviewer(user, item)
    if not coi_confirmed:
        raise WorkflowError("Confirm the conflict-of-interest declaration to approve.")
    at = at or timezone.now()
    with transaction.atomic():
        locked = lock(item)
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
        problems = blocking_problems(checks_for(locked, content))
        problems += _address_taken(locked, content["slug"])
        if isinstance(locked, Question) and locked.condition.public_slug is None:
            problems += _address_taken(locked.condition, locked.condition.slug)
        if problems:
            raise ChecksFailed(problems)
        previous = locked.revisions.order_by("-number").first()
        changed = previous is None or content_changed(
            locked, previous.content(), content
        )
        revision = locked.revisions.create(
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
            **_change_summary(locked, first=previous is None),
        )
        event = _record(
            locked,
            action=Action.APPROVED,
            user=user,
            revision=revision,
            reviewer=reviewer,
            at=at,
        )
        fields = ["live_revision", "last_review", "next_review_due", "status"]
        if isinstance(locked, Condition):
            old_slug = locked.public_slug
            locked.public_name, locked.public_slug = revision.name, revision.slug
            fields += ["public_name", "public_slug"]
            # The checks passed, so every code is active in its current
            # release: what a new release retired is dealt with.
            locked.terminology_alerts.filter(resolved_at__isnull=True).update(
                resolved_at=at, resolved_by=revision
            )
        else:
            old_slug = previous.slug if previous else None
            _make_public(locked.condition)
            locked.change_summary = ""
            fields.append("change_summary")
        if old_slug is not None:
            _leave_address(locked, old_slug=old_slug, new_slug=revision.slug)
        locked.live_revision = revision
        locked.last_review = event
        locked.next_review_due = _due_date(locked, at)
        locked.transition_to(Status.PUBLISHED)
        locked.save(update_fields=[*fields, "updated_at"])
        if isinstance(locked, Question):
            # After the save: the reader's link is the answer's new address.
            feedback.close_with_approval(
                question=locked, revision=revision, ids=close_feedback, user=user
            )
        _announce(locked)
        notifications.decided(locked, event, _user_emails(writers))
    item.refresh_from_db()
    return revision


def _change_summary(item: ReviewedContent, *, first: bool) -> dict:
    """The revision's change summary for readers: an answer's, once it has
    been published before."""
    if not isinstance(item, Question):
        return {}
    return {"change_summary": "" if first else normalise_text(item.change_summary)}


def request_changes(
    *,
    item: ReviewedContent,
    user: AbstractBaseUser,
    comment: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> ReviewEvent:
    reviewer = active_reviewer(user, item)
    if not (comment or "").strip():
        raise WorkflowError(
            "Say what needs to change: the comment is sent to the writer."
        )
    with transaction.atomic():
        locked = lock(item)
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
        notifications.decided(locked, event, _user_emails(contributor_ids(locked)))
    item.refresh_from_db()
    return event


def recertify(
    *,
    item: ReviewedContent,
    user: AbstractBaseUser,
    coi_confirmed: bool,
    at: datetime | None = None,
) -> ReviewEvent:
    """The live content is still correct: “last reviewed” moves, “last updated” not."""
    reviewer = active_reviewer(user, item)
    if not coi_confirmed:
        raise WorkflowError(
            "Confirm the conflict-of-interest declaration to re-certify."
        )
    at = at or timezone.now()
    with transaction.atomic():
        locked = lock(item)
        if locked.live_revision_id is None:
            raise InvalidTransition(
                f"“{locked}” is not published, so there is nothing to re-certify."
            )
        approval = locked.events.filter(
            action=Action.APPROVED,
            **{_revision_field(locked): locked.live_revision_id},
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
        locked.next_review_due = _due_date(locked, at)
        locked.save(update_fields=["last_review", "next_review_due", "updated_at"])
        _announce(locked)
    item.refresh_from_db()
    return event


def _revision_field(item: ReviewedContent) -> str:
    """ReviewEvent's foreign key to this item's revisions."""
    return "revision_id" if isinstance(item, Question) else "condition_revision_id"


def unpublish(
    *, item: ReviewedContent, user: AbstractBaseUser, reason: str
) -> ReviewEvent:
    """Take the live version off the public site; the draft and history stay.

    A condition's facts come off its pages (they then show its name and its
    reviewed answers only); its answers stay live.
    """
    if not user.has_perm(_permission(item, "unpublish")):
        raise NotAllowed(
            f"You do not have permission to unpublish {noun(item, plural=True)}."
        )
    if not (reason or "").strip():
        raise WorkflowError("Give a reason for unpublishing; it goes in the audit log.")
    with transaction.atomic():
        locked = lock(item)
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
        _announce(locked)
    item.refresh_from_db()
    return event


# --- Restoring earlier versions ----------------------------------------------------


def replace_references(question: Question, references: list[dict]) -> None:
    question.references.all().delete()
    # One save each, not bulk_create: django-reversion only records objects it
    # sees saved, and History must be able to restore these references.
    for position, reference in enumerate(references, start=1):
        Reference.objects.create(question=question, order=position, **reference)


def replace_codes(condition: Condition, codes: list[dict]) -> None:
    """Replace the condition's codes; the caller (roll_back, save_draft for a
    restore from History) then checks the new ones (`_check_codes`)."""
    condition.codes.all().delete()
    for code in codes:
        ConditionCode.objects.create(
            condition=condition, system=code["system"], code=code["code"]
        )


def replace_criteria(condition: Condition, criteria: list[dict]) -> None:
    """Replace the condition's criteria sets with `criteria` (snapshots)."""
    for criteria_set in condition.criteria_sets.all():
        criteria_set.delete()
    for position, snapshot in enumerate(criteria, start=1):
        criteria_set = CriteriaSet.objects.create(
            condition=condition,
            order=position,
            **{
                key: snapshot.get(key, "")
                for key in ("title", "applies_to", "source", "version", "rule")
            },
        )
        for order, group in enumerate(snapshot.get("groups", []), start=1):
            CriteriaGroup.objects.create(
                criteria_set=criteria_set,
                order=order,
                category=group["category"],
                count_rule=group.get("count_rule", ""),
                items="\n".join(group["items"]),
            )


def _restore(locked: ReviewedContent, revision: Revision) -> None:
    """Make the draft what `revision` approved (row and related rows)."""
    content = revision.content()
    if isinstance(locked, Question):
        locked.text = content["question_text"]
        for field in ("slug", "kind", "topic", "order", "short_answer", "body"):
            setattr(locked, field, content[field])
        locked.show_criteria = revision.show_criteria
        # The old revision's summary described an old change: the writer
        # says what this one changes.
        locked.change_summary = ""
        locked.save()
        replace_references(locked, revision.references)
        return
    for field in ("name", "slug", "acronym", "acronym_expansion", "summary"):
        setattr(locked, field, content[field])
    locked.synonyms = "\n".join(content["synonyms"])
    locked.prevalence = content["prevalence"]
    locked.save()
    replace_codes(locked, content["codes"])
    replace_criteria(locked, content["criteria"])


def roll_back(
    *,
    item: ReviewedContent,
    user: AbstractBaseUser,
    revision: Revision,
    expected_version: int,
) -> ReviewEvent:
    """Make an earlier approved revision the draft again; it needs a new review."""
    if not user.has_perm(_permission(item, "change")):
        raise NotAllowed(
            f"You do not have permission to edit {noun(item, plural=True)}."
        )
    if revision not in item.revisions.all():
        raise WorkflowError(f"That revision belongs to another {type(item).__name__}.")
    with transaction.atomic(), reversion.create_revision():
        locked = lock(item)
        check_version(locked, expected_version, "Nothing was rolled back.")
        locked.draft_version += 1
        locked.transition_to(Status.DRAFT)
        if isinstance(locked, Condition):
            codes_before = set(locked.codes.values_list("system", "code"))
        _restore(locked, revision)
        if isinstance(locked, Condition):
            _check_codes(locked, unchanged=codes_before)
            reversion.add_to_revision(locked)
        reversion.set_user(user)
        reversion.set_comment(f"Rolled back to approved revision {revision.number}")
        event = _record(
            locked,
            action=Action.ROLLED_BACK,
            user=user,
            revision=revision,
            comment=f"Restored approved revision {revision.number} as the draft.",
        )
    item.refresh_from_db()
    return event


def _saved_rows(version: Version, model, **parent) -> list[dict]:
    """The rows of `model` saved with `version` that belong to `parent`
    (e.g. question=pk), in their order, as field dicts."""
    ((field, pk),) = parent.items()
    rows = [
        child.field_dict
        for child in version.revision.version_set.get_for_model(model)
        if str(child.field_dict.get(f"{field}_id")) == str(pk)
    ]
    return sorted(rows, key=lambda row: (row.get("order", 0), row["id"]))


def restore_from_history(
    *,
    item: ReviewedContent,
    user: AbstractBaseUser,
    version: Version,
    expected_version: int,
) -> ReviewedContent:
    """Make a saved draft from the admin's History the current draft again,
    with its references (a question) or codes and criteria sets (a
    condition). Workflow state never comes from History: it is a draft edit."""
    if version.object_id != str(item.pk) or (
        version.content_type.model_class() is not type(item)
    ):
        raise WorkflowError(f"That history entry belongs to another {noun(item)}.")
    data = version.field_dict
    saved_at = f"{version.revision.date_created:%Y-%m-%d %H:%M} UTC"
    if isinstance(item, Question):
        fields = ("text", "slug", "kind", "topic", "order", "show_criteria")
        fields += ("short_answer", "body")
        references = [
            {key: row[key] for key in ("citation", "url", "pmid", "doi")}
            for row in _saved_rows(version, Reference, question=item.pk)
        ]

        def save_related() -> None:
            replace_references(item, references)

    else:
        fields = tuple(name for name in Condition.DRAFT_FIELDS if name in data)
        codes = [
            {"system": row["system"], "code": row["code"]}
            for row in _saved_rows(version, ConditionCode, condition=item.pk)
        ]
        criteria = [
            {
                **{
                    key: row[key]
                    for key in ("title", "applies_to", "source", "version", "rule")
                },
                "groups": [
                    {
                        "category": group["category"],
                        "count_rule": group["count_rule"],
                        "items": [
                            line.strip()
                            for line in group["items"].splitlines()
                            if line.strip()
                        ],
                    }
                    for group in _saved_rows(
                        version, CriteriaGroup, criteria_set=row["id"]
                    )
                ],
            }
            for row in _saved_rows(version, CriteriaSet, condition=item.pk)
        ]

        def save_related() -> None:
            replace_codes(item, codes)
            replace_criteria(item, criteria)

    for field in fields:
        setattr(item, field, data[field])
    return save_draft(
        item=item,
        user=user,
        expected_version=expected_version,
        save_related=save_related,
        comment=f"Restored the draft saved on {saved_at}.",
    )


# --- Review dates ------------------------------------------------------------------


def _due_date(item: ReviewedContent, reviewed_at: datetime) -> date:
    return timezone.localdate(reviewed_at) + item.review_interval


def reschedule_reviews(*, condition: Condition) -> int:
    """Recompute next-review dates after the condition's interval changed:
    its live answers' and its live facts'."""
    with transaction.atomic():
        questions = list(
            Question.objects.published()
            .filter(condition=condition)
            .select_related("last_review", "condition")
            .select_for_update(of=("self",))
        )
        changed = []
        for question in questions:
            due = _due_date(question, question.last_review.created_at)
            if question.next_review_due != due:
                question.next_review_due = due
                changed.append(question)
        Question.objects.bulk_update(changed, ["next_review_due"])
        facts = (
            Condition.objects.live()
            .select_related("last_review")
            .filter(pk=condition.pk)
            .first()
        )
        facts_changed = False
        if facts is not None:
            due = _due_date(facts, facts.last_review.created_at)
            if facts.next_review_due != due:
                Condition.objects.filter(pk=facts.pk).update(next_review_due=due)
                condition.next_review_due = due
                facts_changed = True
        if facts_changed:
            # Every page of the condition, its answers' pages included.
            public_content_changed(conditions=[condition])
        elif changed:
            public_content_changed(questions=changed)
    return len(changed) + facts_changed


# --- Reviewers ---------------------------------------------------------------------


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
