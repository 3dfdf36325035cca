"""Reads for the public article pages: each runs a fixed number of queries however many articles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.utils import timezone

from fitsperfect.export import row_data

from .caching import content_version
from .models import Article, ArticleTopic, Subscriber, Topic

ARTICLE_CACHE_SECONDS = 60 * 60
RELATED_LIMIT = 3
MAX_QUERY_LENGTH = 200


def with_topics(articles: QuerySet[Article]) -> QuerySet[Article]:
    """One extra query for the ordered topics of every article in the page."""
    return articles.prefetch_related(
        Prefetch("topic_links", queryset=ArticleTopic.objects.select_related("topic"))
    )


def public_articles(*, now: datetime | None = None) -> QuerySet[Article]:
    return with_topics(
        Article.objects.public(now=now).select_related("author").order_by("-published_at", "-pk")
    )


def article_list(*, topic: Topic | None = None, query: str = "") -> QuerySet[Article]:
    """Newest first; with a query, best matches first (PostgreSQL full-text, icontains elsewhere)."""
    articles = public_articles().defer("body", "body_html")
    if topic is not None:
        articles = articles.filter(topics=topic)
    query = (query or "").strip()[:MAX_QUERY_LENGTH]
    if query:
        articles = search(articles, query)
    return articles


def search(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        vector = (
            SearchVector("title", weight="A", config="english")
            + SearchVector("summary", weight="B", config="english")
            + SearchVector("body", weight="C", config="english")
        )
        search_query = SearchQuery(query, search_type="websearch", config="english")
        return (
            articles.annotate(search=vector, rank=SearchRank(vector, search_query))
            .filter(search=search_query)
            .order_by("-rank", "-published_at", "-pk")
        )
    words = [w for w in re.findall(r"\w+", query) if len(w) > 1][:8] or [query]
    condition = Q()
    for word in words:
        condition &= Q(title__icontains=word) | Q(summary__icontains=word) | Q(body__icontains=word)
    return articles.filter(condition)


def topics_with_articles() -> list[Topic]:
    """Topics that have at least one public article, for the filter and the sitemap."""
    now = timezone.now()
    return list(
        Topic.objects.annotate(
            public_count=Count(
                "articles",
                filter=Q(
                    articles__status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED],
                    articles__published_at__lte=now,
                ),
            )
        ).filter(public_count__gt=0)
    )


def related_articles(*, article: Article, limit: int = RELATED_LIMIT) -> list[Article]:
    """Public articles sharing the most topics with this one, newest first among equals."""
    topic_ids = [t.pk for t in article.ordered_topics]
    if not topic_ids:
        return []
    return list(
        Article.objects.public()
        .exclude(pk=article.pk)
        .filter(topics__in=topic_ids)
        .annotate(shared=Count("topics", filter=Q(topics__in=topic_ids)))
        .defer("body", "body_html")
        .order_by("-shared", "-published_at", "-pk")[:limit]
    )


def next_scheduled_time(*, now: datetime) -> datetime | None:
    return Article.objects.filter(
        status__in=[Article.Status.PUBLISHED, Article.Status.SCHEDULED], published_at__gt=now
    ).aggregate(next=Min("published_at"))["next"]


@dataclass
class ArticlePage:
    article: Article
    related: list[Article]
    valid_until: datetime


def public_article_page(*, slug: str) -> ArticlePage | None:
    """The article and its related pieces, cached until any content changes or the next scheduled
    article goes live (it may belong among the related ones)."""
    now = timezone.now()
    key = f"content:article:{content_version()}:{slug}"
    page = cache.get(key)
    if page is not None and page.valid_until > now and page.article.is_public:
        return page
    article = public_articles(now=now).prefetch_related("references").filter(slug=slug).first()
    if article is None:
        return None
    related = related_articles(article=article)
    valid_until = now + timedelta(seconds=ARTICLE_CACHE_SECONDS)
    upcoming = next_scheduled_time(now=now)
    if upcoming is not None:
        valid_until = min(valid_until, upcoming)
    page = ArticlePage(article=article, related=related, valid_until=valid_until)
    timeout = max(1, int((valid_until - now).total_seconds()))
    cache.set(key, page, timeout)
    return page


def preview_article_page(*, slug: str) -> ArticlePage | None:
    """Staff preview: any status, never cached."""
    article = (
        with_topics(Article.objects.select_related("author"))
        .prefetch_related("references")
        .filter(slug=slug)
        .first()
    )
    if article is None:
        return None
    return ArticlePage(
        article=article, related=related_articles(article=article), valid_until=timezone.now()
    )


def feed_articles(*, limit: int = 20) -> list[Article]:
    return list(public_articles().defer("body")[:limit])


def subscribers_of_email(*, email: str) -> QuerySet[Subscriber]:
    """Newsletter sign-ups under the address (a customer's data request, staff-verified)."""
    return Subscriber.objects.filter(email__iexact=email.strip())


def subscribers_export(*, subscribers) -> list[dict]:
    return [row_data(s) for s in subscribers]
