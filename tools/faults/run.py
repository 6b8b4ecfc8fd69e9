"""make faults: run every fault scenario against private servers and print figures.

    .venv/bin/python -m tools.faults.run    (what `make faults` runs)
    FAULT_TRIALS=20 make faults            (fewer concurrency trials, for a quick look)

Starts a private PostgreSQL cluster, a private Redis, a small SMTP server and
gunicorn, all on 127.0.0.1 and on ports of their own, loads the demo content,
then:

1. restarts PostgreSQL under load (a clean "fast" shutdown, then an
   "immediate" one that recovers like a crash): 503 with Retry-After while it
   is down, no 5xx once it is back, every acknowledged post still there;
2. stops Redis, starts it again, freezes it (SIGSTOP) and thaws it: public
   pages keep answering, quickly;
3. races 20 reviewers approving one answer and 20 moderators approving one
   post, 100 trials each, and sends one experience form 10 times at once over
   HTTP, 100 trials;
4. approves answers while the mail server is down, brings it back and lets
   `send_queued_email` send the notifications, once.

Exits non-zero if any expectation failed. Everything it started is stopped by
its own pid and its folder deleted, also after a failure or Ctrl-C.
"""

import contextlib
import os
import sys
import time
import uuid
from collections import Counter
from email import message_from_string
from email.header import decode_header, make_header
from pathlib import Path

from tools.faults.load import (
    Hit,
    Load,
    Member,
    post_experience,
    request,
    started_between,
    summary,
)
from tools.faults.servers import Gunicorn, PrivatePostgres, PrivateRedis
from tools.faults.site import Report, keep_log, manage, start

TRIALS = int(os.environ.get("FAULT_TRIALS", "100"))
APPROVERS = MODERATORS = 20
COPIES = 10  # of one experience form, sent at once
MEMBERS = 200  # for the posting load (5 posts an hour each)
INF = float("inf")


def figures(name: str, hits: list[Hit]) -> str:
    s = summary(hits)
    return (
        f"{name:<25} {s['requests']:>4} requests: {s['ok']:>5} 2xx/3xx, "
        f"{s['503']:>4} 503, {s['other_5xx']} other 5xx, {s['4xx']} 4xx, "
        f"{s['no_response']} no answer; p50 {s['p50_ms']:.0f} ms, "
        f"p95 {s['p95_ms']:.0f} ms, max {s['max_ms']:.0f} ms"
    )


# --- Setting up -------------------------------------------------------------------


class Site:
    """What the load needs: public pages, a condition to post on, members."""

    def __init__(self) -> None:
        from answers.models import Condition, Question

        condition = Condition.objects.published().order_by("name").first()
        self.condition = condition.slug
        answers = Question.objects.published().select_related("condition")[:4]
        self.pages = [
            "/",
            "/conditions/",
            *(c.get_absolute_url() for c in Condition.objects.published()),
            *(q.get_absolute_url() for q in answers),
            f"/conditions/{self.condition}/experiences/",
            "/search/?q=syndrome",
        ]
        self.members = members("load", MEMBERS)


