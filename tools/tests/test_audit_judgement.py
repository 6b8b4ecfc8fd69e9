"""make audit's verdict (tools/audit/run.py): a page passes only with 100 in
every Lighthouse category, except where every failing audit of a category is
one exempt on that page by design (is-crawlable on a noindex page, the 404
page's own status); performance is never exempt."""

from tools.audit.run import CATEGORIES, Page, judge
from tools.faults.site import Report

PERFECT = {category: [1.0] for category in CATEGORIES}


def verdict(page: Page) -> bool:
    report = Report()
    judge(page, report)
    return report.failed == []


def test_a_page_with_100_everywhere_passes():
    assert verdict(Page("answer", "/a/", scores=dict(PERFECT)))


def test_a_noindex_page_passes_seo_when_only_is_crawlable_fails():
    page = Page("search", "/search/", noindex=True, exempt=["is-crawlable"])
    page.scores = {**PERFECT, "seo": [0.63]}
    assert verdict(page)


def test_a_noindex_page_fails_seo_when_another_seo_audit_fails():
    page = Page("search", "/search/", noindex=True, exempt=["is-crawlable"])
    page.scores = {**PERFECT, "seo": [0.5]}
    page.failing = {"seo": ["document-title"]}
    assert not verdict(page)


def test_performance_is_judged_on_the_median_and_never_exempt():
    page = Page("home", "/", scores={**PERFECT, "performance": [0.93, 1.0, 1.0]})
    assert verdict(page)
    page.scores["performance"] = [0.93, 0.98, 1.0]
    assert not verdict(page)


def test_an_indexable_page_below_100_in_accessibility_fails():
    page = Page("A-Z", "/conditions/", scores={**PERFECT, "accessibility": [0.95]})
    page.failing = {"accessibility": ["target-size"]}
    assert not verdict(page)
