"""Every step of a reader's report, one function each, and the one write of
the yes/no question.

Readers send (`receive_feedback`, `record_vote`); writers and reviewers
triage, assign, accept and decline (`triage_feedback`); a reviewer closes a
report with the approval that fixes it, from the review screen
(`answers.services.approve(close_feedback=…)`, which calls
`close_with_approval`) or from the queue (`close_fixed`), and the reader who
left an address is told once. Each step checks the user's permission, locks
the report's row, moves its state through `Feedback.transition_to` and writes
a `FeedbackEvent`, in one transaction. A reply address is erased in the
transaction that declines or closes its report.

The reader's text is untrusted: `clean_reader_text` keeps it plain and
printable, templates escape it, and no public page ever shows it.
"""

import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from answers import notifications
from answers.exceptions import InvalidTransition, NotAllowed, WorkflowError
from answers.models import (
    OPEN_STATES,
    AnswerRevision,
    Feedback,
    FeedbackEvent,
    FeedbackKind,
    FeedbackState,
    HelpfulVote,
    Question,
)
from answers.models.feedback import due_date
from diseasemaps.lib.markdown import headings

Action = FeedbackEvent.Action
State = FeedbackState

TEXT_MIN, TEXT_MAX = 10, 2000
# What a report says once the member who sent it deleted their account.
ERASED_TEXT = "(The reader who sent this deleted their account.)"
# Who the audit trail names for a reader's own step: never the member.
READER = "Reader"

