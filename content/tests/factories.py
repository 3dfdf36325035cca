"""factory_boy factories for articles, topics, references and subscribers."""

import io
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from content import services
from content.models import Article, Reference, Subscriber, Topic


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))
    description = "About this topic."
    assessment_area = ""


class ArticleFactory(factory.django.DjangoModelFactory):
    """A public article by default; pass `topics=[...]` (ordered) and `status=...` as needed."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    summary = "A short summary of the article."
    body = "Some text.\n\n## A heading\n\nMore text about feet."
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            services.article_set_topics(article=self, topics=list(extracted))


class ReferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reference

    article = factory.SubFactory(ArticleFactory)
    authors = "Redmond AC, Crane YZ, Menz HB"
    title = factory.Sequence(lambda n: f"A published study {n}")
    source = "Journal of Foot and Ankle Research"
    year = 2008
    url = factory.Sequence(lambda n: f"https://doi.org/10.1186/example-{n}")
    position = factory.Sequence(lambda n: n)


class SubscriberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscriber

    email = factory.Sequence(lambda n: f"reader{n}@example.com")


def image_file(width: int = 1600, height: int = 900, name: str = "hero.png") -> ContentFile:
    """A real PNG (a plain gradient) for upload tests."""
    image = Image.new("RGB", (width, height), (200, 220, 230))
    for x in range(0, width, 50):
        image.paste((x % 255, 100, 150), (x, 0, x + 25, height))
    out = io.BytesIO()
    image.save(out, "PNG")
    return ContentFile(out.getvalue(), name=name)
