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

`python -m tools.bench.run --explain-only` stops after the query counts and plans.
"""

import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
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
}
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


# --- gunicorn and wrk -----------------------------------------------------------


def start_gunicorn(directory: Path) -> subprocess.Popen:
    command = [PYTHON, "-m", "gunicorn"]
    if (ROOT / "gunicorn.conf.py").exists():
        command += ["--config", str(ROOT / "gunicorn.conf.py")]
    command += [
        "diseasemaps.wsgi",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        str(WORKERS),
        "--threads",
        str(GUNICORN_THREADS),
        # Production restarts a worker every ~1,000 requests; here a restart
        # (a second of CPU loading Django) would land in whichever scenario
        # happened to be running.
        "--max-requests",
        "0",
        "--error-logfile",
        str(directory / "gunicorn.log"),
        "--no-control-socket",
    ]
    if REUSE_PORT:
        # A listening socket per worker, so the kernel spreads connections
        # over them; with one shared socket, whichever worker wakes first
        # takes a keep-alive connection for the whole run (all 10 of wrk's
        # on one worker was seen: the floor fell by 60 % with a core idle).
        command.append("--reuse-port")
    say(
        f"starting gunicorn: {WORKERS} workers × {GUNICORN_THREADS} threads "
        f"on 127.0.0.1:{PORT}{' (a socket per worker)' if REUSE_PORT else ''}"
    )
    server = subprocess.Popen(command, cwd=ROOT, env=env_for(DATABASE_URL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"gunicorn exited with {server.returncode}; see its log above")
        try:
            url = f"http://127.0.0.1:{PORT}/bench/trivial/"
            with urllib.request.urlopen(url, timeout=2) as response:  # nosec B310 - loopback http
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    stop_gunicorn(server)
    fail("gunicorn did not answer within 60 seconds")
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
        f"http://127.0.0.1:{PORT}",
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


def warm(url_path: str) -> None:
    url = f"http://127.0.0.1:{PORT}{url_path}"
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


def evaluate(rows: dict[str, dict]) -> list[dict]:
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
        if row["queries_small"] is not None and row["queries"] > row["queries_small"]
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
        small = row["queries_small"]
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
            f"{row['p99_ms']:>8.1f} {row['ratio']:>6.2f} {row['queries']:>7} "
            f"{'' if small is None else small:>6} {cache:>10} {stored_share:>7} "
            f"{spread:>7} {errors if errors else '':>7}"
        )
    return "\n".join(lines)


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


def main() -> None:
    wrk = ensure_wrk()
    directory = Path(tempfile.mkdtemp(prefix="diseasemaps-bench-"))
    say(f"working files in {directory}")
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
    server = start_gunicorn(directory)
    try:
        for scenario in [*chosen, {**floor, "name": "trivial_end"}]:
            # Every worker loads its templates and connections before the
            # clock runs; posts are not warmed up (they would only add rows).
            if scenario.get("method") != "POST":
                seconds = CACHED_WARM_UP if scenario.get("cached") else WARM_UP
                run_wrk(wrk, scenario, directory, seconds, warm=True)
            if scenario.get("warm"):
                warm(scenario["path"])
            say(f"{scenario['label']}: {DURATION} s, {CONNECTIONS} connections")
            results.append(measure(wrk, scenario, directory, server.pid))
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
        stop_gunicorn(server)
        cleaned = scenarios(DATABASE_URL, "cleanup", str(large_dir))
        say(f"cleaned up: {cleaned}")
        flush_cache()

    start, end = results[0], results.pop()
    floor_rps = (start["rps"] + end["rps"]) / 2
    drift = abs(start["rps"] - end["rps"]) / max(floor_rps, 1e-9)
    rows: dict[str, dict] = {}
    for row in results:
        row["ratio"] = row["rps"] / floor_rps if floor_rps else 0.0
        row["queries"] = counts[row["name"]]["queries"]
        row["queries_small"] = small_counts.get(row["name"], {}).get("queries")
        rows[row["name"]] = row
    checks = evaluate(rows)
    checks.append(
        {
            "target": "no sequential scan of a growing table (EXPLAIN, full size)",
            "measured": "none" if not explained.returncode else "see explain.txt",
            "met": explained.returncode == 0,
        }
    )

    print()
    print(
        f"DiseaseMaps bench · {CORES} cores · gunicorn {WORKERS} workers × "
        f"{GUNICORN_THREADS} threads · "
        f"wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s · commit {git_commit()}"
    )
    print(
        f"floor: {start['rps']:.0f} req/s at the start, {end['rps']:.0f} at the "
        f"end (ratios use the mean, {floor_rps:.0f}); server CPU per request "
        f"{start['cpu_ms_per_request']:.2f} and {end['cpu_ms_per_request']:.2f} ms"
    )
    print(
        "CPU ms: gunicorn's (master and workers) utime + stime per request, "
        "from /proc; spread: the busiest worker's share of it"
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
    for check in checks:
        mark = "met   " if check["met"] else "MISSED"
        print(f"  {mark} {check['target']}: {check['measured']}")
    if drift > 0.1:
        print(
            f"\n  WARNING: the floor moved {100 * drift:.0f}% during the run: "
            "something else was using the CPU; compare ratios with care."
        )
    errors = {
        name: row["statuses"]
        for name, row in rows.items()
        if row["unexpected_responses"] or row["socket_errors"]
    }
    if errors:
        print("\n  !!! THIS RUN HAD ERRORS: its numbers are not to be trusted !!!")
        for name, statuses in errors.items():
            print(
                f"  {name}: responses {statuses}, socket errors "
                f"{rows[name]['socket_errors']}"
            )

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS.mkdir(exist_ok=True)
    report = {
        "when": stamp,
        "commit": git_commit(),
        "machine": {
            "cores": CORES,
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "settings": {
            "gunicorn_workers": WORKERS,
            "gunicorn_threads": GUNICORN_THREADS,
            "gunicorn_worker_class": "gthread" if GUNICORN_THREADS > 1 else "sync",
            "wrk_threads": THREADS,
            "wrk_connections": CONNECTIONS,
            "duration_s": DURATION,
            "warm_up_s": WARM_UP,
            "reuse_port": REUSE_PORT,
            "spread_max_share": SPREAD_MAX_SHARE,
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
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {path.relative_to(ROOT)}")
    if errors or explained.returncode:
        raise SystemExit(2)


if __name__ == "__main__":
    main()
