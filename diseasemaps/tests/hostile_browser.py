"""Chromium checks for pages full of hostile input (test_browser_hostile_*).

Every page is loaded with a trap set before any of its own code runs and is
then inspected: no script ran (`window.__xss` stays undefined, no dialog
opened, no navigation away), no element carries an `on…` attribute, no URL
attribute holds `javascript:`/`vbscript:` (or `data:` in a link), no inline
script exists besides JSON-LD data, the Content-Security-Policy reported no
violation, the console logged no error and the page asked no other host for
anything.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from community.tests.test_member_text_is_inert import DANGEROUS_SCHEMES
from diseasemaps.tests.hostile_corpus import MARKER

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcdoc", "xlink:href"}

# Runs in every page before its own code.
TRAP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
});
"""

INSPECT = r"""
(marker) => {
  const urlAttributes = new Set(['href', 'src', 'action', 'formaction', 'xlink:href',
    'srcdoc', 'data', 'background', 'poster', 'lowsrc', 'dynsrc', 'srcset', 'ping',
    'codebase', 'cite', 'longdesc', 'manifest', 'icon', 'profile', 'usemap']);
  const handlers = [], scriptUrls = [];
  const elements = document.querySelectorAll('*');
  for (const element of elements) {
    for (const attribute of element.attributes) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.replace(/[\u0000-\u0020]+/g, '').toLowerCase();
      if (name.startsWith('on')) handlers.push(element.tagName + ' ' + name);
      if (urlAttributes.has(name) && (value.startsWith('javascript:')
          || value.startsWith('vbscript:') || value.startsWith('data:text'))) {
        scriptUrls.push(`${element.tagName} ${name}=${attribute.value.slice(0, 60)}`);
      }
    }
  }
  const inline = [...document.querySelectorAll('script:not([src])')]
    .filter((s) => s.type !== 'application/ld+json').length;
  const text = document.body ? document.body.innerText : '';
  const markers = new Set(text.match(new RegExp(marker + '[A-Z]?\\d{4}', 'g')) || []);
  return {
    xss: typeof window.__xss,
    elements: elements.length,
    handlers, scriptUrls, inline,
    csp: window.__cspViolations || [],
    markers: [...markers],
    jsLinks: document.querySelectorAll('a[href^="javascript:" i]').length,
  };
}
"""


@dataclass
class Inspection:
    pages: int = 0
    elements: int = 0
    markers: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


class HostileBrowser:
    """A Chromium page that records everything a hostile page could do."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.origin = urlsplit(base_url).netloc
        self.result = Inspection()
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.add_init_script(TRAP)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and self.errors.append(f"console {message.text}")
            ),
        )
        # Only requests to other hosts are intercepted (and refused).
        page.route(re.compile(rf"^(?!{re.escape(base_url)}/)"), self._foreign_request)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _foreign_request(self, route) -> None:
        self.foreign.append(route.request.url)
        route.abort()

    def check(self, url: str) -> dict:
        """Load `url`, give handlers their chance, and inspect the page."""
        response = self.page.goto(url)
        assert response is not None and response.status < 400, (url, response)
        # autofocus, onload, animation and hover handlers fire on their own
        # or on a mouse over the content; let them.
        self.page.mouse.move(300, 300)
        self.page.mouse.move(600, 500)
        self.page.wait_for_timeout(100)
        found = self.page.evaluate(INSPECT, MARKER)
        landed = self.page.url
        result = self.result
        result.pages += 1
        result.elements += found["elements"]
        result.markers.update(found["markers"])
        for problem, present in [
            ("a script ran", found["xss"] != "undefined"),
            (f"handlers {found['handlers'][:5]}", found["handlers"]),
            (f"script URLs {found['scriptUrls'][:5]}", found["scriptUrls"]),
            ("javascript: links", found["jsLinks"]),
            (f"{found['inline']} inline scripts", found["inline"]),
            (f"CSP violations {found['csp'][:5]}", found["csp"]),
            (f"navigated to {landed}", urlsplit(landed).path != urlsplit(url).path),
        ]:
            if present:
                result.problems.append(f"{url}: {problem}")
        return found

    def assert_clean(self) -> None:
        problems = list(self.result.problems)
        problems += [f"dialog: {message}" for message in self.dialogs]
        problems += self.errors
        problems += [f"request to another host: {url}" for url in self.foreign]
        assert problems == [], "\n".join(problems[:40])


def assert_inert_html(html: str, where: str) -> BeautifulSoup:
    """The server's HTML, read the way the existing member-text tests read it:
    no executable script, no frames or objects, no handlers, no script URLs."""
    soup = BeautifulSoup(html, "html.parser")
    scripts = [
        s
        for s in soup.find_all("script")
        if not s.get("src") and s.get("type") != "application/ld+json"
    ]
    assert scripts == [], (where, str(scripts[0])[:200])
    assert soup.find_all(["iframe", "object", "embed", "base"]) == [], where
    assert soup.find_all("meta", attrs={"http-equiv": True}) == [], where
    for element in soup.find_all(True):
        for attribute, value in element.attrs.items():
            assert not attribute.lower().startswith("on"), (where, str(element)[:160])
            if attribute.lower() in URL_ATTRIBUTES:
                text = " ".join(value) if isinstance(value, list) else value
                squeezed = "".join(text.split()).lower()
                assert not squeezed.startswith(DANGEROUS_SCHEMES), (
                    where,
                    str(element)[:160],
                )
    return soup
