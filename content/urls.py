from django.contrib.sitemaps.views import sitemap
from django.urls import path

from . import views
from .feeds import ArticleFeed, AtomArticleFeed
from .sitemaps import SITEMAPS

app_name = "content"

urlpatterns = [
    path("articles/", views.article_list, name="article_list"),
    path("articles/feed/", ArticleFeed(), name="feed"),
    path("articles/feed/atom/", AtomArticleFeed(), name="feed_atom"),
    path("articles/topic/<slug:slug>/", views.topic_detail, name="topic_detail"),
    path("articles/newsletter/", views.newsletter_subscribe, name="newsletter_subscribe"),
    path(
        "articles/newsletter/check-your-email/",
        views.newsletter_check_email,
        name="newsletter_check_email",
    ),
    path(
        "articles/newsletter/confirm/<str:token>/",
        views.newsletter_confirm,
        name="newsletter_confirm",
    ),
    path(
        "articles/newsletter/unsubscribe/<str:token>/",
        views.newsletter_unsubscribe,
        name="newsletter_unsubscribe",
    ),
    path("articles/<slug:slug>/", views.article_detail, name="article_detail"),
    path("media/<path:path>", views.public_media, name="public_media"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="sitemap",
    ),
]
