"""`make bench`: the pages that matter under load, next to the framework floor.

Runs gunicorn against the large PostgreSQL dataset (generating it once with
`manage.py generate_dataset` if the database is missing or empty) and loads it
with wrk on loopback, one scenario after another with the same settings; a
constant-response view (/bench/trivial/, only in this package's URLconf,
tools/bench/urls.py) measured first and last is the floor every page is
compared with. Prints a table and writes it as JSON to tools/bench/results/.
See README.md, "Performance", for what each scenario measures.

So that one run's figures can be trusted, each gunicorn worker listens on its
own socket (`--reuse-port`: the kernel spreads wrk's connections over them),
each scenario's server CPU per request is read from /proc (utime + stime of
gunicorn's master and workers, before and after), and so is how that CPU was
spread over the workers: a scenario whose busiest worker did more than
SPREAD_MAX_SHARE of the work (its connections landed on too few workers) is
run again, up to SPREAD_ATTEMPTS times, and reported as lopsided if it stays
so.

Never part of `make test`: it takes minutes and measures this machine.

Settings (environment variables, all optional):
  BENCH_DATABASE_URL        the large dataset (postgres://…/diseasemaps_bench)
  BENCH_SMALL_DATABASE_URL  demo data, for query counts (…/diseasemaps_bench_small)
  BENCH_REDIS_URL           a Redis database the bench may empty (redis://…/6)
  BENCH_WORKERS             gunicorn workers (default 2 × cores + 1, as in production)
  BENCH_GUNICORN_THREADS    threads per worker (default 2, as in production)
  BENCH_DURATION            seconds per scenario (15)
  BENCH_CONNECTIONS         wrk connections (10)
  BENCH_THREADS             wrk threads (2)
  BENCH_PORT                gunicorn's port on 127.0.0.1 (8765)
  BENCH_ONLY                comma-separated scenario names (the floor always runs)
  BENCH_RELEASE             the release id stored pages are kept under (default:
                            the commit and uncommitted changes, so changed code
                            renders them again)
  BENCH_REUSE_PORT          "false": all workers share one listening socket, as
                            gunicorn does by default (connections may then land
                            on few workers)
  BENCH_PLAIN_PORT          the plain Django baseline's port (BENCH_PORT + 1)
  BENCH_WAGTAIL_PORT        the stock Wagtail baseline's port (BENCH_PORT + 2)
  BENCH_PLAIN_DATABASE_URL  its database (…/diseasemaps_bench_plain)
  BENCH_WAGTAIL_DATABASE_URL  its database (…/diseasemaps_bench_wagtail)
  BENCH_WAGTAIL_VENV        where its venv is made (.venv-bench-wagtail)

Baselines (tools/bench/baselines/, README "Performance"): a plain Django 5.2
project as `django-admin startproject` makes it and a stock Wagtail 8 project
as `wagtail start` makes it run beside DiseaseMaps, up at the same time, on the
same PostgreSQL, with the same gunicorn and wrk settings, so that the targets
that compare with them are measured in one run. A baseline that cannot be made
stops the run with what to do; it is never left out silently.

At the end, each scenario's ratio and CPU per request are compared with the
last two earlier runs of this machine (tools/bench/results/): the targets ask
for three runs within ±15 % of their median.

`python -m tools.bench.run --explain-only` stops after the query counts and plans.
"""