def members(prefix: str, count: int) -> list[Member]:
    """Members with a logged-in session each, made directly in the database:
    the scenarios are about posting, not about logging in."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from devdata.personas import make_member

    made = []
    for n in range(count):
        user = make_member(f"faults-{prefix}-{n}", password=None)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        made.append(Member(session.session_key))
    return made


# --- 1. PostgreSQL restarted under load -----------------------------------------


def postgres_restart(
    report: Report, pg: PrivatePostgres, redis: PrivateRedis, web: Gunicorn, site: Site
) -> None:
    from django.db import connections

    from community.models import Experience

    for mode in ("fast", "immediate"):
        down_for = 3.0
        report.section(
            f"PostgreSQL restarted under load ({mode} shutdown, kept down "
            f"{down_for:.0f} s)"
        )
        redis.flush()  # rate-limit counts: each member may post 5 times an hour
        connections.close_all()
        with Load(
            web.port, pages=site.pages, members=site.members, condition=site.condition
        ) as load:
            time.sleep(4)
            stop_at = time.monotonic()
            pg.stop(mode)
            stopped = time.monotonic()
            time.sleep(down_for)
            pg.start()
            back_at = time.monotonic()
            time.sleep(6)
        connections.close_all()

        hits = load.hits
        before = started_between(hits, 0, stop_at)
        down = started_between(hits, stop_at, back_at)
        after = started_between(hits, back_at, INF)
        report.line(
            f"stop took {stopped - stop_at:.1f} s; unreachable for "
            f"{back_at - stop_at:.1f} s until pg_ctl start returned"
        )
        report.line(figures("started before the stop", before))
        report.line(figures("started stop→back", down))
        report.line(figures("started once back", after))

        sent = {h.key for h in hits if h.kind == "post"}
        acknowledged = {h.key for h in hits if h.acknowledged}
        found = {
            str(key)
            for key in Experience.objects.filter(submission_key__in=sent).values_list(
                "submission_key", flat=True
            )
        }
        report.line(
            f"posts: {len(sent)} sent, {len(acknowledged)} acknowledged (302 to "
            f"/me/), {len(acknowledged & found)} of those in the database after "
            f"the restart, {len(found - acknowledged)} saved though not "
            "acknowledged (resending the form returns the same post)"
        )
        everything = summary(hits)
        retry_after = {h.retry_after for h in hits if h.status == 503}
        report.expect(
            everything["other_5xx"] == 0 and everything["503_without_retry_after"] == 0,
            f"every 5xx was a 503 with Retry-After (seen: {sorted(retry_after)})",
        )
        report.expect(summary(down)["503"] > 0, "503 while the database was down")
        report.expect(
            summary(after)["503"] + summary(after)["other_5xx"] == 0,
            "no 5xx once the database was back",
        )
        report.expect(everything["no_response"] == 0, "gunicorn answered every request")
        report.expect(
            acknowledged <= found,
            f"no acknowledged post lost ({len(acknowledged - found)} missing)",
        )


# --- 2. Redis stopped, restarted, hung --------------------------------------------


def redis_faults(
    report: Report, redis: PrivateRedis, web: Gunicorn, site: Site
) -> None:
    from community.models import Experience

    report.section(
        "Redis stopped and hung under load (cache timeouts 0.5 s; after a failure "
        "each gunicorn process skips Redis for 5 s)"
    )
    redis.flush()
    phases = [
        ("Redis up", None),
        ("Redis stopped", redis.stop),
        ("Redis started again", redis.start),
        ("Redis hung (SIGSTOP)", redis.freeze),
        ("Redis thawed (SIGCONT)", redis.thaw),
    ]
    marks = []
    keys_once_back = 0
    with Load(
        web.port, pages=site.pages, members=site.members, condition=site.condition
    ) as load:
        for name, action in phases:
            if action is not None:
                action()
            start = time.monotonic()
            time.sleep(8)
            marks.append((name, start, time.monotonic()))
            if name == "Redis started again":
                # It came back empty (no persistence): what it holds now, the
                # site put there since.
                keys_once_back = redis.key_count()

    by_phase = {name: started_between(load.hits, s, e) for name, s, e in marks}
    sources = {name: page_sources(hits) for name, hits in by_phase.items()}
    for name, hits in by_phase.items():
        posts = sum(1 for h in hits if h.acknowledged)
        source = sources[name]
        report.line(
            f"{figures(name, hits)}; pages from Redis {source['shared']}, from "
            f"process memory {source['memory']}, stored in the database "
            f"{source['stored']}, rendered {source['rendered']}; {posts} posts"
        )

    everything = summary(load.hits)
    report.expect(
        everything["503"] + everything["other_5xx"] + everything["no_response"] == 0,
        "no 5xx and no dropped request in any phase",
    )
    # Pages must not wait for Redis: the median request takes less than one
    # 0.5 s timeout (without the breaker every page that misses the cache
    # waits twice, for the read and the write: a median over 1 s), and nothing
    # hangs. Single slow requests are mostly this shared two-core machine.
    for name in ("Redis stopped", "Redis hung (SIGSTOP)"):
        phase = summary(by_phase[name])
        report.expect(
            phase["p50_ms"] < 500 and phase["max_ms"] < 5000,
            f"{name}: median {phase['p50_ms']:.0f} ms (< 500), slowest "
            f"{phase['max_ms']:.0f} ms (< 5000)",
        )
    # Each process keeps the pages it served last in memory, so while Redis is
    # stopped pages come from there, from the stored pages in the database, or
    # are rendered: never from Redis. Once it is back the site fills it again.
    stopped = sources["Redis stopped"]
    report.expect(
        stopped["shared"] == 0
        and stopped["memory"] + stopped["stored"] > 0
        and keys_once_back > 0,
        f"while Redis was stopped no page came from it ({stopped['stored']} from "
        f"the database's stored pages, {stopped['memory']} from process memory); "
        f"once it was back the site used it again ({keys_once_back} keys in it "
        "8 s later)",
    )
    sent = {h.key for h in load.hits if h.acknowledged}
    found = Experience.objects.filter(submission_key__in=sent).count()
    report.expect(
        found == len(sent),
        f"every acknowledged post saved ({found} of {len(sent)}; rate limits fail "
        "open while Redis is away)",
    )


def page_sources(hits: list[Hit]) -> Counter:
    """Where each page read came from: Redis ("shared"), this process's
    memory, the database's stored copy, or rendered on the spot."""
    sources = Counter({"shared": 0, "memory": 0, "stored": 0, "rendered": 0})
    for hit in hits:
        if hit.kind != "read" or hit.status != 200:
            continue
        if hit.page_cache.startswith("hit;"):
            sources[hit.page_cache.split(";")[1].strip()] += 1
        elif hit.stored_page == "hit":
            sources["stored"] += 1
        else:
            sources["rendered"] += 1
    return sources