# Direction overrides and isolates reorder what staff read (a report could
# show one text and hold another); the other format characters are invisible.
_INVISIBLE = re.compile(
    "[\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


class FeedbackError(WorkflowError):
    """A report that cannot be taken or a step that cannot happen; the message
    says why and what to do, in words a reader understands."""


def clean_reader_text(text: str) -> str:
    """Untrusted text as plain, printable text: line breaks as LF, no control,
    direction or invisible characters, at most one blank line in a row."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n")
    text = text.replace("\r", "\n").replace("\t", " ")
    text = _INVISIBLE.sub("", text)
    text = "".join(
        char
        for char in text
        if char == "\n" or unicodedata.category(char) not in {"Cc", "Cs", "Co", "Cn"}
    )
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def sections_of(revision: AnswerRevision) -> list[str]:
    """The answer's sub-question headings, as the reader saw them."""
    return [text for level, text in headings(revision.body) if level == 2]


def _live(question: Question) -> AnswerRevision:
    if question.live_revision_id is None:
        raise FeedbackError(
            "This answer is no longer on the site, so we cannot take a report "
            "about it. You can report a problem with any other answer."
        )
    return question.live_revision


def receive_feedback(
    *,
    user: AbstractBaseUser,
    question: Question,
    kind: str,
    section: str,
    text: str,
    reply_to: str = "",
    at: datetime | None = None,
) -> Feedback:
    """Take a reader's report on a live answer. Anyone may send one; a
    logged-in reader's report is theirs (export, erasure). The caller limits
    how often (public/feedback.py, per address)."""
    revision = _live(question)
    if kind not in FeedbackKind.values:
        raise FeedbackError("Choose what kind of problem it is.")
    section = (section or "").strip()
    if section and section not in sections_of(revision):
        raise FeedbackError(
            "That part of the answer has changed since you opened the page. "
            "Choose the part again."
        )
    text = clean_reader_text(text)
    if not TEXT_MIN <= len(text) <= TEXT_MAX:
        raise FeedbackError(
            f"Tell us what you noticed in {TEXT_MIN} to {TEXT_MAX} characters; "
            f"this has {len(text)}."
        )
    reply_to = (reply_to or "").strip()
    if reply_to:
        try:
            validate_email(reply_to)
        except ValidationError:
            raise FeedbackError(
                "That email address does not look complete. Check it, or leave "
                "it empty if you do not need a reply."
            ) from None
    at = at or timezone.now()
    with transaction.atomic():
        feedback = Feedback.objects.create(
            question=question,
            revision=revision,
            kind=kind,
            section=section,
            text=text,
            reply_to=reply_to,
            reader=user if getattr(user, "is_authenticated", False) else None,
            due_on=due_date(kind, timezone.localdate(at)),
            created_at=at,
        )
        _record(feedback, Action.RECEIVED, None, at=at)
    return feedback


def record_vote(
    *, question: Question, helpful: bool, at: datetime | None = None
) -> HelpfulVote:
    """One anonymous "did this answer your question?" click on a live answer.
    Nobody is recorded with it, so it needs no user; the view limits how
    often an address may vote."""
    revision = _live(question)
    return HelpfulVote.objects.create(
        question=question,
        revision=revision,
        helpful=bool(helpful),
        created_at=at or timezone.now(),
    )


# --- Editorial steps --------------------------------------------------------------


def _actor_name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return READER
    return user.get_full_name() or user.get_username()


def _record(
    feedback: Feedback,
    action: str,
    user: AbstractBaseUser | None,
    *,
    comment: str = "",
    at: datetime | None = None,
) -> FeedbackEvent:
    return FeedbackEvent.objects.create(
        feedback=feedback,
        action=action,
        actor=user,
        actor_name=_actor_name(user),
        comment=comment,
        created_at=at or timezone.now(),
    )


def _require(user: AbstractBaseUser, permission: str, doing: str) -> None:
    if not getattr(user, "is_authenticated", False) or not user.has_perm(
        f"answers.{permission}"
    ):
        raise NotAllowed(f"Only writers and medical reviewers can {doing}.")


def _lock(feedback: Feedback) -> Feedback:
    return Feedback.objects.select_for_update().get(pk=feedback.pk)


def _may_be_assigned(person: AbstractBaseUser) -> bool:
    return (
        person.is_active
        and person.is_staff
        and person.has_perm("answers.triage_feedback")
    )


def triage_feedback(
    *,
    feedback: Feedback,
    user: AbstractBaseUser,
    step: str,
    assignee: AbstractBaseUser | None = None,
    comment: str = "",
    at: datetime | None = None,
) -> Feedback:
    """One step of the queue: "triage" (read it; it is someone's now),
    "assign" (to `assignee`), "accept" (the answer needs a fix: the writer
    drafts it in the answer's draft) or "decline" (`comment` says why; the
    reply address is erased)."""
    _require(user, "triage_feedback", "work on reader feedback")
    comment = (comment or "").strip()
    at = at or timezone.now()
    with transaction.atomic():
        locked = _lock(feedback)
        if locked.state not in OPEN_STATES:
            raise InvalidTransition(
                f"This report is {locked.get_state_display().lower()} already."
            )
        fields = ["state", "assignee"]
        if step == "triage":
            locked.transition_to(State.TRIAGED)
            locked.assignee = assignee or locked.assignee or user
            action = Action.TRIAGED
        elif step == "assign":
            if assignee is None or not _may_be_assigned(assignee):
                raise FeedbackError(
                    "Choose a writer or medical reviewer to assign it to."
                )
            locked.assignee = assignee
            action, comment = Action.ASSIGNED, f"To {_actor_name(assignee)}."
        elif step == "accept":
            locked.transition_to(State.ACCEPTED)
            locked.assignee = locked.assignee or user
            question = locked.question
            action = Action.ACCEPTED
            comment = comment or (
                f"The fix goes in the answer's draft (draft version "
                f"{question.draft_version})."
            )
        elif step == "decline":
            if not comment:
                raise FeedbackError(
                    "Say why it is declined: the reason stays with the report."
                )
            locked.transition_to(State.DECLINED)
            locked.decline_reason = comment
            locked.closed_at = at
            locked.reply_to = ""
            fields += ["decline_reason", "closed_at", "reply_to"]
            action = Action.DECLINED
        else:
            raise ValueError(f"Unknown step {step!r}.")
        locked.save(update_fields=fields)
        _record(locked, action, user, comment=comment, at=at)
    feedback.refresh_from_db()
    return feedback


def _close(
    feedback: Feedback,
    revision: AnswerRevision,
    user: AbstractBaseUser,
    at: datetime,
) -> None:
    """Close a locked open report as fixed by `revision`; tell the reader
    once, then forget their address."""
    feedback.transition_to(State.CLOSED)
    feedback.fixed_by = revision
    feedback.closed_at = at
    _record(
        feedback, Action.CLOSED, user, comment=f"Fixed by revision {revision.number}."
    )
    if feedback.reply_to:
        notifications.feedback_fixed(feedback, revision, [feedback.reply_to])
        feedback.reader_told_at = at
        _record(feedback, Action.READER_TOLD, user, at=at)
    feedback.reply_to = ""
    feedback.save(
        update_fields=["state", "fixed_by", "closed_at", "reader_told_at", "reply_to"]
    )


def close_with_approval(
    *,
    question: Question,
    revision: AnswerRevision,
    ids: Iterable[int],
    user: AbstractBaseUser,
) -> list[Feedback]:
    """Close the answer's open reports `ids` with the approval of `revision`.
    Called by `answers.services.approve` inside its transaction, after its
    own checks: a report that cannot be closed refuses the whole approval."""
    ids = sorted({int(pk) for pk in ids})
    if not ids:
        return []
    _require(user, "close_feedback", "close reader feedback")
    found = list(
        Feedback.objects.select_for_update().filter(
            pk__in=ids, question=question, state__in=OPEN_STATES
        )
    )
    missing = sorted(set(ids) - {f.pk for f in found})
    if missing:
        raise FeedbackError(
            "Nothing was approved: report "
            + ", ".join(f"#{pk}" for pk in missing)
            + " is not an open report on this answer (someone may have closed it). "
            "Reload the review screen."
        )
    for feedback in found:
        feedback.question = question
        _close(feedback, revision, user, revision.approved_at)
    return found


def close_fixed(
    *, feedback: Feedback, user: AbstractBaseUser, at: datetime | None = None
) -> Feedback:
    """Close a report that the answer's live revision fixed, when the reviewer
    did not close it with the approval: only an approval made after the
    report arrived can have fixed it."""
    _require(user, "close_feedback", "close reader feedback")
    at = at or timezone.now()
    with transaction.atomic():
        locked = _lock(feedback)
        if locked.state not in OPEN_STATES:
            raise InvalidTransition(
                f"This report is {locked.get_state_display().lower()} already."
            )
        live = Question.objects.select_related("live_revision", "condition").get(
            pk=locked.question_id
        )
        revision = live.live_revision
        if revision is None or revision.approved_at < locked.created_at:
            raise FeedbackError(
                "No approval since this report arrived can have fixed it. Close "
                "it from the review screen when the fix is approved, or decline "
                "it with a reason."
            )
        locked.question = live
        _close(locked, revision, user, at)
    feedback.refresh_from_db()
    return feedback


# --- A member's rights ------------------------------------------------------------


def export_reader_feedback(*, user: AbstractBaseUser) -> list[dict]:
    """The reports this logged-in reader sent, for their data download."""
    rows = Feedback.objects.filter(reader_id=user.pk).select_related("question")
    return [
        {
            "answer": row.question.text,
            "kind": row.get_kind_display(),
            "section": row.section or "The whole answer",
            "text": row.text,
            "reply_to": row.reply_to or None,
            "state": row.get_state_display(),
            "sent_at": row.created_at.isoformat(),
        }
        for row in rows.order_by("pk")
    ]


def erase_reader_feedback(*, user: AbstractBaseUser) -> int:
    """The account is being deleted: its reports stay in the queue (they are
    about our answers) without its words, its address or a link to it."""
    with transaction.atomic():
        rows = list(Feedback.objects.select_for_update().filter(reader_id=user.pk))
        for row in rows:
            row.text, row.reply_to, row.reader = ERASED_TEXT, "", None
            row.save(update_fields=["text", "reply_to", "reader"])
            _record(row, Action.ERASED, None)
    return len(rows)