import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
LUA = ROOT / "tools" / "bench" / "wrk" / "scenario.lua"
RESULTS = ROOT / "tools" / "bench" / "results"

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/diseasemaps_bench"
)
SMALL_DATABASE_URL = os.environ.get(
    "BENCH_SMALL_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/diseasemaps_bench_small",
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
CORES = os.cpu_count() or 1
# The app server as gunicorn.conf.py runs it in production, said explicitly on
# the command line so a run records what it measured: gunicorn's rule of thumb
# of 2 × cores + 1 workers (while one waits on PostgreSQL another has the
# CPU), each with 2 threads (gthread, keep-alive connections).
WORKERS = int(os.environ.get("BENCH_WORKERS", 2 * CORES + 1))
GUNICORN_THREADS = int(os.environ.get("BENCH_GUNICORN_THREADS", "2"))
DURATION = int(os.environ.get("BENCH_DURATION", "15"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "10"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
PORT = int(os.environ.get("BENCH_PORT", "8765"))
WARM_UP = 2  # seconds of unrecorded load before each scenario
# Before a scenario of many pages from the page cache: every worker must have
# read every page once (300 pages over 5 workers took some 8,000 requests;
# with 2 s, a fifth of the measured requests were still first reads).
CACHED_WARM_UP = 12
ONLY = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}

REUSE_PORT = os.environ.get("BENCH_REUSE_PORT", "true").lower() != "false"
# gunicorn's keep-alive and heartbeat directory as gunicorn.conf.py sets them
# for DiseaseMaps, said on every server's command line so that the baselines
# run with the same settings.
KEEPALIVE = 75
WORKER_TMP_DIR = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108  # nosec B108
# The busiest worker's share of a scenario's server CPU above which its
# connections are taken to have landed on too few workers (twice an even
# share), and how many times such a scenario is run before it is reported.
SPREAD_MAX_SHARE = min(0.9, 2 / WORKERS)
SPREAD_ATTEMPTS = 3
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

TARGETS = {
    "answer_cached": 0.8,
    "answer_uncached": 0.3,
    "condition": 0.25,
    # Issue 16: every page a member uses at a tenth of the floor, the
    # moderators' queue at a twentieth.
    "experiences_p1": 0.1,
    "experiences_p500": 0.1,
    "search_synonym": 0.1,
    "search_typo": 0.1,
    "post_experience": 0.1,
    "admin_queue": 0.05,
}
QUERY_TARGETS = {"post_experience": 12}
# Server CPU per request against a baseline measured in the same run (issue
# 16): (scenario, baseline scenario, at most this many times its CPU).
CPU_TARGETS = (
    ("answer_first_render", "wagtail_page", 1.0),
    ("condition_first_render", "wagtail_page", 1.2),
)
# DiseaseMaps' floor (its middleware stack around a constant response)
# against plain Django's own trivial view.
FLOOR_BASELINE = "plain_trivial"
FLOOR_MAX_CPU = 1.2
# Three runs (this one and the last two of the same machine) within this much
# of their median, for each scenario's ratio and CPU per request.
STEADY_WITHIN = 0.15
STEADY_RUNS = 3
# What makes two runs' data sets the same (their sizes), for that comparison.
SAME_DATA = ("conditions", "questions", "live_questions")

# --- Baselines (tools/bench/baselines/) ---------------------------------------

BASELINES = ROOT / "tools" / "bench" / "baselines"
PLAIN_DIR = BASELINES / "plain"
WAGTAIL_DIR = BASELINES / "wagtail"
WAGTAIL_REQUIREMENTS = WAGTAIL_DIR / "requirements.txt"
WAGTAIL_VENV = Path(
    os.environ.get("BENCH_WAGTAIL_VENV", ROOT / ".venv-bench-wagtail")
).resolve()
PLAIN_PORT = int(os.environ.get("BENCH_PLAIN_PORT", PORT + 1))
WAGTAIL_PORT = int(os.environ.get("BENCH_WAGTAIL_PORT", PORT + 2))
# The stock Wagtail page's rich-text body: about an answer's. The demo's
# written answers are 1.2-1.5 kB of Markdown plus a short answer of about 0.4
# kB; the large data set's generated ones are shorter (0.3 + 0.16 kB).
WAGTAIL_BODY_BYTES = 1600


def sibling_database(url: str, name: str) -> str:
    """The same PostgreSQL server as `url`, another database."""
    return urlsplit(url)._replace(path=f"/{name}").geturl()


PLAIN_DATABASE_URL = os.environ.get(
    "BENCH_PLAIN_DATABASE_URL",
    sibling_database(DATABASE_URL, "diseasemaps_bench_plain"),
)
WAGTAIL_DATABASE_URL = os.environ.get(
    "BENCH_WAGTAIL_DATABASE_URL",
    sibling_database(DATABASE_URL, "diseasemaps_bench_wagtail"),
)

# The baselines' scenarios, run after DiseaseMaps' own and before the floor's
# second measurement; "server" says which gunicorn serves them.
BASELINE_SCENARIOS = (
    {
        "name": "plain_trivial",
        "label": "plain Django trivial view",
        "server": "plain",
        "path": "/bench/trivial/",
    },
    {
        "name": "plain_page",
        "label": "minimal Django page",
        "server": "plain",
        "path": "/posts/post-1/",
        "paths_of": "plain",
    },
    {
        "name": "wagtail_page",
        "label": "stock Wagtail 8 page",
        "server": "wagtail",
        "path": "/",
    },
)
# The page cache under writes (issue 16): hits while a writer makes public
# changes on random conditions, and throughput against the same pages
# without writes.
WRITES = "answers_cached_writes"
WRITES_BASELINE = "answers_cached"
WRITES_MIN_HITS = 0.9
WRITES_MIN_RATIO = 0.8
SEARCH_P99_MS = 150
LATENCY_SCENARIOS = ("search_synonym", "search_typo")


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def fail(message: str) -> None:
    print(f"[bench] FAILED: {message}", file=sys.stderr, flush=True)
    raise SystemExit(1)


# --- Environment ----------------------------------------------------------------

SECRET = secrets.token_urlsafe(50)


def code_release() -> str:
    """The checkout's commit and uncommitted changes, as a release id.

    Stored pages (public/pages.py) are kept per release: with the same code,
    a second run finds the pages the first one rendered; any change to the
    code renders them again, as a deploy would.
    """
    digest = hashlib.sha256()
    for command in (["git", "rev-parse", "HEAD"], ["git", "diff", "HEAD"]):
        result = subprocess.run(command, cwd=ROOT, capture_output=True)
        digest.update(result.stdout)
    return "bench-" + digest.hexdigest()[:12]


RELEASE = os.environ.get("BENCH_RELEASE") or code_release()


def env_for(database_url: str, **extra: str) -> dict[str, str]:
    """Production-like settings: DEBUG off, plain HTTP on loopback."""
    # Other databases and caches from the caller's environment stay out (a
    # replica list would send page views elsewhere); the health-check switch
    # is let through, to measure what it costs.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "BENCH_"))
        or key == "DATABASE_HEALTH_CHECKS"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tools.bench.settings",
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        RELEASE=RELEASE,
        # Production refuses to start without it (absolute links on pages).
        SITE_URL=f"http://127.0.0.1:{PORT}",
        # Posting mails the moderators; nothing should leave this machine.
        EMAIL_URL="dummy:",
        LOG_LEVEL="WARNING",
        # The bench reads where each page came from (X-Page-Cache,
        # X-Stored-Page); production never sends them.
        PAGE_CACHE_HEADERS="true",
    )
    env.update(extra)
    return env


def manage(database_url: str, *args: str, **extra: str) -> None:
    command = [PYTHON, str(ROOT / "manage.py"), *args]
    result = subprocess.run(command, cwd=ROOT, env=env_for(database_url, **extra))
    if result.returncode:
        fail(f"manage.py {' '.join(args)} exited with {result.returncode}")


def scenarios(database_url: str, *args: str, **extra: str) -> dict:
    command = [PYTHON, "-m", "tools.bench.scenarios", *args]
    result = subprocess.run(
        command,
        cwd=ROOT,
        env=env_for(database_url, **extra),
        stdout=subprocess.PIPE,
        text=True,
    )
    if result.returncode:
        fail(f"tools.bench.scenarios {' '.join(args)} exited with {result.returncode}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Preparation --------------------------------------------------------------


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    say("wrk is missing: apt-get install -y wrk")
    if os.geteuid() != 0:
        fail("wrk is not installed and this is not root: apt-get install wrk")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install).returncode:
        subprocess.run(["apt-get", "update"], check=False)
        subprocess.run(install, check=False)
    wrk = shutil.which("wrk")
    if not wrk:
        fail("could not install wrk")
    return wrk


def ensure_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            say(f"creating database {name}")
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            )