# --- 3. Races ---------------------------------------------------------------------


def approval_trials(report: Report) -> None:
    from answers import services
    from answers.exceptions import InvalidTransition
    from answers.models import AnswerRevision, Question, ReviewEvent
    from answers.roles import REVIEWER_GROUP, WRITER_GROUP
    from devdata.personas import Crowd, draft, make_condition, make_crowd

    report.section(
        f"{APPROVERS} reviewers approve the same answer at the same moment, "
        f"{TRIALS} trials"
    )
    (writer,) = make_crowd("faults-writer", 1, group=WRITER_GROUP)
    reviewers = make_crowd(
        "faults-reviewer", APPROVERS, group=REVIEWER_GROUP, reviewers=True
    )
    condition = make_condition(name="Trial syndrome A", slug="trial-syndrome-a")

    def approve(user, question):
        return lambda: services.approve(
            item=Question.objects.get(pk=question.pk),
            user=user,
            expected_version=question.draft_version,
            coi_confirmed=True,
        )

    clean = refusals = errors = 0
    per_trial = Counter()
    started = time.monotonic()
    with Crowd(APPROVERS) as crowd:
        for _ in range(TRIALS):
            question = draft(writer, condition)
            services.submit_for_review(item=question, user=writer)
            outcomes = crowd.run([approve(user, question) for user in reviewers])
            approved = sum(isinstance(o, AnswerRevision) for o in outcomes)
            refused = sum(isinstance(o, InvalidTransition) for o in outcomes)
            revisions = AnswerRevision.objects.filter(question=question).count()
            events = ReviewEvent.objects.filter(
                question=question, action=ReviewEvent.Action.APPROVED
            ).count()
            per_trial[(approved, revisions, events)] += 1
            clean += (approved, revisions, events) == (1, 1, 1)
            refusals += refused
            errors += len(outcomes) - approved - refused
    report.line(
        f"{TRIALS} trials in {time.monotonic() - started:.0f} s: {clean} with exactly "
        f"one approval, one AnswerRevision and one approval ReviewEvent; "
        f"{refusals} refusals ('not waiting for review'), {errors} other errors"
    )
    report.line(
        "(approvals, revisions, audit rows) per trial: "
        + ", ".join(f"{k}: {v} trials" for k, v in sorted(per_trial.items()))
    )
    report.expect(
        clean == TRIALS and errors == 0,
        "exactly one approval and one audit row in every trial",
    )


