"""A bounded breadth-first crawl of the pages a signed-in user can reach by following links.

Shared by the browser suites that check every page of every role (translations, accessibility)::

    from tests.e2e.crawl import crawl

    for url, page in crawl(page, live_server, "/", limit=60):
        ...  # the page is loaded and settled; inspect it, but do not navigate away

Only same-origin ``<a href>`` GET links are followed. Links that change state or leave HTML
(sign-out, downloads, PDFs, the API, the admin site, static and media files, the language switch)
are skipped, so a crawl never signs itself out and never fetches a binary. Links that differ only
in the *values* of their query string (page 2, 3, … of a list; each filter value) count as one
page, which keeps a crawl of long lists short while still visiting each kind of filtered view once.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from urllib.parse import parse_qsl, urldefrag, urlsplit

from playwright.sync_api import Error as PlaywrightError

#: Path fragments of links a crawl must not follow (state changes, binaries, other apps).
SKIPPED_PATH_PATTERNS = (
    r"/logout",
    r"/sign-?out",
    r"/download",
    r"\.pdf$",
    r"/pdf/?$",
    r"\.(csv|xlsx|zip|json|xml|txt|png|jpe?g|svg|ico|js|css)$",
    r"/export(s)?/.*\.(csv|json)",
    r"^/api/",
    r"^/admin/",
    r"^/static/",
    r"^/media/",
    r"^/i18n/",
    r"^/jsi18n/",
    r"^/healthz",
    r"/schema/?",
)
_SKIPPED = re.compile("|".join(f"(?:{pattern})" for pattern in SKIPPED_PATH_PATTERNS))

_LINKS_JS = """
() => Array.from(document.querySelectorAll('a[href]'))
    .filter(a => !a.hasAttribute('download'))
    .map(a => a.href)
"""


_ID_SEGMENT = re.compile(r"^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")


def crawl_key(url: str) -> str:
    """The identity of a page for the crawl: its path and the *names* of its query parameters."""
    parts = urlsplit(url)
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return parts.path + ("?" + "&".join(names) if names else "")


def crawl_pattern(url: str) -> str:
    """The kind of page: its key with every id in the path (a number, a UUID) replaced by ``*``,
    so ``/lists/meti-eul/entries/1/`` and ``…/2/`` are two pages of one kind."""
    segments = [
        "*" if _ID_SEGMENT.match(segment) else segment
        for segment in urlsplit(crawl_key(url)).path.split("/")
    ]
    query = crawl_key(url).partition("?")[2]
    return "/".join(segments) + ("?" + query if query else "")


def skipped(url: str) -> bool:
    """True for links a crawl must not follow (see ``SKIPPED_PATH_PATTERNS``)."""
    parts = urlsplit(url)
    return bool(_SKIPPED.search(parts.path)) or "format=" in parts.query


def crawl(
    page, live_server, start_url: str = "/", limit: int = 60, *, skip=skipped, per_kind: int = 3
) -> Iterator[tuple[str, object]]:
    """Visit pages breadth-first from ``start_url``; yield ``(url, page)`` for each HTML page.

    ``page`` is a Playwright page of a context that is already signed in (or not, for the public
    pages); ``live_server`` is pytest-django's live server; ``start_url`` may be a path or an
    absolute URL on the live server. At most ``limit`` pages are yielded. Pages answering with an
    error status or a non-HTML body are not yielded; iterate a ``Crawl`` instead to read the links
    that failed (``Crawl.failures``). ``skip`` decides which absolute URLs are not followed; at
    most ``per_kind`` pages of one kind (``crawl_pattern``: the same path but for its ids) are
    visited, so a long list's rows do not use up the limit before the other pages are seen.
    """
    yield from Crawl(page, live_server, start_url, limit, skip=skip, per_kind=per_kind)


class Crawl:
    """The crawl as an object, for callers that also want the links that failed to load.

    ``failures`` lists ``(url, status, referrer)`` of same-origin links that answered 4xx/5xx.
    """

    def __init__(
        self,
        page,
        live_server,
        start_url: str = "/",
        limit: int = 60,
        *,
        skip=skipped,
        per_kind: int = 3,
    ):
        self.page = page
        self.origin = live_server.url.rstrip("/")
        self.start_url = start_url if "://" in start_url else self.origin + start_url
        self.limit = limit
        self.skip = skip
        self.per_kind = per_kind
        self.failures: list[tuple[str, int, str]] = []
        self.visited: list[str] = []

    def _same_origin(self, url: str) -> bool:
        return url == self.origin or url.startswith(self.origin + "/")

    def __iter__(self) -> Iterator[tuple[str, object]]:
        queue: deque[tuple[str, str]] = deque([(self.start_url, "")])
        seen = {crawl_key(self.start_url)}
        kinds: dict[str, int] = {crawl_pattern(self.start_url): 1}
        while queue and len(self.visited) < self.limit:
            url, referrer = queue.popleft()
            try:
                response = self.page.goto(url)
            except PlaywrightError as error:
                if "Download is starting" in str(error):
                    continue  # a file served as an attachment: not a page
                raise
            if response is None:
                continue
            if response.status >= 400:
                self.failures.append((url, response.status, referrer))
                continue
            if "text/html" not in (response.headers.get("content-type") or ""):
                continue
            if not self._same_origin(self.page.url):
                continue  # a redirect off-site
            self.page.wait_for_load_state("load")
            # The links are read before the caller sees the page, so the caller may act on it.
            links = self.page.evaluate(_LINKS_JS)
            self.visited.append(self.page.url)
            yield self.page.url, self.page
            for link in links:
                link, _fragment = urldefrag(link)
                if not self._same_origin(link) or self.skip(link):
                    continue
                key, kind = crawl_key(link), crawl_pattern(link)
                if key in seen or kinds.get(kind, 0) >= self.per_kind:
                    continue
                seen.add(key)
                kinds[kind] = kinds.get(kind, 0) + 1
                queue.append((link, url))