def analyze(url: str) -> None:
    """Planner statistics, as autovacuum would have them on a live database."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def has_command(name: str) -> bool:
    result = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "help", name],
        cwd=ROOT,
        # The development data commands exist only with DEBUG on.
        env=env_for(DATABASE_URL, DEBUG="true"),
        capture_output=True,
    )
    return result.returncode == 0


def ensure_large_dataset() -> dict:
    ensure_database(DATABASE_URL)
    manage(DATABASE_URL, "migrate", "--no-input", "-v", "0")
    sizes = scenarios(DATABASE_URL, "status")
    if not sizes["live_questions"]:
        if not has_command("generate_dataset"):
            fail(
                "the bench database is empty and manage.py generate_dataset does "
                "not exist in this checkout"
            )
        say("the bench database is empty: generating the full dataset once")
        say("(this takes a long time; it is kept for later runs)")
        # Like load_demo, it refuses to run without DEBUG: it makes accounts
        # with a published password.
        manage(DATABASE_URL, "generate_dataset", DEBUG="true")
        sizes = scenarios(DATABASE_URL, "status")
    if sizes["search_entries"] < sizes["live_questions"]:
        say("the search index is behind the live answers: rebuilding it")
        manage(DATABASE_URL, "rebuild_search_index")
        sizes = scenarios(DATABASE_URL, "status")
    analyze(DATABASE_URL)
    return sizes


def ensure_small_dataset() -> dict:
    ensure_database(SMALL_DATABASE_URL)
    manage(SMALL_DATABASE_URL, "migrate", "--no-input", "-v", "0")
    sizes = scenarios(SMALL_DATABASE_URL, "status")
    if not sizes["live_questions"]:
        say("loading the demo content into the small database")
        # load_demo is for development only and refuses to run without DEBUG,
        # or without the catalogue its codes are checked against.
        manage(SMALL_DATABASE_URL, "import_terminology")
        manage(SMALL_DATABASE_URL, "load_demo", DEBUG="true")
        manage(SMALL_DATABASE_URL, "rebuild_search_index")
        sizes = scenarios(SMALL_DATABASE_URL, "status")
    return sizes


def collect_static() -> None:
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    newest = max(path.stat().st_mtime for path in (ROOT / "static").rglob("*"))
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        say("collecting static files")
        manage(DATABASE_URL, "collectstatic", "--no-input", "-v", "0")


def flush_cache() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def render_stored_pages(paths_file: Path) -> None:
    """Render and store the pages the uncached scenarios read, as
    `manage.py render_pages` does after a deploy: one process per core, each
    on its share of the list. Pages already current for this release (an
    earlier run of the same code) are skipped."""
    paths = paths_file.read_text().splitlines()
    say(f"rendering the {len(paths):,} stored pages the uncached scenarios read")
    processes = []
    for part in range(CORES):
        share = paths_file.with_name(f"render-{part}.txt")
        share.write_text("".join(f"{path}\n" for path in paths[part::CORES]))
        command = [PYTHON, str(ROOT / "manage.py"), "render_pages", "--paths"]
        processes.append(
            subprocess.Popen(
                [*command, str(share)], cwd=ROOT, env=env_for(DATABASE_URL)
            )
        )
    if any(process.wait() for process in processes):
        fail("manage.py render_pages failed; see its output above")


def chosen_baselines(only: set[str]) -> list[dict]:
    """The baseline scenarios a run measures: all of them in a full run; with
    BENCH_ONLY, those it names and those a chosen scenario's target compares
    with (the first renders need the Wagtail page)."""
    if not only:
        return list(BASELINE_SCENARIOS)
    needed = set(only)
    needed |= {baseline for name, baseline, _ in CPU_TARGETS if name in only}
    return [s for s in BASELINE_SCENARIOS if s["name"] in needed]


def baseline_env(database_url: str, settings: str, **extra: str) -> dict[str, str]:
    """A baseline's environment: only what its settings read, nothing of ours."""
    env = {
        key: os.environ[key]
        for key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
        if key in os.environ
    }
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def plain_env() -> dict[str, str]:
    return baseline_env(PLAIN_DATABASE_URL, "plainsite.bench")


def wagtail_env() -> dict[str, str]:
    return baseline_env(
        WAGTAIL_DATABASE_URL,
        "mysite.settings.production",
        STATIC_ROOT=str(WAGTAIL_VENV / "static"),
    )


