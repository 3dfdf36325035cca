"""Article pages, search, newsletter sign-up, robots.txt and the public media files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils._os import safe_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from . import selectors, services
from .forms import NewsletterForm
from .images import srcset
from .models import Article, Topic
from .storage import public_storage

PAGE_SIZE = 12
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


@require_safe
def article_list(request: HttpRequest, topic_slug: str | None = None) -> HttpResponse:
    topic_slug = topic_slug or request.GET.get("topic") or None
    topic = get_object_or_404(Topic, slug=topic_slug) if topic_slug else None
    query = request.GET.get("q", "").strip()[: selectors.MAX_QUERY_LENGTH]
    articles = selectors.article_list(topic=topic, query=query)
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    params = {k: v for k, v in (("q", query), ("topic", request.GET.get("topic", ""))) if v}
    base = request.path + "?" + (urlencode(params) + "&" if params else "")
    return render(
        request,
        "content/article_list.html",
        {
            "page_obj": page,
            "articles": page.object_list,
            "topic": topic,
            "topics": selectors.topics_with_articles(),
            "query": query,
            "page_base": base,
            "noindex": bool(query),  # search results are not pages to index
        },
    )


def topic_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return article_list(request, topic_slug=slug)


@require_safe
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    preview = request.GET.get("preview") == "1" and request.user.is_staff
    page = (
        selectors.preview_article_page(slug=slug)
        if preview
        else selectors.public_article_page(slug=slug)
    )
    if page is None:
        raise Http404(_("No such article."))
    article = page.article
    area = article.assessment_area
    cta_query = {"article": article.slug, **({"area": area} if area else {})}
    hero = _hero(article)
    response = render(
        request,
        "content/article_detail.html",
        {
            "article": article,
            "related": page.related,
            "preview": preview,
            "topics": article.ordered_topics,
            "hero": hero,
            "area": area,
            "cta_url": reverse("assessments:start") + "?" + urlencode(cta_query),
            "canonical_url": _absolute(article.get_absolute_url()),
            "json_ld": _json_ld(article, hero),
            "newsletter_form": NewsletterForm(initial={"article": article.slug}),
        },
    )
    if preview:
        response["Cache-Control"] = "private, no-store"
    return response


def _hero(article: Article) -> dict | None:
    renditions = article.hero_renditions or []
    if not renditions:
        return None
    default = next((r for r in renditions if r["width"] >= 800), renditions[-1])
    largest = renditions[-1]
    return {
        "src": public_storage.url(default["name"]),
        "srcset": srcset(renditions),
        "width": default["width"],
        "height": default["height"],
        "alt": article.hero_alt,
        "og_url": _absolute(public_storage.url(largest["name"])),
        "og_width": largest["width"],
        "og_height": largest["height"],
        "thumb": public_storage.url(renditions[0]["name"]),
    }


def _json_ld(article: Article, hero: dict | None) -> str:
    data = {
        "@context": "https://schema.org",
        # An article and the health page it is: MedicalWebPage carries the review and sources.
        "@type": ["Article", "MedicalWebPage"],
        "headline": article.title[:110],
        "description": article.meta_description,
        "datePublished": article.published_at,
        "dateModified": max(article.updated_at, article.published_at)
        if article.published_at
        else article.updated_at,
        "mainEntityOfPage": _absolute(article.get_absolute_url()),
        "author": {"@type": "Organization", "name": article.byline}
        if not article.author_id
        else {"@type": "Person", "name": article.byline},
        "publisher": {"@type": "Organization", "name": "Fits Perfect", "url": settings.SITE_URL},
        "articleSection": [topic.name for topic in article.ordered_topics],
    }
    if hero:
        data["image"] = [hero["og_url"]]
    data.update(_review_json_ld(article))
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    # JSON with <, > and & escaped cannot leave the <script type="application/ld+json"> element.
    return mark_safe(text)  # noqa: S308  # nosec


def _review_json_ld(article: Article) -> dict:
    """reviewedBy, lastReviewed and citation, for what the article has (prefetched references)."""
    data: dict = {}
    if article.is_reviewed:
        reviewer = {"@type": "Person", "name": article.reviewer_name}
        if article.reviewer_role:
            reviewer["jobTitle"] = article.reviewer_role
        data["reviewedBy"] = reviewer
        data["lastReviewed"] = article.last_reviewed.isoformat()
    citations = []
    for reference in article.references.all():
        citation = {
            "@type": "CreativeWork",
            "name": reference.title,
            "publisher": {"@type": "Organization", "name": reference.source},
            "datePublished": str(reference.year),
        }
        if reference.url:
            citation["url"] = reference.url
        citations.append(citation)
    if citations:
        data["citation"] = citations
    return data


# --- Newsletter ---------------------------------------------------------------------------------
@csrf_exempt
@require_http_methods(["GET", "POST"])
def newsletter_subscribe(request: HttpRequest) -> HttpResponse:
    """Sign-up needs no CSRF token: a forged request could only do what anyone can do from their
    own browser (ask for a confirmation email), and double opt-in stops that. Without the token the
    article pages set no cookie, so the shared page cache can serve them."""
    form = NewsletterForm(request.POST or None, initial={"article": request.GET.get("article", "")})
    if request.method == "POST" and form.is_valid():
        slug = form.cleaned_data.get("article") or ""
        source = Article.objects.public().filter(slug=slug).first() if slug else None
        services.newsletter_subscribe(email=form.cleaned_data["email"], source_article=source)
        return redirect("content:newsletter_check_email")
    status = 400 if request.method == "POST" else 200
    return render(request, "content/newsletter_subscribe.html", {"form": form}, status=status)


@require_safe
def newsletter_check_email(request: HttpRequest) -> HttpResponse:
    return render(request, "content/newsletter_check_email.html")


@require_http_methods(["GET", "POST"])
def newsletter_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks, POST confirms: link scanners that open emailed links must not give consent."""
    if request.method == "POST":
        subscriber = services.newsletter_confirm(token=token)
        if subscriber is None:
            return render(request, "content/newsletter_bad_link.html", status=400)
        return render(request, "content/newsletter_done.html", {"confirmed": True})
    return render(request, "content/newsletter_confirm.html", {"token": token})


