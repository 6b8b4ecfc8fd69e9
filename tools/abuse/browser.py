"""A small HTTP client for `make abuse`: cookies, CSRF tokens, no redirects
followed (the abuse run looks at where the site sends people), and the client
address it claims through X-Forwarded-For (the site runs BEHIND_PROXY, and the
run plays the proxy, so each "person" can come from an address of their own).
"""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Page:
    status: int
    location: str
    text: str
    headers: dict[str, str]


class Browser:
    def __init__(self, base: str, address: str) -> None:
        if not base.startswith("http://127.0.0.1:"):
            raise ValueError(f"the abuse run only talks to loopback, not {base}")
        self.base = base
        self.address = address
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )

    def _open(self, path: str, data: dict | None = None) -> Page:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data else None
        # Only ever the run's own server on loopback (checked in __init__).
        request = urllib.request.Request(  # noqa: S310
            self.base + path,
            data=body,
            headers={
                "X-Forwarded-For": self.address,
                "Referer": self.base + path,
                "User-Agent": "make-abuse",
            },
        )
        try:
            response = self.opener.open(request, timeout=60)  # nosec B310
        except urllib.error.HTTPError as error:
            response = error
        text = response.read().decode(errors="replace")
        headers = {k.lower(): v for k, v in response.headers.items()}
        return Page(response.status, headers.get("location", ""), text, headers)

    def get(self, path: str) -> Page:
        return self._open(path)

    def post(self, path: str, data: dict, *, form: str | None = None) -> Page:
        """POST `data` with the CSRF token of the form page `form` (default:
        `path` itself), as a person who opened the form first."""
        page = self.get(form or path)
        token = CSRF.search(page.text)
        if token is None:
            return page  # no form shown: the caller reads why from `page`
        return self._open(path, {"csrfmiddlewaretoken": token.group(1), **data})

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.cookies if c.name == name), "")

    def steal_session_from(self, other: "Browser") -> None:
        """Copy another browser's cookies: a session taken from a shared
        computer or a leaked cookie."""
        for cookie in other.cookies:
            self.cookies.set_cookie(cookie)