def baseline_manage(
    what: str, python: str, directory: Path, env: dict, *args: str, advice: str
) -> str:
    """Run a baseline's manage.py; stop the run, saying what to do, if it fails."""
    result = subprocess.run(
        [python, "manage.py", *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        print(result.stdout + result.stderr, file=sys.stderr, end="")
        fail(
            f"the {what} baseline: manage.py {' '.join(args)} exited with "
            f"{result.returncode} (output above). {advice}"
        )
    return result.stdout


def ensure_baseline_database(what: str, url: str) -> None:
    try:
        ensure_database(url)
    except Exception as error:  # any driver error: say what to do
        fail(
            f"the {what} baseline's database {urlsplit(url).path.lstrip('/')} "
            f"could not be made ({error}). Check that PostgreSQL at "
            f"{urlsplit(url).hostname}:{urlsplit(url).port} accepts CREATE "
            "DATABASE, or set its BENCH_*_DATABASE_URL to one that exists."
        )


def page_facts(output: str) -> dict:
    """The last line of a baseline's set-up command: its page's size and
    queries, as it measured them once with Django's test client."""
    return json.loads(output.strip().splitlines()[-1])


def ensure_plain() -> dict:
    """Plain Django runs from this project's own venv (Django is there): its
    database migrated and its posts created."""
    advice = (
        "It runs from this checkout's .venv with its own database; "
        f"see {PLAIN_DIR.relative_to(ROOT)}."
    )
    ensure_baseline_database("plain Django", PLAIN_DATABASE_URL)
    env = plain_env()
    baseline_manage(
        "plain Django",
        PYTHON,
        PLAIN_DIR,
        env,
        "migrate",
        "--no-input",
        "-v",
        "0",
        advice=advice,
    )
    facts = page_facts(
        baseline_manage(
            "plain Django", PYTHON, PLAIN_DIR, env, "seed_blog", advice=advice
        )
    )
    analyze(PLAIN_DATABASE_URL)
    return facts


def requirements_digest() -> str:
    return hashlib.sha256(WAGTAIL_REQUIREMENTS.read_bytes()).hexdigest()


def ensure_wagtail_venv() -> str:
    """The stock Wagtail project's venv: made on first use (about a minute,
    from PyPI) and again whenever its requirements file changes."""
    python = WAGTAIL_VENV / "bin" / "python"
    stamp = WAGTAIL_VENV / ".requirements-sha256"
    digest = requirements_digest()
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return str(python)
    say(
        f"making the stock Wagtail venv in {WAGTAIL_VENV} from "
        f"{WAGTAIL_REQUIREMENTS.relative_to(ROOT)} (about a minute; kept for "
        "later runs)"
    )
    started = time.monotonic()
    steps = (
        [PYTHON, "-m", "venv", "--clear", str(WAGTAIL_VENV)],
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            str(WAGTAIL_REQUIREMENTS),
        ],
    )
    for step in steps:
        if subprocess.run(step).returncode:
            stamp.unlink(missing_ok=True)
            fail(
                f"could not make the stock Wagtail venv: `{' '.join(step)}` "
                "failed (output above). It needs Python's venv module and PyPI "
                f"for {WAGTAIL_REQUIREMENTS.relative_to(ROOT)}; fix that and run "
                f"make bench again (or delete {WAGTAIL_VENV} to start over)."
            )
    stamp.write_text(digest + "\n")
    say(f"the Wagtail venv took {time.monotonic() - started:.0f} s")
    return str(python)


def ensure_wagtail() -> tuple[str, dict]:
    """The stock Wagtail project: its venv, its database migrated, its static
    files collected (production.py's manifest storage needs them) and its home
    page given a body about an answer's size."""
    python = ensure_wagtail_venv()
    advice = (
        f"It runs from {WAGTAIL_VENV} with its own database; delete that "
        "folder to make the venv again."
    )
    ensure_baseline_database("stock Wagtail", WAGTAIL_DATABASE_URL)
    env = wagtail_env()
    for args in (
        ("migrate", "--no-input", "-v", "0"),
        ("collectstatic", "--no-input", "-v", "0"),
    ):
        baseline_manage("stock Wagtail", python, WAGTAIL_DIR, env, *args, advice=advice)
    facts = page_facts(
        baseline_manage(
            "stock Wagtail",
            python,
            WAGTAIL_DIR,
            env,
            "bench_page",
            "--bytes",
            str(WAGTAIL_BODY_BYTES),
            advice=advice,
        )
    )
    analyze(WAGTAIL_DATABASE_URL)
    return python, facts


# --- gunicorn and wrk -----------------------------------------------------------


def gunicorn_command(
    python: str, app: str, port: int, log: Path, config: Path | None = None
) -> list[str]:
    """The same gunicorn settings for every server of a run, DiseaseMaps' and
    the baselines': workers, threads (gthread), keep-alive, no restarts, a
    socket per worker."""
    command = [python, "-m", "gunicorn"]
    if config is not None and config.exists():
        command += ["--config", str(config)]
    command += [
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        str(GUNICORN_THREADS),
        "--worker-class",
        "gthread" if GUNICORN_THREADS > 1 else "sync",
        "--keep-alive",
        str(KEEPALIVE),
        # Production restarts a worker every ~1,000 requests; here a restart
        # (a second of CPU loading Django) would land in whichever scenario
        # happened to be running.
        "--max-requests",
        "0",
        "--error-logfile",
        str(log),
        "--no-control-socket",
    ]
    if WORKER_TMP_DIR:
        command += ["--worker-tmp-dir", WORKER_TMP_DIR]
    if REUSE_PORT:
        # A listening socket per worker, so the kernel spreads connections
        # over them; with one shared socket, whichever worker wakes first
        # takes a keep-alive connection for the whole run (all 10 of wrk's
        # on one worker was seen: the floor fell by 60 % with a core idle).
        command.append("--reuse-port")
    return command


def start_gunicorn(
    directory: Path,
    *,
    name: str = "diseasemaps",
    python: str = PYTHON,
    cwd: Path = ROOT,
    app: str = "diseasemaps.wsgi",
    port: int = PORT,
    env: dict | None = None,
    config: Path | None = ROOT / "gunicorn.conf.py",
    probe: str = "/bench/trivial/",
) -> subprocess.Popen:
    log = directory / f"gunicorn-{name}.log"
    command = gunicorn_command(python, app, port, log, config)
    say(
        f"starting gunicorn ({name}): {WORKERS} workers × {GUNICORN_THREADS} "
        f"threads on 127.0.0.1:{port}{' (a socket per worker)' if REUSE_PORT else ''}"
    )
    server = subprocess.Popen(
        command, cwd=cwd, env=env_for(DATABASE_URL) if env is None else env
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"gunicorn ({name}) exited with {server.returncode}; see {log}")
        try:
            url = f"http://127.0.0.1:{port}{probe}"
            with urllib.request.urlopen(url, timeout=2) as response:  # nosec B310 - loopback http
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    stop_gunicorn(server)
    fail(f"gunicorn ({name}) did not answer {probe} within 60 seconds; see {log}")
    raise AssertionError  # unreachable


def stop_gunicorn(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # graceful: workers finish their request
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def run_wrk(
    wrk: str,
    scenario: dict,
    directory: Path,
    seconds: int,
    *,
    warm: bool,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
    tag: str = "",
):
    out = directory / f"{scenario['name']}{'-warm' if warm else ''}{tag}.json"
    env = dict(os.environ)
    env.update(
        BENCH_PATH=scenario.get("path", ""),
        # A first-render scenario warms up on other pages: warming up on its
        # own would store the very pages it is about to measure.
        BENCH_PATHS=scenario.get("warm_paths" if warm else "paths")
        or scenario.get("paths", ""),
        BENCH_COOKIES=scenario.get("cookies", ""),
        BENCH_METHOD=scenario.get("method", "GET"),
        BENCH_BODY=scenario.get("body", ""),
        # A warm-up must not put the measured pages in the page cache, unless
        # the scenario measures them there.
        BENCH_BUST="1"
        if scenario.get("bust") or (warm and not scenario.get("cached"))
        else "0",
        BENCH_NONCE=secrets.token_hex(4),
        BENCH_THREADS=str(threads),
        BENCH_OUT=str(out),
    )
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        f"http://127.0.0.1:{scenario.get('port', PORT)}",
    ]
    load_before = os.getloadavg()[0]
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    (directory / f"{out.stem}.txt").write_text(result.stdout + result.stderr)
    if result.returncode or not out.exists():
        fail(f"wrk failed for {scenario['name']}: {result.stderr.strip()}")
    data = json.loads(out.read_text())
    data["load_before"] = load_before
    data["load_after"] = os.getloadavg()[0]
    return data


# --- Server CPU, from /proc ------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: fields follow the last ")".
    return text[text.rindex(")") + 2 :].split()


def server_cpu(master: int) -> dict[int, int]:
    """CPU ticks (utime + stime) used so far by gunicorn's master and each of
    its workers (its children), by pid; the master's under its own pid."""
    ticks = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        fields = _stat(pid)
        # After the name: state, ppid, …; utime and stime are fields 14 and 15
        # of the line, 12 and 13 here.
        if fields is not None and (pid == master or int(fields[1]) == master):
            ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_used(master: int, before: dict[int, int], after: dict[int, int]) -> dict:
    """What a scenario cost the server, from two `server_cpu` readings: in
    total and per worker, in seconds."""
    workers = {
        pid: (ticks - before.get(pid, 0)) / CLOCK_TICKS
        for pid, ticks in after.items()
        if pid != master
    }
    master_s = (after.get(master, 0) - before.get(master, 0)) / CLOCK_TICKS
    total = master_s + sum(workers.values())
    busiest = max(workers.values(), default=0.0)
    return {
        "seconds": round(total, 2),
        "workers": {str(pid): round(s, 2) for pid, s in sorted(workers.items())},
        "busiest_share": round(busiest / total, 3) if total else 0.0,
    }


def start_writer(scenario: dict, directory: Path) -> subprocess.Popen | None:
    rate = scenario.get("writes_per_second")
    if not rate:
        return None
    command = [PYTHON, "-m", "tools.bench.scenarios", "write", str(rate)]
    say(f"{scenario['label']}: a writer makes {rate} public changes a second")
    writer = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env_for(DATABASE_URL),
        stdout=subprocess.PIPE,
        text=True,
    )
    if not writer.stdout.readline():  # {"ready": …} once Django is loaded
        fail(f"the writer exited with {writer.wait()} before it began")
    return writer


def stop_writer(writer: subprocess.Popen | None) -> dict | None:
    if writer is None:
        return None
    writer.send_signal(signal.SIGTERM)
    out, _ = writer.communicate(timeout=30)
    if writer.returncode:
        fail(f"the writer exited with {writer.returncode}")
    done = json.loads(out.strip().splitlines()[-1])
    done["per_second"] = round(done["changes"] / max(done["seconds"], 1e-9), 2)
    return done