@require_http_methods(["GET", "POST"])
def newsletter_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    if request.method == "POST":
        subscriber = services.newsletter_unsubscribe(token=token)
        if subscriber is None:
            return render(request, "content/newsletter_bad_link.html", status=400)
        return render(request, "content/newsletter_done.html", {"confirmed": False})
    return render(request, "content/newsletter_unsubscribe.html", {"token": token})


# --- Discovery and files ------------------------------------------------------------------------
@require_safe
@cache_control(public=True, max_age=86400)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /orders/",
        "Disallow: /articles/newsletter/",
        "Allow: /",
        "",
        f"Sitemap: {settings.SITE_URL}{reverse('content:sitemap')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


PUBLIC_SUFFIXES = {
    ".webp": "image/webp",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}
HASHED_NAME = re.compile(r"-[0-9a-f]{12}-\d+w\.\w+$")


@require_safe
def public_media(request: HttpRequest, path: str) -> FileResponse:
    """Serve article images from PUBLIC_MEDIA_ROOT only; never the private media or other files."""
    suffix = Path(path).suffix.lower()
    if suffix not in PUBLIC_SUFFIXES or "\x00" in path:
        raise Http404
    location = str(getattr(public_storage.backend(), "location", "") or "")
    if not location:  # not a folder (an object store serves its own URLs): never the cwd
        raise Http404
    try:
        full = Path(safe_join(location, path))
    except Exception as error:  # SuspiciousFileOperation: ../ or an absolute path
        raise Http404 from error
    if not full.is_file() or full.is_symlink():
        raise Http404
    response = FileResponse(full.open("rb"), content_type=PUBLIC_SUFFIXES[suffix])
    if HASHED_NAME.search(path):
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "public, max-age=3600"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
