"""make bench's baselines and the targets measured against them
(tools/bench/run.py, tools/bench/baselines/): the stock projects are stock,
the issue-16 targets are judged from a run's figures, and three runs are
compared for steadiness. Nothing here starts a server or measures time."""

import ast
import json
from pathlib import Path

from django.core.management import call_command

from tools.bench import run

BASELINES = Path(run.BASELINES)
ROOT = Path(run.ROOT)

# `wagtail start` (Wagtail 8.0.1) writes Django's seven and its redirects.
STARTPROJECT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def assignments(path: Path) -> dict[str, str]:
    """Each top-level name a settings file assigns, with its value's syntax
    tree (quotes and layout do not matter)."""
    tree = ast.parse(path.read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = ast.dump(node.value)
    return found


def literal(path: Path, name: str):
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{name} is not in {path}")


# --- The baselines are stock ------------------------------------------------------


def test_plain_settings_are_what_startproject_writes(tmp_path):
    call_command("startproject", "plainsite", str(tmp_path))
    stock = assignments(tmp_path / "plainsite" / "settings.py")
    ours = assignments(BASELINES / "plain" / "plainsite" / "settings.py")
    # startproject makes a new secret each time; everything else is the same.
    stock.pop("SECRET_KEY")
    ours.pop("SECRET_KEY")
    assert ours == stock
    assert literal(tmp_path / "plainsite" / "settings.py", "MIDDLEWARE") == (
        STARTPROJECT_MIDDLEWARE
    )


def test_plain_deployment_settings_change_only_what_a_deployment_must():
    bench = BASELINES / "plain" / "plainsite" / "bench.py"
    assert set(assignments(bench)) - {"_url"} == {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "INSTALLED_APPS",
        "DATABASES",
    }
    # Nothing touches the middleware, sessions or templates.
    assert "MIDDLEWARE" not in bench.read_text()


def test_wagtail_settings_are_what_wagtail_start_writes():
    base = BASELINES / "wagtail" / "mysite" / "settings" / "base.py"
    assert literal(base, "MIDDLEWARE") == [
        *STARTPROJECT_MIDDLEWARE,
        "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    ]
    production = (
        BASELINES / "wagtail" / "mysite" / "settings" / "production.py"
    ).read_text()
    assert "DEBUG = False" in production
    assert "ManifestStaticFilesStorage" in production
    local = BASELINES / "wagtail" / "mysite" / "settings" / "local.py"
    assert set(assignments(local)) - {"_url"} == {
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "STATIC_ROOT",
        "DATABASES",
    }


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[name.split("[")[0].lower()] = version.strip()
    return found


def test_wagtail_is_pinned_with_our_django_gunicorn_and_psycopg():
    wagtail = pins(run.WAGTAIL_REQUIREMENTS)
    ours = pins(ROOT / "requirements.txt")
    assert wagtail["wagtail"] == "8.0.1"
    for name in ("django", "gunicorn", "psycopg"):
        assert wagtail[name] == ours[name], name


def test_every_server_gets_the_same_gunicorn_settings(tmp_path):
    ours = run.gunicorn_command("python", "diseasemaps.wsgi", 1, tmp_path / "a.log")
    theirs = run.gunicorn_command("python", "mysite.wsgi", 2, tmp_path / "b.log")
    differ = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    assert differ == [
        ("diseasemaps.wsgi", "mysite.wsgi"),
        ("127.0.0.1:1", "127.0.0.1:2"),
        (str(tmp_path / "a.log"), str(tmp_path / "b.log")),
    ]
    assert ours[ours.index("--workers") + 1] == str(run.WORKERS)
    assert "--reuse-port" in ours or not run.REUSE_PORT


def test_a_full_run_measures_every_baseline_and_bench_only_what_it_needs():
    names = [s["name"] for s in run.chosen_baselines(set())]
    assert names == ["plain_trivial", "plain_page", "wagtail_page"]
    assert [s["name"] for s in run.chosen_baselines({"answer_first_render"})] == [
        "wagtail_page"
    ]
    assert run.chosen_baselines({"search_typo"}) == []
    assert [s["name"] for s in run.chosen_baselines({"plain_page"})] == ["plain_page"]


# --- The targets ---------------------------------------------------------------


def row(name: str, *, ratio: float = 1.0, cpu: float = 1.0, queries: int = 0) -> dict:
    return {
        "name": name,
        "label": name.replace("_", " "),
        "ratio": ratio,
        "cpu_ms_per_request": cpu,
        "requests": 100,
        "queries": queries,
        "queries_small": None,
        "unexpected_responses": 0,
        "lopsided": False,
        "page_cache": {"hit": 0, "miss": 0, "none": 100},
        "p99_ms": 300.0,
        "light": {"p99_ms": 50.0, "unexpected_responses": 0},
    }


def judged(rows: list[dict], floor_cpu: float | None = None) -> dict[str, bool]:
    checks = run.evaluate({r["name"]: r for r in rows}, floor_cpu)
    return {
        check["target"].split(":")[0].split(" ≥")[0]: check["met"] for check in checks
    }


def test_first_renders_are_judged_on_cpu_against_the_wagtail_page():
    rows = [
        row("wagtail_page", cpu=10.0),
        row("answer_first_render", cpu=10.0),
        row("condition_first_render", cpu=12.5),
    ]
    verdict = judged(rows)
    assert verdict["answer first render"] is True  # no more than Wagtail's
    assert verdict["condition first render"] is False  # 1.25 × > 1.2 ×
    rows[1]["cpu_ms_per_request"] = 10.1
    rows[2]["cpu_ms_per_request"] = 12.0
    verdict = judged(rows)
    assert verdict["answer first render"] is False
    assert verdict["condition first render"] is True


def test_the_middleware_target_uses_the_floors_mean_cpu_against_plain_django():
    rows = [row("trivial", cpu=2.0), row("plain_trivial", cpu=1.0)]
    checks = run.evaluate({r["name"]: r for r in rows}, floor_cpu_ms=1.15)
    (stack,) = [c for c in checks if c["target"].startswith("the middleware stack")]
    assert stack["met"] is True
    assert "1.15 ms against 1.00 ms" in stack["measured"]
    checks = run.evaluate({r["name"]: r for r in rows}, floor_cpu_ms=1.3)
    (stack,) = [c for c in checks if c["target"].startswith("the middleware stack")]
    assert stack["met"] is False


def test_without_a_baseline_in_the_run_its_targets_are_not_judged():
    checks = run.evaluate({"answer_first_render": row("answer_first_render")})
    assert not [c for c in checks if "server CPU per request" in c["target"]]


def test_member_pages_a_tenth_of_the_floor_the_queue_a_twentieth():
    rows = [
        row("experiences_p1", ratio=0.1),
        row("experiences_p500", ratio=0.09),
        row("search_synonym", ratio=0.12),
        row("search_typo", ratio=0.05),
        row("admin_queue", ratio=0.05),
        row("post_experience", ratio=0.11, queries=13),
    ]
    checks = {c["target"]: c["met"] for c in run.evaluate({r["name"]: r for r in rows})}
    assert checks["experiences p1 ≥ 0.1 × floor"] is True
    assert checks["experiences p500 ≥ 0.1 × floor"] is False
    assert checks["search synonym ≥ 0.1 × floor"] is True
    assert checks["search typo ≥ 0.1 × floor"] is False
    assert checks["admin queue ≥ 0.05 × floor"] is True
    assert checks["post experience ≥ 0.1 × floor"] is True
    assert checks["post experience: ≤ 12 queries"] is False


# --- Steadiness across runs ----------------------------------------------------


def report(when: str, figures: dict[str, tuple[float, float]], **machine) -> dict:
    """A run as its JSON holds it: name -> (ratio, CPU ms); "trivial" is the
    floor, whose CPU is the mean of its two measurements."""
    floor_cpu = figures.get("trivial", (1.0, 0.5))[1]
    return {
        "when": when,
        "commit": "abc1234",
        "machine": {"cores": 2, "node": "here", "platform": "Linux", **machine},
        "settings": {
            "gunicorn_workers": 5,
            "gunicorn_threads": 2,
            "wrk_connections": 10,
            "wrk_threads": 2,
        },
        "load": {"start": [0.5, 0.5, 0.5], "end": [0.7, 0.6, 0.5], "cores": 2},
        "dataset": {"conditions": 3000, "questions": 100000, "live_questions": 99000},
        "floor": {
            "start_cpu_ms_per_request": floor_cpu * 0.9,
            "end_cpu_ms_per_request": floor_cpu * 1.1,
        },
        "scenarios": [
            {
                "name": "trivial",
                "label": "trivial",
                "ratio": 1.0,
                "cpu_ms_per_request": 0.4,
            }
        ]
        + [
            {"name": name, "label": name, "ratio": ratio, "cpu_ms_per_request": cpu}
            for name, (ratio, cpu) in figures.items()
            if name != "trivial"
        ],
    }


def test_three_steady_runs_are_met_with_the_worst_figure_named():
    runs = [
        report("20261201T000000Z", {"answer": (0.40, 4.0), "trivial": (1, 0.50)}),
        report("20261202T000000Z", {"answer": (0.44, 4.2), "trivial": (1, 0.52)}),
        report("20261203T000000Z", {"answer": (0.42, 4.6), "trivial": (1, 0.51)}),
    ]
    steady = run.steadiness(runs[2], runs[:2])
    assert steady["check"]["met"] is True
    # 4.6 against a median of 4.2: 9.5 % away, the furthest of all.
    assert "worst answer CPU ms, 10 % from the median" in steady["check"]["measured"]
    figures = {(r["name"], r["metric"]): r for r in steady["rows"]}
    assert figures["answer", "ratio"]["values"] == [0.40, 0.44, 0.42]
    assert figures["answer", "ratio"]["median"] == 0.42
    assert figures["trivial", "cpu_ms"]["within"] is True
    assert ("trivial", "ratio") not in figures  # 1 by definition


def test_one_figure_beyond_15_percent_of_the_median_misses():
    runs = [
        report("20261201T000000Z", {"answer": (0.40, 4.0)}),
        report("20261202T000000Z", {"answer": (0.40, 4.0)}),
        report("20261203T000000Z", {"answer": (0.47, 4.0)}),  # 17.5 % above
    ]
    steady = run.steadiness(runs[2], runs[:2])
    assert steady["check"]["met"] is False
    assert "answer ratio, 18 % from the median" in steady["check"]["measured"]
    (outside,) = [r for r in steady["rows"] if not r["within"]]
    assert (outside["name"], outside["metric"]) == ("answer", "ratio")


def test_with_fewer_than_two_earlier_runs_steadiness_is_not_judged():
    this = report("20261203T000000Z", {"answer": (0.4, 4.0)})
    steady = run.steadiness(this, [report("20261202T000000Z", {"answer": (0.4, 4.0)})])
    assert steady["check"]["met"] is None
    assert "1 earlier comparable run" in steady["check"]["measured"]


def test_earlier_runs_are_the_last_two_of_this_machine_with_these_scenarios(tmp_path):
    def save(data: dict) -> None:
        (tmp_path / f"{data['when']}.json").write_text(json.dumps(data))

    both = {"answer": (0.4, 4.0), "search": (0.1, 9.0)}
    save(report("20261201T000000Z", both))  # older than the two below
    save(report("20261202T000000Z", both))
    save(report("20261203T000000Z", {"search": (0.1, 9.0)}))  # no answer row
    save(report("20261204T000000Z", both, cores=4))  # another machine
    save(report("20261205T000000Z", both))
    demo = report("20261205T060000Z", both)  # a trial on the demo data
    demo["dataset"] = {"conditions": 3, "questions": 18, "live_questions": 15}
    save(demo)
    save(report("20261207T000000Z", both))  # after this run
    (tmp_path / "20261206T000000Z.json").write_text("{not json")
    this = report("20261206T120000Z", {"answer": (0.4, 4.0)})
    found = run.earlier_runs(this, tmp_path)
    assert [r["when"] for r in found] == ["20261202T000000Z", "20261205T000000Z"]


def test_a_load_above_the_core_count_is_flagged():
    quiet = run.load_note(
        {"start": [1.5, 1.0, 0.5], "end": [1.9, 1.2, 0.6], "cores": 2}
    )
    assert "1.50 1.00 0.50 at the start" in quiet
    assert "WARNING" not in quiet
    busy = run.load_note({"start": [1.5, 1.0, 0.5], "end": [2.4, 1.2, 0.6], "cores": 2})
    assert "WARNING: the load was above the core count" in busy


def test_the_steadiness_table_shows_each_run_and_marks_what_is_outside():
    runs = [
        report("20261201T000000Z", {"answer": (0.40, 4.0)}),
        report("20261202T000000Z", {"answer": (0.40, 4.0)}),
        report("20261203T000000Z", {"answer": (0.47, 4.0)}),
    ]
    text = run.steadiness_table(run.steadiness(runs[2], runs[:2]))
    assert "run 3: 20261203T000000Z abc1234 (load 0.5 → 0.7)" in text
    (line,) = [
        line
        for line in text.splitlines()
        if line.startswith("answer") and "ratio" in line
    ]
    assert line.split()[2:5] == ["0.400", "0.400", "0.470"]
    assert line.endswith("18% !")