def measure(wrk: str, scenario: dict, directory: Path, master: int) -> dict:
    """One scenario's measured run, with its server CPU and how it was spread
    over the workers; run again while that spread is lopsided."""
    for attempt in range(1, SPREAD_ATTEMPTS + 1):
        writer = start_writer(scenario, directory)
        before = server_cpu(master)
        data = run_wrk(wrk, scenario, directory, DURATION, warm=False)
        after = server_cpu(master)
        writes = stop_writer(writer)
        row = summarise(scenario, data)
        cpu = cpu_used(master, before, after)
        row["cpu"] = cpu
        row["cpu_ms_per_request"] = 1000 * cpu["seconds"] / max(1, row["requests"])
        row["spread_attempts"] = attempt
        row["lopsided"] = cpu["busiest_share"] > SPREAD_MAX_SHARE
        if writes is not None:
            row["writes"] = writes
        if not row["lopsided"]:
            break
        say(
            f"{scenario['label']}: lopsided, one worker did "
            f"{100 * cpu['busiest_share']:.0f}% of the work (at most "
            f"{100 * SPREAD_MAX_SHARE:.0f}%)"
            + ("; running it again" if attempt < SPREAD_ATTEMPTS else "")
        )
    return row


def warm(url_path: str, port: int = PORT) -> None:
    url = f"http://127.0.0.1:{port}{url_path}"
    with urllib.request.urlopen(url, timeout=30) as response:  # nosec B310 - loopback http
        response.read()


def summarise(scenario: dict, data: dict) -> dict:
    seconds = data["duration_us"] / 1e6
    expect = str(scenario.get("expect", 200))
    unexpected = sum(n for status, n in data["statuses"].items() if status != expect)
    errors = data["errors"]
    socket_errors = sum(errors[k] for k in ("connect", "read", "write", "timeout"))
    return {
        "name": scenario["name"],
        "label": scenario["label"],
        "requests": data["requests"],
        "rps": data["requests"] / seconds if seconds else 0.0,
        "p50_ms": data["latency_us"]["p50"] / 1000,
        "p90_ms": data["latency_us"]["p90"] / 1000,
        "p99_ms": data["latency_us"]["p99"] / 1000,
        "max_ms": data["latency_us"]["max"] / 1000,
        "statuses": data["statuses"],
        "expected_status": int(expect),
        "unexpected_responses": unexpected,
        "socket_errors": socket_errors,
        "page_cache": data["page_cache"],
        "stored_page": data["stored_page"],
        "load_before": round(data["load_before"], 2),
        "load_after": round(data["load_after"], 2),
    }


# --- Report ------------------------------------------------------------------


def cpu_checks(rows: dict[str, dict], floor_cpu_ms: float | None = None) -> list[dict]:
    """The targets on server CPU per request against a baseline of the same
    run: first renders against the stock Wagtail page, the floor against plain
    Django's trivial view. `floor_cpu_ms` is the floor's (the mean of its two
    measurements); without it, the trivial row's."""
    checks = []
    for name, baseline, most in CPU_TARGETS:
        if name in rows and baseline in rows:
            ours = rows[name]["cpu_ms_per_request"]
            theirs = rows[baseline]["cpu_ms_per_request"]
            times = ours / theirs if theirs else float("inf")
            checks.append(
                {
                    "target": f"{rows[name]['label']}: server CPU per request "
                    f"≤ {most:g} × {rows[baseline]['label']}'s",
                    "measured": f"{ours:.2f} ms against {theirs:.2f} ms "
                    f"({times:.2f} ×)",
                    "met": times <= most,
                }
            )
    if "trivial" in rows and FLOOR_BASELINE in rows:
        ours = (
            rows["trivial"]["cpu_ms_per_request"]
            if floor_cpu_ms is None
            else floor_cpu_ms
        )
        theirs = rows[FLOOR_BASELINE]["cpu_ms_per_request"]
        times = ours / theirs if theirs else float("inf")
        checks.append(
            {
                "target": "the middleware stack: the floor's server CPU per "
                f"request ≤ {FLOOR_MAX_CPU:g} × {rows[FLOOR_BASELINE]['label']}'s",
                "measured": f"{ours:.2f} ms against {theirs:.2f} ms ({times:.2f} ×)",
                "met": times <= FLOOR_MAX_CPU,
            }
        )
    return checks


def evaluate(rows: dict[str, dict], floor_cpu_ms: float | None = None) -> list[dict]:
    checks = []
    for name, target in TARGETS.items():
        if name in rows:
            ratio = rows[name]["ratio"]
            checks.append(
                {
                    "target": f"{rows[name]['label']} ≥ {target} × floor",
                    "measured": f"{ratio:.2f}",
                    "met": ratio >= target,
                }
            )
    for name, most in QUERY_TARGETS.items():
        if name in rows and rows[name].get("queries") is not None:
            queries = rows[name]["queries"]
            checks.append(
                {
                    "target": f"{rows[name]['label']}: ≤ {most} queries",
                    "measured": str(queries),
                    "met": queries <= most,
                }
            )
    checks += cpu_checks(rows, floor_cpu_ms)
    for name in LATENCY_SCENARIOS:
        if name in rows:
            light = rows[name]["light"]
            p99 = light["p99_ms"]
            checks.append(
                {
                    "target": f"{rows[name]['label']}: p99 < {SEARCH_P99_MS} ms "
                    f"({CORES} connections)",
                    "measured": f"{p99:.1f} ms ({rows[name]['p99_ms']:.0f} ms "
                    f"with {CONNECTIONS})",
                    "met": p99 < SEARCH_P99_MS and not light["unexpected_responses"],
                }
            )
    if WRITES in rows:
        row = rows[WRITES]
        served = max(1, row["requests"])
        hits = row["page_cache"]["hit"] / served
        writes = row.get("writes", {}).get("per_second", 0.0)
        checks.append(
            {
                "target": f"{row['label']}: page-cache hits ≥ "
                f"{100 * WRITES_MIN_HITS:.0f} %",
                "measured": f"{100 * hits:.1f} % ({writes:.1f} changes/s)",
                "met": hits >= WRITES_MIN_HITS,
            }
        )
        if WRITES_BASELINE in rows:
            ratio = row["rps"] / max(rows[WRITES_BASELINE]["rps"], 1e-9)
            checks.append(
                {
                    "target": f"with {writes:.0f} changes/s ≥ {WRITES_MIN_RATIO} × "
                    "the same pages without writes",
                    "measured": f"{ratio:.2f}",
                    "met": ratio >= WRITES_MIN_RATIO,
                }
            )
    lopsided = [name for name, row in rows.items() if row.get("lopsided")]
    checks.append(
        {
            "target": "every scenario's load spread over the workers (busiest "
            f"≤ {100 * SPREAD_MAX_SHARE:.0f}% of server CPU, {SPREAD_ATTEMPTS} tries)",
            "measured": ", ".join(lopsided) or "all spread",
            "met": not lopsided,
        }
    )
    grown = [
        name
        for name, row in rows.items()
        if row.get("queries_small") is not None
        and row["queries"] > row["queries_small"]
    ]
    checks.append(
        {
            "target": "no query count grows from demo data to the large dataset",
            "measured": ", ".join(grown) or "none grows",
            "met": not grown,
        }
    )
    bad = [
        name
        for name, row in rows.items()
        if row["unexpected_responses"]
        or row.get("light", {}).get("unexpected_responses")
    ]
    checks.append(
        {
            "target": "every response as expected (200; 302 for posting)",
            "measured": ", ".join(bad) or "all as expected",
            "met": not bad,
        }
    )
    return checks


