"""HTTP load on loopback: anonymous readers and members posting experiences.

Every response is recorded (when it started, how long it took, its status, its
Retry-After), and every post the site acknowledged (a redirect to /me/) is
remembered by its submission key, to be looked for in the database later.
"""

import http.client
import itertools
import secrets
import statistics
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

STORY = (
    "Some weeks are good and some are hard. Rest helps me more than anything, "
    "and so does talking to others who know what it is like."
)


@dataclass
class Hit:
    kind: str  # "read" or "post"
    started: float
    ended: float
    status: int  # 0: no HTTP response at all
    retry_after: str = ""
    page_cache: str = ""  # X-Page-Cache: "hit; memory", "hit; shared", "miss; …"
    stored_page: str = ""  # X-Stored-Page: "hit" when from the database's copy
    key: str = ""  # a post's submission key
    error: str = ""

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    @property
    def acknowledged(self) -> bool:
        """The site said the post was saved: the redirect to "My posts"."""
        return self.kind == "post" and self.status == 302


@dataclass
class Member:
    session: str
    csrf: str = field(default_factory=lambda: secrets.token_hex(16))

    @property
    def cookie(self) -> str:
        return f"sessionid={self.session}; csrftoken={self.csrf}"


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: str = "",
    headers: dict | None = None,
    kind: str = "read",
    key: str = "",
) -> Hit:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return Hit(
            kind,
            started,
            time.monotonic(),
            response.status,
            retry_after=response.getheader("Retry-After") or "",
            page_cache=response.getheader("X-Page-Cache") or "",
            stored_page=response.getheader("X-Stored-Page") or "",
            key=key,
        )
    except OSError as exc:
        return Hit(kind, started, time.monotonic(), 0, key=key, error=repr(exc))
    finally:
        conn.close()


def post_experience(port: int, member: Member, condition: str, key: str) -> Hit:
    from urllib.parse import urlencode

    form = urlencode(
        {
            "csrfmiddlewaretoken": member.csrf,
            "relation": "lives_with",
            "question": "",
            "body": STORY,
            "submission_key": key,
            "post": "1",
        }
    )
    return request(
        port,
        "POST",
        f"/conditions/{condition}/experiences/share/",
        body=form,
        headers={
            "Cookie": member.cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        kind="post",
        key=key,
    )


class Load:
    """Readers and posters, each a thread, until stopped."""

    def __init__(
        self,
        port: int,
        *,
        pages: list[str],
        members: list[Member],
        condition: str,
        readers: int = 4,
        posters: int = 3,
        reader_pause: float = 0.02,
        poster_pause: float = 0.2,
    ) -> None:
        self.port = port
        self.pages = pages
        self.condition = condition
        self.hits: list[Hit] = []
        self._members = itertools.cycle(members)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._read, args=(n, reader_pause), daemon=True)
            for n in range(readers)
        ] + [
            threading.Thread(target=self._post, args=(poster_pause,), daemon=True)
            for _ in range(posters)
        ]

    def _keep(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)

    def _read(self, offset: int, pause: float) -> None:
        for n in itertools.count(offset):
            if self._stop.is_set():
                return
            self._keep(request(self.port, "GET", self.pages[n % len(self.pages)]))
            time.sleep(pause)

    def _post(self, pause: float) -> None:
        while not self._stop.is_set():
            with self._lock:
                member = next(self._members)
            key = str(uuid.uuid4())
            self._keep(post_experience(self.port, member, self.condition, key))
            time.sleep(pause)

    def __enter__(self) -> "Load":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=90)


def started_between(hits: Iterable[Hit], start: float, end: float) -> list[Hit]:
    return [h for h in hits if start <= h.started < end]


def summary(hits: list[Hit]) -> dict:
    seconds = sorted(h.seconds for h in hits) or [0.0]
    return {
        "requests": len(hits),
        "ok": sum(1 for h in hits if 200 <= h.status < 400),
        "503": sum(1 for h in hits if h.status == 503),
        "503_without_retry_after": sum(
            1 for h in hits if h.status == 503 and not h.retry_after
        ),
        "other_5xx": sum(1 for h in hits if h.status >= 500 and h.status != 503),
        "4xx": sum(1 for h in hits if 400 <= h.status < 500),
        "no_response": sum(1 for h in hits if h.status == 0),
        "cache_hits": sum(1 for h in hits if h.page_cache.startswith("hit")),
        "p50_ms": 1000 * statistics.median(seconds),
        "p95_ms": 1000 * seconds[min(len(seconds) - 1, int(0.95 * len(seconds)))],
        "max_ms": 1000 * seconds[-1],
    }