def moderation_trials(report: Report) -> None:
    from answers.roles import MODERATOR_GROUP
    from community import services
    from community.exceptions import InvalidTransition
    from community.models import Experience, ModerationEvent
    from devdata.personas import Crowd, make_crowd, make_member, published_condition

    report.section(
        f"{MODERATORS} moderators approve the same pending post at the same moment, "
        f"{TRIALS} trials"
    )
    moderators = make_crowd("faults-moderator", MODERATORS, group=MODERATOR_GROUP)
    condition = published_condition()

    def decide(user, post):
        return lambda: services.approve_experience(
            user=user, experience=Experience.objects.get(pk=post.pk)
        )

    clean = refusals = errors = 0
    started = time.monotonic()
    with Crowd(MODERATORS) as crowd:
        for trial in range(TRIALS):
            author = make_member(f"faults-author-{trial}", password=None)
            post = services.post_experience(
                user=author,
                condition=condition,
                question=None,
                relation="lives_with",
                body="A post waiting for a moderator, written for the trial.",
                submission_key=uuid.uuid4(),
            )
            outcomes = crowd.run([decide(user, post) for user in moderators])
            decided = sum(isinstance(o, Experience) for o in outcomes)
            refused = sum(isinstance(o, InvalidTransition) for o in outcomes)
            events = ModerationEvent.objects.filter(experience=post).count()
            clean += (decided, events) == (1, 1)
            refusals += refused
            errors += len(outcomes) - decided - refused
    report.line(
        f"{TRIALS} trials in {time.monotonic() - started:.0f} s: {clean} with exactly "
        f"one decision and one ModerationEvent; {refusals} refusals ('cannot "
        f"become published'), {errors} other errors"
    )
    report.expect(
        clean == TRIALS and errors == 0,
        "exactly one decision and one audit row in every trial",
    )


def posting_trials(
    report: Report, redis: PrivateRedis, web: Gunicorn, site: Site
) -> None:
    from community.models import Experience
    from devdata.personas import Crowd

    report.section(
        f"The same experience form sent {COPIES} times at once over HTTP, "
        f"{TRIALS} trials"
    )
    redis.flush()
    posters = members("copies", TRIALS)
    clean = 0
    statuses = Counter()
    started = time.monotonic()
    with Crowd(COPIES) as crowd:
        for member in posters:
            key = str(uuid.uuid4())
            hits = crowd.run(
                [
                    lambda m=member, k=key: post_experience(
                        web.port, m, site.condition, k
                    )
                ]
                * COPIES
            )
            statuses.update(h.status for h in hits)
            posts = Experience.objects.filter(submission_key=key).count()
            clean += posts == 1 and all(h.acknowledged for h in hits)
    report.line(
        f"{TRIALS} trials in {time.monotonic() - started:.0f} s: {clean} with exactly "
        f"one post and every copy answered as posted; responses: "
        + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    )
    report.expect(clean == TRIALS, "one post per form in every trial, no refusals")


# --- 4. Mail server down during approval -----------------------------------------