def table(rows: list[dict]) -> str:
    header = (
        f"{'scenario':<28} {'req/s':>8} {'CPU ms':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'ratio':>6} {'queries':>7} {'(demo)':>6} {'cache hits':>10} "
        f"{'stored':>7} {'spread':>7} {'errors':>7}"
    )
    lines = [header, "-" * len(header)]
    for row in rows:
        requests = max(1, row["requests"])
        hits = row["page_cache"]["hit"]
        cache = (
            f"{100 * hits / requests:.0f}%" if sum(row["page_cache"].values()) else ""
        )
        if not row["page_cache"]["hit"] and not row["page_cache"]["miss"]:
            cache = "—"
        small = row.get("queries_small")
        queries = "" if row.get("queries") is None else row["queries"]
        errors = row["unexpected_responses"] + row["socket_errors"]
        stored = row["stored_page"]
        served = stored["hit"] + stored["miss"]
        stored_share = f"{100 * stored['hit'] / served:.0f}%" if served else "—"
        # The busiest worker's share of the server CPU; "!" when lopsided.
        spread = f"{100 * row['cpu']['busiest_share']:.0f}%"
        spread += "!" if row["lopsided"] else ""
        if row["spread_attempts"] > 1:
            spread = f"{spread} ({row['spread_attempts']})"
        lines.append(
            f"{row['label']:<28} {row['rps']:>8.1f} "
            f"{row['cpu_ms_per_request']:>7.2f} {row['p50_ms']:>8.1f} "
            f"{row['p99_ms']:>8.1f} {row['ratio']:>6.2f} {queries:>7} "
            f"{'' if small is None else small:>6} {cache:>10} {stored_share:>7} "
            f"{spread:>7} {errors if errors else '':>7}"
        )
    for row in rows:
        if row["name"].endswith("_first_render") and row["stored_page"]["hit"]:
            # More requests than first-render pages: the rest were stored
            # copies, and the CPU figure is too low.
            lines.append(
                f"  WARNING: {row['label']}: {row['stored_page']['hit']:,} requests "
                "found a stored copy; raise COLD_ANSWERS or COLD_CONDITIONS "
                "(tools/bench/scenarios.py)"
            )
    return "\n".join(lines)


# --- Steadiness across runs -----------------------------------------------------


def run_figures(report: dict) -> dict[str, dict[str, float]]:
    """A run's figures that should not move between runs: each scenario's
    ratio to the floor and server CPU per request; the floor's CPU per request
    (the mean of its two measurements; its ratio is 1 by definition)."""
    figures: dict[str, dict[str, float]] = {}
    floor = report.get("floor", {})
    start = floor.get("start_cpu_ms_per_request")
    end = floor.get("end_cpu_ms_per_request")
    if start is not None and end is not None:
        figures["trivial"] = {"cpu_ms": (start + end) / 2}
    for row in report.get("scenarios", []):
        if row["name"] != "trivial":
            figures[row["name"]] = {
                "ratio": row["ratio"],
                "cpu_ms": row["cpu_ms_per_request"],
            }
    return figures


def comparable(report: dict, earlier: dict) -> bool:
    """An earlier run this one can be compared with: the same machine, the
    same server and load settings, the same data set, and every scenario of
    this run in it."""
    machine, before = report.get("machine", {}), earlier.get("machine", {})
    if any(machine.get(key) != before.get(key) for key in ("cores", "platform")):
        return False
    if machine.get("node") and before.get("node") and machine["node"] != before["node"]:
        return False
    settings, then = report.get("settings", {}), earlier.get("settings", {})
    keys = ("gunicorn_workers", "gunicorn_threads", "wrk_connections", "wrk_threads")
    if any(settings.get(key) != then.get(key) for key in keys):
        return False
    # The same data set (a trial on the demo data is no figure of the large).
    data, then_data = report.get("dataset", {}), earlier.get("dataset", {})
    if any(data.get(key) != then_data.get(key) for key in SAME_DATA):
        return False
    names = {row["name"] for row in earlier.get("scenarios", [])}
    return {row["name"] for row in report.get("scenarios", [])} <= names


def earlier_runs(report: dict, directory: Path = RESULTS) -> list[dict]:
    """The last STEADY_RUNS - 1 runs before this one that it can be compared
    with, oldest first, from the results folder."""
    found = []
    for path in sorted(directory.glob("*.json")):
        if path.stem >= report["when"]:
            continue
        try:
            earlier = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if comparable(report, earlier):
            found.append(earlier)
    return found[-(STEADY_RUNS - 1) :]


def steadiness(report: dict, earlier: list[dict]) -> dict:
    """For each scenario's ratio and CPU per request, this run's and the
    earlier runs' figures and how far the furthest is from their median."""
    runs = [*earlier, report]
    figures = [run_figures(run) for run in runs]
    labels = {row["name"]: row["label"] for row in report.get("scenarios", [])}
    rows = []
    for name, metrics in figures[-1].items():
        for metric in metrics:
            values = [f.get(name, {}).get(metric) for f in figures]
            if any(value is None for value in values):
                continue
            middle = statistics.median(values)
            off = [abs(value / middle - 1) if middle else 0.0 for value in values]
            rows.append(
                {
                    "name": name,
                    "label": labels.get(name, name),
                    "metric": metric,
                    "values": [round(value, 4) for value in values],
                    "median": round(middle, 4),
                    "furthest": round(max(off), 4),
                    "within": max(off) <= STEADY_WITHIN,
                }
            )
    target = (
        f"{STEADY_RUNS} runs within ±{100 * STEADY_WITHIN:.0f} % of their median "
        "(ratio and CPU ms of every scenario)"
    )
    if len(runs) < STEADY_RUNS:
        check = {
            "target": target,
            "measured": f"not evaluated: {len(earlier)} earlier comparable run(s) "
            f"of this machine in tools/bench/results/, {STEADY_RUNS - 1} needed",
            "met": None,
        }
    elif not rows:
        check = {"target": target, "measured": "no figures to compare", "met": None}
    else:
        worst = max(rows, key=lambda row: row["furthest"])
        outside = sum(not row["within"] for row in rows)
        check = {
            "target": target,
            "measured": f"worst {worst['label']} {METRIC_NAMES[worst['metric']]}, "
            f"{100 * worst['furthest']:.0f} % from the median"
            + (f"; {outside} figure(s) outside" if outside else ""),
            "met": not outside,
        }
    return {
        "runs": [
            {"when": run["when"], "commit": run.get("commit"), "load": run.get("load")}
            for run in runs
        ],
        "rows": rows,
        "check": check,
    }


