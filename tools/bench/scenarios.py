"""The pages `make bench` loads, picked from the database by fixed rules.

Run by `tools/bench/run.py` in a subprocess whose environment names the database
(the large bench database, or the small demo one for query counts):

    python -m tools.bench.scenarios status        # dataset sizes, as JSON
    python -m tools.bench.scenarios pages DIR     # pick the page URLs; write
                                                  # DIR/render.txt
    python -m tools.bench.scenarios prepare DIR   # pick pages, log in members,
                                                  # write wrk's input files
    python -m tools.bench.scenarios count DIR     # queries per request
    python -m tools.bench.scenarios cleanup DIR   # remove what the run added
    python -m tools.bench.scenarios write RATE    # public changes on random
                                                  # conditions until stopped

Rules (deterministic, so two runs on the same data load the same pages):

- answer (cached): the first live answer, in page order, of the condition with
  the most published experiences, requested once before the run.
- answer (uncached) and condition: live answer (condition) URLs in a seeded
  shuffle, STORED_ANSWERS (STORED_CONDITIONS) of them; wrk's threads take
  turns through the list, and every request carries a unique, ignored
  `bench=` parameter, so every one misses the page cache. Their pages are
  rendered and stored before the run (`render.txt`, see public/pages.py), as
  `manage.py render_pages` leaves every page after a deploy or a change.
- answer (condition), first render: the next COLD_ANSWERS (COLD_CONDITIONS)
  URLs of the same shuffles, whose stored pages are deleted first: each is
  rendered for its first reader, as after a change nobody has read yet.
  Their warm-up loads other URLs again (`warm_paths`), so it cannot store the
  pages the run then asks for.
- experiences page 1 and page 500: the condition with the most published
  experiences (10 a page, so page 500 needs 5,000); every request carries a
  unique, ignored `bench=` parameter, which makes it a page-cache miss.
- search: the first synonym of the first published condition that has one,
  and a typo: the word that sets a condition's name apart (the one of six
  letters or more that the fewest names share) with its middle letter
  dropped, for the first condition where that still finds answers.
- "Awaiting my review": the admin list as the first active reviewer, through
  a session made directly in the session store (generated accounts have no
  passwords).
- answers ×300, cached: the first CACHED_ANSWERS live answer URLs of the
  same shuffle as the stored ones (so over as many conditions, nearly one
  each), without `bench=`: after the warm-up every worker serves them from
  its page cache. The same again "with writes": meanwhile `write` makes
  WRITES_PER_SECOND public changes a second, each on a random published
  condition (`community_content_changed`, what a moderated post calls), so
  the page cache must keep the pages of every condition that did not change.
- posting: members with active accounts take turns (BENCH_MEMBERS of them), so
  the limit of 5 posts per member per hour is never reached; each POST has a
  CSRF cookie and token and its own submission key.
"""

import json
import os
import random
import sys
import uuid
from pathlib import Path
from urllib.parse import quote, urlencode

PAGE_SIZE = 10
EXPERIENCE_PAGE = 500
SEED = 6
STORED_ANSWERS, COLD_ANSWERS = 10_000, 10_000
STORED_CONDITIONS, COLD_CONDITIONS = 3_000, 3_600
WARM_PATHS = 300
CACHED_ANSWERS = 300
WRITES_PER_SECOND = 10
POST_BODY = (
    "Resting before I get tired has made the biggest difference for me. "
    "I plan one thing each morning and keep the afternoon free, and my "
    "family knows that a quiet day is a good day, not a bad one."
)
CSRF_SECRET_LENGTH = 32
# The name of the TOTP device made for the reviewer when they have none;
# cleanup removes it.
BENCH_DEVICE = "make bench"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tools.bench.settings")
    import django

    django.setup()


# --- Sizes ------------------------------------------------------------------


def status() -> dict:
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from answers.models import AnswerRevision, Condition, Question, Reviewer
    from answers.models import SearchEntry as Entry
    from community.models import Experience, ExperienceStatus, Member

    by_status = dict(
        Experience.objects.order_by().values_list("status").annotate(n=Count("pk"))
    )
    return {
        "conditions": Condition.objects.count(),
        "questions": Question.objects.count(),
        "live_questions": Question.objects.published().count(),
        "revisions": AnswerRevision.objects.count(),
        "reviewers": Reviewer.objects.filter(active=True).count(),
        "users": get_user_model().objects.count(),
        "members": Member.objects.count(),
        "experiences_published": by_status.get(ExperienceStatus.PUBLISHED, 0),
        "experiences_pending": by_status.get(ExperienceStatus.PENDING, 0),
        "experiences": sum(by_status.values()),
        "search_entries": Entry.objects.count(),
    }


