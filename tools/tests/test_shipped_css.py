"""The Bootstrap pages ship is the one tools/css/build.py makes from the
templates of today: a template that starts using a class Bootstrap has must
not get an unstyled page because the committed file was built before it."""

from pathlib import Path

from tools.css import build

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_stylesheet_is_what_the_build_makes_today():
    assert build.OUTPUT.read_text() == build.build(), (
        "static/vendor/bootstrap-5.3.9/bootstrap.used.css is stale: run "
        ".venv/bin/python -m tools.css.build and commit it"
    )


def test_it_keeps_a_small_part_of_bootstrap_and_the_parts_forms_need():
    css = build.OUTPUT.read_text()
    assert len(css) < build.SOURCE.stat().st_size / 4
    # Form error states exist only after a failed submission (crispy-forms'
    # templates), and the skip link only in base.html.
    for rule in [".is-invalid", ".invalid-feedback", ".visually-hidden-focusable"]:
        assert rule in css


def test_no_page_links_the_whole_of_bootstrap():
    linking = [
        str(template.relative_to(ROOT))
        for template in (ROOT / "templates").rglob("*.html")
        if "bootstrap.min.css" in template.read_text()
    ]
    assert linking == []
    assert "bootstrap.used.css" in (ROOT / "templates/base.html").read_text()