METRIC_NAMES = {"ratio": "ratio", "cpu_ms": "CPU ms"}


def steadiness_table(steady: dict) -> str:
    runs = steady["runs"]
    lines = [
        f"steadiness: this run and the {len(runs) - 1} before it on this machine "
        f"(±{100 * STEADY_WITHIN:.0f} % of the median)"
    ]
    for number, run in enumerate(runs, 1):
        load = run.get("load") or {}
        start = load.get("start", [None])[0]
        end = load.get("end", [None])[0]
        said = (
            f"load {start:.1f} → {end:.1f}"
            if start is not None and end is not None
            else "load not recorded"
        )
        lines.append(
            f"  run {number}: {run['when']} {run.get('commit') or ''} ({said})"
        )
    header = (
        f"{'scenario':<28} {'figure':<7}"
        + "".join(f" {f'run {n}':>8}" for n in range(1, len(runs) + 1))
        + f" {'median':>8} {'furthest':>9}"
    )
    lines += [header, "-" * len(header)]
    for row in steady["rows"]:
        mark = "" if row["within"] else " !"
        lines.append(
            f"{row['label']:<28} {METRIC_NAMES[row['metric']]:<7}"
            + "".join(f" {value:>8.3f}" for value in row["values"])
            + f" {row['median']:>8.3f} {100 * row['furthest']:>8.0f}%{mark}"
        )
    return "\n".join(lines)


def load_note(load: dict) -> str:
    """The load averages at the start and end of a run, and a warning when
    either is above the core count: then it is not a quiet machine's figure."""
    start, end = load["start"], load["end"]
    note = (
        "load average (1, 5, 15 min): "
        + " ".join(f"{value:.2f}" for value in start)
        + " at the start, "
        + " ".join(f"{value:.2f}" for value in end)
        + f" at the end ({load['cores']} cores)"
    )
    if max(start[0], end[0]) > load["cores"]:
        note += (
            "\n  WARNING: the load was above the core count: other work shared "
            "the CPU, so these are not a quiet machine's figures"
        )
    return note


def git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return result.stdout.strip() + ("+changes" if dirty else "")


def prepare_baselines(directory: Path) -> tuple[list[dict], dict, dict]:
    """The baseline scenarios of this run, ready to load, how to start their
    servers, and what their set-up measured (page size and queries). Fails,
    saying what to do, when a baseline cannot be made."""
    chosen = chosen_baselines(ONLY)
    needed = {scenario["server"] for scenario in chosen}
    facts: dict[str, dict] = {}
    servers: dict[str, dict] = {}
    if "plain" in needed:
        say(f"the plain Django baseline: {PLAIN_DIR.relative_to(ROOT)}")
        facts["plain"] = ensure_plain()
        servers["plain"] = {
            "name": "plain",
            "cwd": PLAIN_DIR,
            "app": "plainsite.wsgi",
            "port": PLAIN_PORT,
            "env": plain_env(),
            "config": None,
            "probe": "/bench/trivial/",
        }
    if "wagtail" in needed:
        say(f"the stock Wagtail baseline: {WAGTAIL_DIR.relative_to(ROOT)}")
        python, facts["wagtail"] = ensure_wagtail()
        servers["wagtail"] = {
            "name": "wagtail",
            "python": python,
            "cwd": WAGTAIL_DIR,
            "app": "mysite.wsgi",
            "port": WAGTAIL_PORT,
            "env": wagtail_env(),
            "config": None,
            "probe": "/",
        }
    ready = []
    for scenario in chosen:
        scenario = {**scenario, "port": servers[scenario["server"]]["port"]}
        server_facts = facts[scenario["server"]]
        if scenario.pop("paths_of", None):
            paths = directory / f"{scenario['name']}-paths.txt"
            paths.write_text("".join(f"{path}\n" for path in server_facts["paths"]))
            scenario["paths"] = str(paths)
        scenario["queries"] = server_facts["queries"].get(scenario["name"])
        ready.append(scenario)
    return ready, servers, facts


