"""The review trail of each generated answer: its approved revisions, the
`ReviewEvent`s that led to each, and the newer draft some answers have waiting.

Part of the questions phase (`devdata.dataset.questions`), apart because the
trail is where the app's workflow invariants are kept: each approval has its
edit, submit and approve events (some also a request for changes, some a
later re-certification), a reviewer signs with their credentials as they
were, and a draft in review is newer than the live revision. It draws from
the questions phase's `random.Random`, handed in per question, so the order
of its draws is part of the data set: change it and every later row changes.
"""

import random
from dataclasses import dataclass
from datetime import datetime

from answers.models import AnswerRevision, ReviewEvent, Status
from devdata.dataset import text
from devdata.dataset.accounts import SIGNATURE_FIELDS, UNSIGNED, Staff, signature
from devdata.dataset.conditions import GeneratedCondition
from devdata.dataset.context import DAY, Run
from devdata.dataset.placeholders import AnswerTexts, Variant

Action = ReviewEvent.Action

# Approvals, re-certifications and requests for changes carry the reviewer's
# credentials as they were, like services._record.
SIGNED = {Action.APPROVED, Action.RECERTIFIED, Action.CHANGES_REQUESTED}
REVISION_FIELDS = [
    "id",
    "question",
    "number",
    "draft_version",
    "question_text",
    "slug",
    "kind",
    "topic",
    "order",
    "short_answer",
    "body",
    "body_html",
    "references",
    "show_criteria",
    # Criteria shown are the condition's live facts'; revisions keep no copy.
    "criteria",
    "content_changed",
    "content_updated_at",
    # Generated changes have no summary for readers: their list says
    # "Updated the answer." as for an approval without one.
    "change_summary",
    *SIGNATURE_FIELDS,
    "approved_at",
]
EVENT_FIELDS = [
    "id",
    "question",
    "action",
    "actor",
    "actor_name",
    "draft_version",
    "revision",
    *SIGNATURE_FIELDS,
    "comment",
    "created_at",
]


def variant(rng: random.Random, not_like: Variant | None = None) -> Variant:
    """A version of an answer's text other than `not_like`."""
    while True:
        drawn = (rng.randrange(2), rng.randrange(2), rng.randrange(6))
        if drawn != not_like:
            return drawn


@dataclass(frozen=True)
class Answer:
    """What a trail is about: one question's content apart from its versions."""

    question_id: int
    condition: GeneratedCondition
    template: int
    text: str
    # slug, kind, topic and order, as approved: the draft's own.
    placement: tuple[str, str, str, int]
    show_criteria: bool
    references_json: str


@dataclass(frozen=True)
class Trail:
    """What the question's own row takes from its trail."""

    status: str
    version: int  # the draft's
    live_revision: int
    last_review: int  # the event of the latest approval or re-certification
    reviewed_at: datetime
    first_event: datetime
    last_event: datetime
    live: Variant
    draft: Variant