def email_down(report: Report, sink, env: dict) -> None:
    from django.utils import timezone

    from answers import services
    from answers.models import AnswerRevision
    from answers.roles import REVIEWER_GROUP, WRITER_GROUP
    from devdata.personas import draft, make_condition, make_crowd
    from outbox.models import OutboundEmail

    approvals = 5
    report.section(
        f"Mail server down while {approvals} answers are approved, then back"
    )
    (writer,) = make_crowd("faults-mail-writer", 1, group=WRITER_GROUP)
    (reviewer,) = make_crowd(
        "faults-mail-reviewer", 1, group=REVIEWER_GROUP, reviewers=True
    )
    condition = make_condition(name="Trial syndrome M", slug="trial-syndrome-m")
    first_new = (
        OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    already_received = len(sink.messages)

    sink.stop()
    committed = 0
    for _ in range(approvals):
        question = draft(writer, condition)
        services.submit_for_review(item=question, user=writer)
        revision = services.approve(
            item=question,
            user=reviewer,
            expected_version=question.draft_version,
            coi_confirmed=True,
        )
        committed += AnswerRevision.objects.filter(pk=revision.pk).exists()
    queued = OutboundEmail.objects.filter(pk__gte=first_new)
    tried = Counter(queued.values_list("attempts", flat=True))
    report.line(
        f"approvals committed: {committed} of {approvals} "
        "(through answers.services.approve, which the admin's review screen calls)"
    )
    notices = queued.filter(subject__startswith="Approved").count()
    report.line(
        f"emails queued: {queued.count()} ({notices} approval notices, the rest "
        "review requests); attempts so far: "
        + ", ".join(f"{n} tried {a}x" for a, n in sorted(tried.items()))
        + f"; errors: {sorted(set(queued.values_list('last_error', flat=True)) - {''})}"
    )
    meanwhile = len(sink.messages) - already_received
    report.line(f"messages the mail server received meanwhile: {meanwhile}")

    sink.start()
    # The retry pause is a minute; the clock is moved on instead of waiting.
    queued.update(next_attempt_at=timezone.now())
    first = manage(env, "send_queued_email")
    second = manage(env, "send_queued_email")
    report.line(f"send_queued_email, first run:  {first}")
    report.line(f"send_queued_email, second run: {second}")

    received = Counter()
    for recipients, data in sink.messages[already_received:]:
        # As a mail program reads it: a long subject is folded over several
        # header lines, and one that is not ASCII is encoded.
        header = make_header(decode_header(message_from_string(data)["Subject"]))
        subject = " ".join(str(header).split())
        for recipient in recipients:
            received[(recipient, subject)] += 1
    expected = Counter(queued.values_list("recipient", "subject"))
    ours = Counter({key: received[key] for key in expected})
    older = sum(received.values()) - sum(ours.values())
    if older:
        report.line(
            f"(the mail server also got {older} older message(s), queued when a "
            "post's notice failed during the PostgreSQL restart)"
        )
    report.expect(
        committed == approvals, "every approval committed with the mail server down"
    )
    report.expect(
        queued.exclude(status=OutboundEmail.Status.SENT).count() == 0
        and ours == expected,
        f"every queued email sent once the server was back, none twice "
        f"({sum(ours.values())} received for {sum(expected.values())} queued)",
    )


# --- The run ----------------------------------------------------------------------


def log_figures(report: Report, log: Path) -> None:
    text = keep_log(report, log, "faults-gunicorn.log")
    for label, needle in [
        ("database outage started", "Database unreachable"),
        ("database back", "Database reachable again"),
        ("GET tried again on a new connection", "tried again on a new connection"),
        ("cache failures logged", "Cache "),
        ("tracebacks", "Traceback"),
    ]:
        report.line(f"{label:<38} {text.count(needle):>4} lines")
    # What each traceback was about: the line after its frames, and the line
    # that introduced it.
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("Traceback"):
            cause = next(
                (x for x in lines[n + 1 :] if x and not x.startswith(" ")), "?"
            )
            report.line(f"  after {lines[n - 1][:100]!r}: {cause[:120]}")
    report.expect(
        "Traceback" not in text,
        "outages logged as one line each, no traceback in the log",
    )


def main() -> int:
    report = Report()
    began = time.monotonic()
    with contextlib.ExitStack() as stack:
        # The readers note where each page came from (X-Page-Cache,
        # X-Stored-Page): only sent when PAGE_CACHE_HEADERS asks.
        running = start(
            stack,
            report,
            prefix="dm-faults-",
            extra_env={"PAGE_CACHE_HEADERS": "true"},
        )
        web, pg, redis, sink, env = (
            running.web,
            running.pg,
            running.redis,
            running.sink,
            running.env,
        )
        site = Site()
        # Warm up: the first request of each thread compiles templates.
        for page in site.pages * 6:
            request(web.port, "GET", page)
        report.line(
            f"gunicorn on {web.base}: 2 workers x 6 threads, DEBUG off; demo "
            f"content, {len(site.members)} members with sessions; readers cycle "
            f"through {len(site.pages)} public pages"
        )

        postgres_restart(report, pg, redis, web, site)
        redis_faults(report, redis, web, site)
        approval_trials(report)
        moderation_trials(report)
        posting_trials(report, redis, web, site)
        email_down(report, sink, env)
        web.close()
        log_figures(report, web.log)

    failed = report.failed
    report.section(
        f"{len(report.checks) - len(failed)} of {len(report.checks)} expectations "
        f"met in {time.monotonic() - began:.0f} s"
    )
    for text in failed:
        report.line(f"FAILED: {text}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
