"""Article views counted per article and day (UTC), without anything about the reader.

A middleware placed before `fitsperfect.pagecache.AnonymousPageCacheMiddleware` (outside it), so
it sees every article page served, from the page cache or rendered. It counts a GET answered 200
for `content:article_detail`, unless the request is a staff preview (`?preview=...`), a prefetch,
from a signed-in member of staff, or from an obvious robot (empty user agent or one naming itself
a bot, crawler, spider, preview fetcher or HTTP library). HEAD requests are not counted.

The count is one `UPDATE ... SET count = count + 1` (atomic, no read first); the first view of the
day inserts the row (a race between two first views retries the update). A failed count is logged
and never breaks the page. Nothing identifying is stored: no address, cookie, session or user.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from .models import Article, ArticleDailyView

logger = logging.getLogger(__name__)

_ROBOT = re.compile(
    r"bot|crawl|spider|slurp|scrape|preview|fetch|monitor|lighthouse|headless|curl|wget|"
    r"python-|httpx|okhttp|java/|go-http|libwww|facebookexternalhit|embedly",
    re.IGNORECASE,
)


def is_robot(user_agent: str) -> bool:
    """An obvious robot: no user agent, or one that says what it is."""
    return not user_agent.strip() or bool(_ROBOT.search(user_agent))


def article_view_count(*, slug: str) -> bool:
    """Adds one view of the article `slug` today (UTC); False when there is no such article."""
    day = timezone.now().date()
    rows = ArticleDailyView.objects.filter(article__slug=slug, day=day)
    if rows.update(count=F("count") + 1):
        return True
    article_id = Article.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if article_id is None:
        return False
    try:
        with transaction.atomic():
            ArticleDailyView.objects.create(article_id=article_id, day=day, count=1)
    except IntegrityError:  # another first view of the day got there first
        ArticleDailyView.objects.filter(article_id=article_id, day=day).update(count=F("count") + 1)
    return True


class ArticleViewCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefix = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        slug = self._counted_slug(request, response)
        if slug is not None:
            try:
                article_view_count(slug=slug)
            except DatabaseError:
                logger.warning("An article view could not be counted.", exc_info=True)
        return response

    def _counted_slug(self, request: HttpRequest, response: HttpResponse) -> str | None:
        if request.method != "GET" or response.status_code != 200:
            return None
        if self.prefix is None:
            self.prefix = reverse("content:article_list")
        if not request.path_info.startswith(self.prefix) or "preview" in request.GET:
            return None
        purpose = request.headers.get("Sec-Purpose", "") + request.headers.get("Purpose", "")
        if "prefetch" in purpose.lower() or is_robot(request.headers.get("User-Agent", "")):
            return None
        user = getattr(request, "user", None)  # set when the page was rendered, not from cache
        if user is not None and user.is_staff:
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.view_name != "content:article_detail":
            return None
        return match.kwargs.get("slug")