class Trails:
    """Writes trails one after another, numbering revisions and events."""

    def __init__(self, run: Run, texts: AnswerTexts) -> None:
        self.run = run
        self.texts = texts
        self.revision_id = run.loader.next_id(AnswerRevision)
        self.event_id = run.loader.next_id(ReviewEvent)

    def write(
        self,
        rng: random.Random,
        answer: Answer,
        writer: Staff,
        pool: list[Staff],
        waiting: Status,
        revisions: list[tuple],
        events: list[tuple],
    ) -> Trail:
        """Append the answer's revisions and events to `revisions` and
        `events`; `waiting` is the state of its draft (PUBLISHED: none newer)."""
        at = self.run.at
        approvals, recertified_at = self._approvals(rng, answer.condition)
        variants = [variant(rng)]
        for _ in range(self.run.sizes.revisions - 1):
            variants.append(
                variant(rng, variants[-1]) if rng.random() < 0.8 else variants[-1]
            )

        question_id = answer.question_id
        version = 0
        first_event = last_event = None
        content_updated = None
        for index, (approved_ago, content) in enumerate(
            zip(approvals, variants, strict=True)
        ):
            reviewer = rng.choice(pool)
            actions = [Action.EDITED]
            if rng.random() < 0.3:
                actions.append(Action.EDITED)
            if rng.random() < 0.12:
                actions += [Action.SUBMITTED, Action.CHANGES_REQUESTED, Action.EDITED]
            actions += [Action.SUBMITTED, Action.APPROVED]
            span = rng.uniform(2, 25) * DAY
            step = span / (len(actions) - 1)
            for position, action in enumerate(actions):
                if action == Action.EDITED:
                    version += 1
                moment = at(approved_ago + span - position * step)
                first_event = first_event or moment
                last_event = moment
                actor, revision_id, comment = writer, None, ""
                if action == Action.APPROVED:
                    approval_event = self.event_id
                    actor, revision_id = reviewer, self.revision_id
                elif action == Action.CHANGES_REQUESTED:
                    actor, comment = reviewer, rng.choice(text.CHANGES_REQUESTED)
                elif action == Action.EDITED and index:
                    comment = rng.choice(text.EDIT_COMMENTS)
                events.append(
                    self._event(
                        question_id,
                        action,
                        actor,
                        version,
                        moment,
                        revision_id,
                        comment,
                    )
                )
            changed = index == 0 or content != variants[index - 1]
            if changed:
                content_updated = last_event
            revisions.append(
                self._revision(
                    answer,
                    index + 1,
                    version,
                    content,
                    changed,
                    content_updated,
                    reviewer,
                    last_event,
                )
            )
            live_revision = self.revision_id
            self.revision_id += 1
        last_review, reviewed_at = approval_event, last_event
        if recertified_at:
            reviewer = rng.choice(pool)
            reviewed_at = last_event = at(recertified_at)
            last_review = self.event_id
            events.append(
                self._event(
                    question_id,
                    Action.RECERTIFIED,
                    reviewer,
                    version,
                    reviewed_at,
                    live_revision,
                )
            )

        # The draft: the live content, or a newer version waiting for review.
        draft = variants[-1]
        if waiting != Status.PUBLISHED:
            draft = variant(rng, variants[-1])
            window = min(14 * DAY, (recertified_at or approvals[-1]) * 0.9)
            end = rng.uniform(0.05, 0.5) * window
            span = rng.uniform(0.2, 0.9) * (window - end)
            actions = [Action.EDITED, Action.SUBMITTED]
            if waiting == Status.CHANGES_REQUESTED:
                actions.append(Action.CHANGES_REQUESTED)
            version += 1
            step = span / (len(actions) - 1)
            for position, action in enumerate(actions):
                last_event = at(end + span - position * step)
                actor = writer
                comment = ""
                if action == Action.CHANGES_REQUESTED:
                    actor = rng.choice(pool)
                    comment = rng.choice(text.CHANGES_REQUESTED)
                events.append(
                    self._event(
                        question_id, action, actor, version, last_event, comment=comment
                    )
                )
        return Trail(
            status=waiting,
            version=version,
            live_revision=live_revision,
            last_review=last_review,
            reviewed_at=reviewed_at,
            first_event=first_event,
            last_event=last_event,
            live=variants[-1],
            draft=draft,
        )

    def _approvals(
        self, rng: random.Random, condition: GeneratedCondition
    ) -> tuple[list[float], float | None]:
        """When each approval happened (seconds ago, oldest first), counted
        back from the last review, and when the live revision was re-certified
        if it was: the last review falls so that a few answers are overdue and
        a few more due soon."""
        interval = condition.interval_days
        roll = rng.random()
        if roll < 0.06:  # overdue
            age = rng.uniform(interval + 1, interval + 150) * DAY
        elif roll < 0.14:  # due within 30 days
            age = rng.uniform(interval - 29, interval - 0.5) * DAY
        else:
            age = rng.uniform(2, interval - 31) * DAY
        recertified_at = age if rng.random() < 0.2 else None
        approval = age + rng.uniform(60, 400) * DAY if recertified_at else age
        approvals = [approval]
        for _ in range(self.run.sizes.revisions - 1):
            approvals.append(approvals[-1] + rng.uniform(45, 420) * DAY)
        approvals.reverse()
        return approvals, recertified_at

    def _revision(
        self,
        answer: Answer,
        number: int,
        version: int,
        content: Variant,
        changed: bool,
        content_updated: datetime | None,
        reviewer: Staff,
        approved_at: datetime,
    ) -> tuple:
        condition = answer.condition
        short, body, html, _plain = self.texts.get(
            answer.template, content, answer.show_criteria
        )
        return (
            self.revision_id,
            answer.question_id,
            number,
            version,
            answer.text,
            *answer.placement,
            condition.named(short),
            condition.named(body),
            condition.named_html(html),
            answer.references_json,
            answer.show_criteria,
            "[]",
            changed,
            content_updated,
            "",
            *signature(reviewer),
            approved_at,
        )

    def _event(
        self,
        question_id: int,
        action: str,
        actor: Staff,
        version: int,
        at: datetime,
        revision_id: int | None = None,
        comment: str = "",
    ) -> tuple:
        event_id = self.event_id
        self.event_id += 1
        return (
            event_id,
            question_id,
            action,
            actor.user_id,
            actor.full_name,
            version,
            revision_id,
            *(signature(actor) if action in SIGNED else UNSIGNED),
            comment,
            at,
        )