def main() -> None:
    load_start = os.getloadavg()
    wrk = ensure_wrk()
    directory = Path(tempfile.mkdtemp(prefix="diseasemaps-bench-"))
    say(f"working files in {directory}")
    # First, so that a baseline that cannot be made stops the run at once.
    baselines, baseline_servers, baseline_facts = prepare_baselines(directory)
    sizes = ensure_large_dataset()
    small_sizes = ensure_small_dataset()
    collect_static()

    say("query counts on the demo data")
    flush_cache()
    small_dir = directory / "small"
    scenarios(SMALL_DATABASE_URL, "prepare", str(small_dir), BENCH_MEMBERS="5")
    small_counts = scenarios(
        SMALL_DATABASE_URL, "count", str(small_dir), RELEASE=RELEASE + "-small"
    )
    scenarios(SMALL_DATABASE_URL, "cleanup", str(small_dir))

    say("picking pages on the large dataset")
    flush_cache()
    large_dir = directory / "large"
    scenarios(DATABASE_URL, "pages", str(large_dir))
    render_stored_pages(large_dir / "render.txt")
    # After rendering, which can take minutes: a staff session would be
    # touched (one more query) or even expire in between.
    say("logging in members and a reviewer on the large dataset")
    plan = scenarios(DATABASE_URL, "prepare", str(large_dir))
    counts = scenarios(DATABASE_URL, "count", str(large_dir))
    (large_dir / "queries.json").write_text(json.dumps(counts, indent=2))
    (small_dir / "queries.json").write_text(json.dumps(small_counts, indent=2))
    say("EXPLAIN (ANALYZE, BUFFERS) of every query, on the large dataset")
    explained = subprocess.run(
        [
            PYTHON,
            "-m",
            "tools.bench.explain",
            str(large_dir / "queries.json"),
            DATABASE_URL,
            str(directory / "explain.txt"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    print(explained.stdout + explained.stderr, end="", flush=True)
    say(f"plans in {directory / 'explain.txt'}")
    if "--explain-only" in sys.argv:
        scenarios(DATABASE_URL, "cleanup", str(large_dir))
        raise SystemExit(explained.returncode)
    if plan["busiest_condition_posts"] < 5000:
        say(
            f"WARNING: the busiest condition has only "
            f"{plan['busiest_condition_posts']} published experiences; page 500 "
            "does not exist and the paginator serves the last page instead"
        )

    chosen = [
        s
        for s in plan["scenarios"]
        if not ONLY or s["name"] in ONLY or s["name"] == "trivial"
    ]
    floor = chosen[0]
    if floor["name"] != "trivial":
        fail("the plan must start with the trivial view")
    results: list[dict] = []
    servers: dict[str, subprocess.Popen] = {}
    try:
        # Every server up at once, on the same PostgreSQL, before any load.
        servers["diseasemaps"] = start_gunicorn(directory)
        for name, how in baseline_servers.items():
            servers[name] = start_gunicorn(directory, **how)
        for scenario in [*chosen, *baselines, {**floor, "name": "trivial_end"}]:
            # Every worker loads its templates and connections before the
            # clock runs; posts are not warmed up (they would only add rows).
            if scenario.get("method") != "POST":
                seconds = CACHED_WARM_UP if scenario.get("cached") else WARM_UP
                run_wrk(wrk, scenario, directory, seconds, warm=True)
            if scenario.get("warm"):
                warm(scenario["path"], scenario.get("port", PORT))
            say(f"{scenario['label']}: {DURATION} s, {CONNECTIONS} connections")
            master = servers[scenario.get("server", "diseasemaps")].pid
            results.append(measure(wrk, scenario, directory, master))
            if scenario["name"] in LATENCY_SCENARIOS:
                # Saturated, a request's latency is mostly its wait for a
                # worker (connections / throughput); the latency target is
                # about the search itself, so it is also measured with one
                # request in flight per core.
                say(f"{scenario['label']}: {DURATION} s, {CORES} connections")
                light = run_wrk(
                    wrk,
                    scenario,
                    directory,
                    DURATION,
                    warm=False,
                    connections=CORES,
                    threads=1,
                    tag="-light",
                )
                results[-1]["light"] = summarise(scenario, light)
    finally:
        for server in servers.values():
            stop_gunicorn(server)
        cleaned = scenarios(DATABASE_URL, "cleanup", str(large_dir))
        say(f"cleaned up: {cleaned}")
        flush_cache()

    start, end = results[0], results.pop()
    floor_rps = (start["rps"] + end["rps"]) / 2
    drift = abs(start["rps"] - end["rps"]) / max(floor_rps, 1e-9)
    floor_cpu = (start["cpu_ms_per_request"] + end["cpu_ms_per_request"]) / 2
    baseline_of = {scenario["name"]: scenario for scenario in baselines}
    rows: dict[str, dict] = {}
    for row in results:
        row["ratio"] = row["rps"] / floor_rps if floor_rps else 0.0
        if row["name"] in baseline_of:
            row["server"] = baseline_of[row["name"]]["server"]
            row["queries"] = baseline_of[row["name"]]["queries"]
            row["queries_small"] = None
        else:
            row["queries"] = counts[row["name"]]["queries"]
            row["queries_small"] = small_counts.get(row["name"], {}).get("queries")
        rows[row["name"]] = row
    checks = evaluate(rows, floor_cpu)
    checks.append(
        {
            "target": "no sequential scan of a growing table (EXPLAIN, full size)",
            "measured": "none" if not explained.returncode else "see explain.txt",
            "met": explained.returncode == 0,
        }
    )

    load_end = os.getloadavg()
    load = {
        "start": [round(value, 2) for value in load_start],
        "end": [round(value, 2) for value in load_end],
        "cores": CORES,
    }
    errors = {
        name: row["statuses"]
        for name, row in rows.items()
        if row["unexpected_responses"] or row["socket_errors"]
    }
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "when": stamp,
        "commit": git_commit(),
        "machine": {
            "cores": CORES,
            "node": platform.node(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "load": load,
        "settings": {
            "gunicorn_workers": WORKERS,
            "gunicorn_threads": GUNICORN_THREADS,
            "gunicorn_worker_class": "gthread" if GUNICORN_THREADS > 1 else "sync",
            "gunicorn_keepalive": KEEPALIVE,
            "wrk_threads": THREADS,
            "wrk_connections": CONNECTIONS,
            "duration_s": DURATION,
            "warm_up_s": WARM_UP,
            "reuse_port": REUSE_PORT,
            "spread_max_share": SPREAD_MAX_SHARE,
        },
        "baselines": {
            name: {
                "port": how["port"],
                "directory": str(how["cwd"].relative_to(ROOT)),
                **{k: v for k, v in baseline_facts[name].items() if k != "paths"},
            }
            for name, how in baseline_servers.items()
        },
        "dataset": sizes,
        "demo_dataset": small_sizes,
        "picked": {
            "busiest_condition": plan["busiest_condition"],
            "busiest_condition_posts": plan["busiest_condition_posts"],
            "experience_pages": plan["experience_pages"],
            "scenarios": {
                s["name"]: {
                    k: v
                    for k, v in s.items()
                    if k
                    in {
                        "path",
                        "count",
                        "query",
                        "as",
                        "members",
                        "method",
                        "writes_per_second",
                    }
                }
                for s in plan["scenarios"]
            },
        },
        "floor": {
            "start_rps": start["rps"],
            "end_rps": end["rps"],
            "mean": floor_rps,
            "start_cpu_ms_per_request": start["cpu_ms_per_request"],
            "end_cpu_ms_per_request": end["cpu_ms_per_request"],
        },
        "scenarios": list(rows.values()),
        "targets": checks,
    }
    RESULTS.mkdir(exist_ok=True)
    steady = steadiness(report, earlier_runs(report))
    report["steadiness"] = steady
    checks.append(steady["check"])

    print()
    print(
        f"DiseaseMaps bench · {CORES} cores · gunicorn {WORKERS} workers × "
        f"{GUNICORN_THREADS} threads · "
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s · commit {git_commit()}"
    )
    for name, how in baseline_servers.items():
        print(
            f"baseline {name}: {how['cwd'].relative_to(ROOT)} on 127.0.0.1:"
            f"{how['port']}, the same gunicorn settings"
        )
    print(load_note(load))
    print(
        f"floor: {start['rps']:.0f} req/s at the start, {end['rps']:.0f} at the "
        f"end (ratios use the mean, {floor_rps:.0f}); server CPU per request "
        f"{start['cpu_ms_per_request']:.2f} and {end['cpu_ms_per_request']:.2f} ms"
    )
    print(
        "CPU ms: each server's gunicorn (master and workers) utime + stime per "
        "request, from /proc; spread: the busiest worker's share of it"
    )
    print(table(list(rows.values())))
    for row in rows.values():
        if "light" in row:
            light = row["light"]
            print(
                f"{row['label'] + f', {CORES} connections':<28} {light['rps']:>8.1f} "
                f"{light['p50_ms']:>8.1f} {light['p99_ms']:>8.1f}"
            )
    print()
    print(steadiness_table(steady))
    print()
    for check in checks:
        mark = {True: "met   ", False: "MISSED", None: "n/a   "}[check["met"]]
        print(f"  {mark} {check['target']}: {check['measured']}")
    if drift > 0.1:
        print(
            f"\n  WARNING: the floor moved {100 * drift:.0f}% during the run: "
            "something else was using the CPU; compare ratios with care."
        )
    if errors:
        print("\n  !!! THIS RUN HAD ERRORS: its numbers are not to be trusted !!!")
        for name, statuses in errors.items():
            print(
                f"  {name}: responses {statuses}, socket errors "
                f"{rows[name]['socket_errors']}"
            )

    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {path.relative_to(ROOT)}")
    if errors or explained.returncode:
        raise SystemExit(2)


if __name__ == "__main__":
    main()
