"""Phase 5 of the generator: members' experiences and their moderation.

Some members write a lot, most a little. A member's first three posts went
live only after a moderator approved them (a `ModerationEvent` each); later
ones went live at once and a moderator checked them after, all but those of
the last two days. About one in seven is for members only. The `--pending`
posts still wait for a moderator; they are by members with fewer than three
published posts where there are any. Each
post joins an opening, maybe a middle and a closing, each rendered once with
name placeholders (see `placeholders`).
"""

import uuid
from datetime import datetime
from itertools import accumulate

from community.models import (
    Audience,
    Experience,
    ExperienceStatus,
    ModerationEvent,
    RiskLevel,
)
from devdata.dataset import text
from devdata.dataset.accounts import Staff
from devdata.dataset.conditions import GeneratedCondition
from devdata.dataset.context import DAY, HOUR, Run
from devdata.dataset.members import Members
from devdata.dataset.placeholders import tokens
from diseasemaps.lib.markdown import render_member

EXPERIENCE_FIELDS = [
    "id",
    "author",
    "condition",
    "question",
    "relation",
    "body",
    "body_html",
    "pending_body",
    "status",
    "needs_review",
    "submission_key",
    "moderation_reason",
    "risk",
    "screening",
    "created_at",
    "published_at",
    "updated_at",
    "audience",
    "pending_audience",
    # Never sent to a medical reviewer (community.services.medical_review).
    "medical_review",
    "medical_question",
    "reviewer_note",
    "redaction_original",
]
# About one published post in seven is for members only (issue 18), so that
# the pages' "more posts only members can read" has something to count.
MEMBERS_ONLY_SHARE = 1 / 7
MODERATION_FIELDS = [
    "id",
    "experience",
    "experience_ref",
    "action",
    "actor",
    "actor_name",
    "reason",
    "created_at",
]

# A part of a post: (Markdown, HTML), both with name placeholders.
Part = tuple[str, str]


def member_text() -> list[list[Part]]:
    """Openings, middles and closings; posts join one of each, which renders
    the same as the joined text (checked by the tests)."""
    return [
        [
            (tokens(part), str(render_member(tokens(part))) if part else "")
            for part in parts
        ]
        for parts in (
            text.EXPERIENCE_OPENINGS,
            text.EXPERIENCE_MIDDLES,
            text.EXPERIENCE_CLOSINGS,
        )
    ]


def moderation_row(
    event_id: int,
    experience_id: int,
    action: str,
    moderator: Staff,
    at: datetime,
) -> tuple:
    """A row in the order of MODERATION_FIELDS, for a post that still exists."""
    return (
        event_id,
        experience_id,
        experience_id,
        action,
        moderator.user_id,
        moderator.full_name,
        "",
        at,
    )


def write_experiences(
    run: Run,
    conditions: list[GeneratedCondition],
    members: Members,
    moderators: list[Staff],
) -> None:
    rng = run.rng("experiences")
    # Its own numbers: choosing audiences reshuffles none of the posts.
    audiences = run.rng("experience-audiences")
    member_count = len(members.joined)
    published, pending = run.sizes.experiences, run.sizes.pending
    total = published + pending
    if not total:
        return
    # Some members write a lot, most a little (a capped Pareto tail).
    activity = list(
        accumulate(min(rng.paretovariate(1.5), 60) for _ in range(member_count))
    )
    counts = [0] * member_count
    for index in rng.choices(range(member_count), cum_weights=activity, k=published):
        counts[index] += 1
    # Posts wait for a moderator only until a member has three approved.
    new_members = [index for index in range(member_count) if counts[index] < 3]
    waiting = [0] * member_count
    for index in rng.choices(new_members or range(member_count), k=pending):
        waiting[index] += 1

    openings, middles, closings = member_text()
    experience_id = run.loader.next_id(Experience)
    event_id = run.loader.next_id(ModerationEvent)
    done = 0
    chunk = 10_000
    for start in range(0, member_count, chunk):
        posts, events = [], []
        for index in range(start, min(start + chunk, member_count)):
            mine = counts[index] + waiting[index]
            if not mine:
                continue
            pairs = members.pairs[index]
            joined = members.joined[index]
            ages = sorted(
                (rng.uniform(HOUR, joined) for _ in range(counts[index])),
                reverse=True,
            )
            ages += [rng.uniform(600, 14 * DAY) for _ in range(waiting[index])]
            for position, created_ago in enumerate(ages):
                condition_index, relation, _since = rng.choice(pairs)
                condition = conditions[condition_index]
                question_id = None
                if rng.random() < 0.65:
                    ids = condition.question_ids
                    question_id = ids[int(len(ids) * rng.random() ** 2)]
                opening = rng.choice(openings)
                parts = [opening]
                if rng.random() < 0.75:
                    parts.append(rng.choice(middles))
                closing = rng.choice(closings)
                if closing[0]:
                    parts.append(closing)
                body = condition.named("\n\n".join(source for source, _ in parts))
                html = condition.named_html("".join(html for _, html in parts))
                created = run.at(created_ago)
                key = uuid.UUID(int=rng.getrandbits(128), version=4)
                status = ExperienceStatus.PUBLISHED
                needs_review = False
                published_at = created
                if position >= counts[index]:
                    status, published_at = ExperienceStatus.PENDING, None
                elif position < 3:
                    # Moderated before it went live.
                    delay = rng.uniform(HOUR / 2, 36 * HOUR)
                    published_at = run.at(max(created_ago - delay, created_ago / 2))
                    events.append(
                        moderation_row(
                            event_id,
                            experience_id,
                            ModerationEvent.Action.APPROVED,
                            rng.choice(moderators),
                            published_at,
                        )
                    )
                    event_id += 1
                elif created_ago < 2 * DAY:
                    needs_review = True  # a trusted post not checked yet
                else:
                    events.append(
                        moderation_row(
                            event_id,
                            experience_id,
                            ModerationEvent.Action.REVIEWED,
                            rng.choice(moderators),
                            run.at(created_ago - rng.uniform(HOUR, 40 * HOUR)),
                        )
                    )
                    event_id += 1
                posts.append(
                    (
                        experience_id,
                        members.first_id + index,
                        condition.id,
                        question_id,
                        relation,
                        body,
                        html,
                        "",
                        status,
                        needs_review,
                        key,
                        "",
                        # Generated stories are ordinary: nothing screened.
                        RiskLevel.LOW,
                        "{}",
                        created,
                        published_at,
                        published_at or created,
                        Audience.MEMBERS
                        if audiences.random() < MEMBERS_ONLY_SHARE
                        else Audience.PUBLIC,
                        "",  # pending_audience
                        "",  # medical_review
                        "",  # medical_question
                        "",  # reviewer_note
                        # No generated post waits for a redaction answer.
                        "",  # redaction_original
                    )
                )
                experience_id += 1
                done += 1
        run.loader.write(Experience, EXPERIENCE_FIELDS, posts)
        run.loader.write(ModerationEvent, MODERATION_FIELDS, events)
        run.progress("experiences", done, total)