# --- Picking pages -----------------------------------------------------------


def _busiest_condition():
    from django.db.models import Count

    from answers.models import Condition
    from community.models import Experience

    row = (
        Experience.objects.published()
        .filter(condition__in=Condition.objects.published())
        .values("condition")
        .annotate(posts=Count("pk"))
        .order_by("-posts", "condition")
        .first()
    )
    if row is None:
        return Condition.objects.published().order_by("pk").first(), 0
    return Condition.objects.get(pk=row["condition"]), row["posts"]


def _live_answer_paths(limit: int) -> list[str]:
    from answers.models import Question

    rows = list(
        Question.objects.published()
        .order_by("pk")
        .values_list("condition__public_slug", "live_revision__slug")
    )
    random.Random(SEED).shuffle(rows)
    return [f"/conditions/{c}/{q}/" for c, q in rows[:limit]]


def _condition_paths(limit: int) -> list[str]:
    from answers.models import Condition

    slugs = list(
        Condition.objects.published().order_by("pk").values_list("public_slug")
    )
    random.Random(SEED).shuffle(slugs)
    return [f"/conditions/{slug}/" for (slug,) in slugs[:limit]]


def _split(paths: list[str], stored: int, cold: int) -> tuple[list, list, list]:
    """Stored, first-render and warm-up paths, in that order of the shuffle.
    Short lists (the demo data, for counting queries) are halved."""
    if len(paths) < stored + cold + 2:
        half = max(1, len(paths) // 2)
        return paths[:half], paths[half:], paths[half:]
    rest = paths[stored + cold :]
    return paths[:stored], paths[stored : stored + cold], rest


def _forget_stored(paths: list[str]) -> None:
    from answers.models import StoredPage

    for start in range(0, len(paths), 1000):
        StoredPage.objects.filter(path__in=paths[start : start + 1000]).delete()


def _condition_for(path: str):
    from answers.models import Condition

    return Condition.objects.get(slug=path.strip("/").split("/")[1])


def _first_answer_path(condition) -> str:
    from public.views import TOPIC_ORDER

    questions = sorted(
        condition.questions.published(),
        key=lambda q: (TOPIC_ORDER[q.topic], q.order, q.pk),
    )
    return f"/conditions/{condition.slug}/{questions[0].slug}/"


def _synonym() -> str:
    from answers.models import Condition

    condition = (
        Condition.objects.published().exclude(synonyms="").order_by("pk").first()
    )
    if condition is None:
        raise SystemExit("No published condition has a synonym to search for.")
    return condition.synonym_list[0]


def _typo() -> str:
    """A one-letter typo of the word that sets a condition's name apart.

    The word of six letters or more that the fewest condition names share,
    if at most 1 in 100 names has it ("Galloway" rather than "syndrome": a
    reader misspells the name they are looking for), with its middle letter
    dropped; the first condition, in key order, for which that misspelling is
    no word of any name and search still finds answers."""
    import re

    from answers.models import Condition
    from public import search

    names = Condition.objects.published()
    rare = max(1, names.count() // 100)
    for name in names.order_by("pk").values_list("name", flat=True)[:100]:
        words = [w for w in re.findall(r"[^\W\d_]+", name) if len(w) >= 6]
        shared = {w: names.filter(name__icontains=w).count() for w in words}
        word = min(words, key=shared.get, default="")
        if not word or shared[word] > rare:
            continue
        typo = word[: len(word) // 2] + word[len(word) // 2 + 1 :]
        if names.filter(name__icontains=typo).exists():
            continue
        if search.search(typo).hits:
            return typo
    raise SystemExit("No condition name gives a typo that search can find.")


def _session_for(user) -> str:
    """A logged-in session in the configured session store; for staff, one
    that has also entered its second factor, as a login through the admin
    ends (the generated accounts have passwords nobody types here)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if user.is_staff:
        _verify_second_factor(session, user)
    session.create()
    return session.session_key


def _verify_second_factor(session, user) -> None:
    """What django-otp's login and the staff idle clock write to a session."""
    try:
        import django_otp
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:  # a checkout without staff two-factor
        return
    from django.http import HttpRequest

    from diseasemaps.lib.staff_sessions import start_idle_clock

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=BENCH_DEVICE, confirmed=True)
    request = HttpRequest()
    request.session, request.user = session, user
    django_otp.login(request, device)
    start_idle_clock(request)


def _reviewer_user():
    from answers.models import Reviewer

    reviewer = (
        Reviewer.objects.filter(active=True, user__is_active=True, user__is_staff=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if reviewer is None:
        raise SystemExit("No active reviewer with a staff account to log in as.")
    return reviewer.user


def _posting_members(count: int) -> list:
    from community.models import Member

    return list(
        Member.objects.filter(
            is_former=False, user__is_active=True, user__is_staff=False
        )
        .select_related("user")
        .order_by("pk")[:count]
    )


def _counting_member(condition):
    """A member in the same state on any dataset, for counting the queries of
    one post: not counted on the maps, not yet trusted (the post waits for a
    moderator) and with no relation to the condition yet. The load itself
    posts as whoever the dataset has; a trusted member's post also moves the
    public version, which costs one more query on any dataset."""
    from community.models import Member
    from community.services import is_trusted

    candidates = (
        Member.objects.filter(
            is_former=False,
            counted_in_map=False,
            user__is_active=True,
            user__is_staff=False,
        )
        .exclude(conditions__condition=condition)
        .select_related("user")
        .order_by("pk")
    )
    for member in candidates[:200]:
        if not is_trusted(member):
            return member
    raise SystemExit("No untrusted member to count the queries of a post with.")


def pick_pages(directory: Path) -> dict:
    """The answer and condition URLs: stored, first render, warm-up. The
    first-render ones lose their stored pages; the stored ones are listed in
    render.txt for `manage.py render_pages`. The same every time."""
    directory.mkdir(parents=True, exist_ok=True)
    answers = _split(
        _live_answer_paths(STORED_ANSWERS + COLD_ANSWERS + WARM_PATHS),
        STORED_ANSWERS,
        COLD_ANSWERS,
    )
    conditions = _split(
        _condition_paths(STORED_CONDITIONS + COLD_CONDITIONS + WARM_PATHS),
        STORED_CONDITIONS,
        COLD_CONDITIONS,
    )
    _forget_stored([*answers[1], *answers[2], *conditions[1], *conditions[2]])
    stored = [*answers[0], *conditions[0]]
    (directory / "render.txt").write_text("".join(f"{path}\n" for path in stored))
    return {"answers": answers, "conditions": conditions, "stored": len(stored)}


def prepare(directory: Path, members: int) -> dict:
    """Pick every scenario's pages; log in; write wrk's input files."""
    from django.conf import settings
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from community.privacy import identifying_details

    directory.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    busiest, posts = _busiest_condition()
    experiences = f"/conditions/{busiest.slug}/experiences/"
    reviewer = _reviewer_user()
    admin_session = _session_for(reviewer)
    posting = _posting_members(members)
    if not posting:
        raise SystemExit("No member with an active account to post as.")
    member_sessions = [_session_for(member.user) for member in posting]
    if identifying_details(POST_BODY):
        raise SystemExit("The post body would get a privacy warning, not a post.")
    csrf = get_random_string(CSRF_SECRET_LENGTH)
    cookie = settings.SESSION_COOKIE_NAME
    csrf_cookie = settings.CSRF_COOKIE_NAME

    def write(name: str, lines: list[str]) -> str:
        path = directory / name
        path.write_text("".join(f"{line}\n" for line in lines))
        return str(path)

    picked = pick_pages(directory)
    answers, cold_answers, warm_answers = picked["answers"]
    conditions, cold_conditions, warm_conditions = picked["conditions"]
    post_conditions = conditions[:200]
    counting = _counting_member(_condition_for(post_conditions[0]))
    counting_session = _session_for(counting.user)
    synonym, typo = _synonym(), _typo()
    scenarios = [
        {"name": "trivial", "label": "trivial view (floor)", "path": "/bench/trivial/"},
        {
            "name": "answer_cached",
            "label": "answer page, cached",
            "path": _first_answer_path(busiest),
            "warm": True,
        },
        {
            "name": "answer_uncached",
            "label": "answer page, uncached",
            "paths": write("answers.txt", answers),
            "count": len(answers),
            "bust": True,
            "stored": True,
        },
        {
            "name": "condition",
            "label": "condition page",
            "paths": write("conditions.txt", conditions),
            "count": len(conditions),
            "bust": True,
            "stored": True,
        },
        {
            "name": "answer_first_render",
            "label": "answer page, first render",
            "paths": write("cold_answers.txt", cold_answers),
            "warm_paths": write("warm_answers.txt", warm_answers),
            "count": len(cold_answers),
            "bust": True,
            "cold": True,
        },
        {
            "name": "condition_first_render",
            "label": "condition page, first render",
            "paths": write("cold_conditions.txt", cold_conditions),
            "warm_paths": write("warm_conditions.txt", warm_conditions),
            "count": len(cold_conditions),
            "bust": True,
            "cold": True,
        },
        {
            "name": "experiences_p1",
            "label": "experiences, page 1",
            "path": experiences,
            "bust": True,
        },
        {
            "name": "experiences_p500",
            "label": f"experiences, page {EXPERIENCE_PAGE}",
            "path": f"{experiences}?page={EXPERIENCE_PAGE}",
            "bust": True,
        },
        {
            "name": "search_synonym",
            "label": "search, synonym",
            "path": f"/search/?{urlencode({'q': synonym})}",
            "query": synonym,
        },
        {
            "name": "search_typo",
            "label": "search, typo",
            "path": f"/search/?{urlencode({'q': typo})}",
            "query": typo,
        },
        {
            "name": "admin_queue",
            "label": "admin: awaiting my review",
            "path": "/admin/answers/question/?queue=mine",
            "cookies": write("admin_cookies.txt", [f"{cookie}={admin_session}"]),
            "as": reviewer.get_username(),
        },
        {
            "name": "post_experience",
            "label": "post an experience",
            "method": "POST",
            "paths": write(
                "post_paths.txt",
                [f"{path}experiences/share/" for path in post_conditions],
            ),
            "cookies": write(
                "member_cookies.txt",
                [f"{cookie}={key}; {csrf_cookie}={csrf}" for key in member_sessions],
            ),
            "body": "&".join(
                [
                    f"csrfmiddlewaretoken={csrf}",
                    "relation=lives_with",
                    "question=",
                    f"body={quote(POST_BODY)}",
                    "submission_key={KEY}",
                    "post=1",
                ]
            ),
            "expect": 302,
            "members": len(posting),
            "count_cookies": write(
                "counting_cookies.txt",
                [f"{cookie}={counting_session}; {csrf_cookie}={csrf}"],
            ),
        },
        {
            "name": "answers_cached",
            "label": f"answers ×{CACHED_ANSWERS}, cached",
            "paths": write("cached_answers.txt", answers[:CACHED_ANSWERS]),
            "count": min(CACHED_ANSWERS, len(answers)),
            "cached": True,
        },
        {
            "name": "answers_cached_writes",
            "label": f"answers ×{CACHED_ANSWERS}, {WRITES_PER_SECOND} changes/s",
            "paths": write("cached_answers.txt", answers[:CACHED_ANSWERS]),
            "count": min(CACHED_ANSWERS, len(answers)),
            "cached": True,
            "writes_per_second": WRITES_PER_SECOND,
        },
    ]
    plan = {
        "started": started.isoformat(),
        "busiest_condition": busiest.slug,
        "busiest_condition_posts": posts,
        "experience_pages": -(-posts // PAGE_SIZE),
        "sessions": [admin_session, counting_session, *member_sessions],
        "members": sorted({counting.pk, *(member.pk for member in posting)}),
        "scenarios": scenarios,
    }
    (directory / "plan.json").write_text(json.dumps(plan, indent=2))
    return plan


# --- Queries per request -----------------------------------------------------


def _client_for(scenario: dict):
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    cookies = scenario.get("count_cookies") or scenario.get("cookies")
    if cookies:
        line = Path(cookies).read_text().splitlines()[0]
        for part in line.split("; "):
            name, value = part.split("=", 1)
            client.cookies[name] = value
    return client


def _first_path(scenario: dict) -> str:
    if "path" in scenario:
        return scenario["path"]
    paths = Path(scenario["paths"]).read_text().splitlines()
    # A first render stores the page: count with one wrk will not reach.
    return paths[-1] if scenario.get("cold") else paths[0]


def _busted(path: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}bench=probe-{uuid.uuid4().hex}"


def count(directory: Path) -> dict:
    """Queries one request of each scenario runs, the way wrk will send it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = json.loads((directory / "plan.json").read_text())
    results = {}
    for scenario in plan["scenarios"]:
        client = _client_for(scenario)
        path = _first_path(scenario)
        expect = scenario.get("expect", 200)
        if scenario.get("warm") or scenario.get("cached"):
            client.get(path)
        elif scenario.get("stored"):
            client.get(_busted(path))  # rendered and stored, if it was not
        with CaptureQueriesContext(connection) as queries:
            if scenario.get("method") == "POST":
                body = scenario["body"].replace("{KEY}", str(uuid.uuid4()))
                response = client.post(
                    path, body, content_type="application/x-www-form-urlencoded"
                )
            else:
                response = client.get(_busted(path) if scenario.get("bust") else path)
        if response.status_code != expect:
            raise SystemExit(
                f"{scenario['name']}: {path} answered {response.status_code}, "
                f"expected {expect}"
            )
        results[scenario["name"]] = {
            "queries": len(queries),
            "cache": response.get("X-Page-Cache", "").split(";")[0],
            "sql": [query["sql"] for query in queries.captured_queries],
        }
    return results


# --- After the run -------------------------------------------------------------


def cleanup(directory: Path) -> dict:
    """Delete the sessions and posts this run made (the dataset stays as it was)."""
    from datetime import datetime

    from django.contrib.sessions.models import Session
    from django.db import transaction

    from answers.publication import community_content_changed
    from community.models import Experience, ExperienceStatus, MemberCondition

    plan = json.loads((directory / "plan.json").read_text())
    started = datetime.fromisoformat(plan["started"])
    with transaction.atomic():
        posts = Experience.objects.filter(
            author__in=plan["members"], created_at__gte=started
        )
        published = set(
            posts.filter(status=ExperienceStatus.PUBLISHED).values_list(
                "condition_id", flat=True
            )
        )
        removed, _ = posts.delete()
        MemberCondition.objects.filter(
            member__in=plan["members"], created_at__gte=started
        ).delete()
        sessions, _ = Session.objects.filter(session_key__in=plan["sessions"]).delete()
        _forget_bench_devices()
        if published:
            community_content_changed(conditions=published)
    return {"posts_removed": removed, "sessions_removed": sessions}


def write(rate: float) -> None:
    """Public changes, `rate` a second, each on a random published condition,
    until SIGTERM; then print how many were made (a line when it is ready to
    begin, first). Each is one transaction
    through the publication hook, as a moderated post's (it stamps the
    condition, deletes its stored pages and announces the change)."""
    import signal
    import time

    from django.db import transaction

    from answers.models import Condition
    from answers.publication import community_content_changed

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    ids = list(
        Condition.objects.published().order_by("pk").values_list("pk", flat=True)
    )
    pick = random.Random(SEED)
    # run.py starts the load once the writer is ready to write.
    print(json.dumps({"ready": len(ids)}), flush=True)
    made, started = 0, time.monotonic()
    while not stopping:
        with transaction.atomic():
            community_content_changed(conditions=[pick.choice(ids)])
        made += 1
        # On a schedule, not a fixed sleep: the changes themselves take time.
        delay = started + made / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    seconds = time.monotonic() - started
    print(json.dumps({"changes": made, "seconds": round(seconds, 2)}))


def _forget_bench_devices() -> None:
    try:
        from django_otp.plugins.otp_totp.models import TOTPDevice
    except ImportError:
        return
    TOTPDevice.objects.filter(name=BENCH_DEVICE).delete()


def main(argv: list[str]) -> None:
    setup_django()
    command = argv[0]
    if command == "status":
        print(json.dumps(status()))
    elif command == "pages":
        print(json.dumps({"stored": pick_pages(Path(argv[1]))["stored"]}))
    elif command == "prepare":
        members = int(os.environ.get("BENCH_MEMBERS", "1000"))
        plan = prepare(Path(argv[1]), members)
        print(json.dumps({k: v for k, v in plan.items() if k != "sessions"}))
    elif command == "count":
        print(json.dumps(count(Path(argv[1]))))
    elif command == "cleanup":
        print(json.dumps(cleanup(Path(argv[1]))))
    elif command == "write":
        write(float(argv[1]))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
