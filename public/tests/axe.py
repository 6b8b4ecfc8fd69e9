"""axe in Chromium, as the browser tests run it: each page at a desktop and a
phone width, every violation described by rule, impact and where it is."""

from collections.abc import Callable

from axe_playwright_python.sync_playwright import Axe

WIDTHS = (1280, 360)


def describe(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in violations
    ]


def violations_on(
    browser, base_url: str, pages: dict[str, str], *, then: Callable | None = None
) -> dict[str, list[str]]:
    """axe's violations on each page at each width, keyed "page @ width"
    (empty: none). `then(page, name, width)` checks more on each page."""
    axe = Axe()
    found = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        for name, path in pages.items():
            page.goto(base_url + path)
            violations = axe.run(page).response["violations"]
            if violations:
                found[f"{name} @ {width}px"] = describe(violations)
            if then is not None:
                then(page, name, width)
        context.close()
    return found
