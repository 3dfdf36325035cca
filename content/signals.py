"""Any change to articles or topics invalidates the cached article pages."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .caching import invalidate_content_cache
from .models import Article, ArticleTopic, Reference, Topic


@receiver(post_save, sender=Article)
@receiver(post_delete, sender=Article)
@receiver(post_save, sender=Topic)
@receiver(post_delete, sender=Topic)
@receiver(post_save, sender=ArticleTopic)
@receiver(post_delete, sender=ArticleTopic)
@receiver(post_save, sender=Reference)
@receiver(post_delete, sender=Reference)
def _content_changed(**kwargs) -> None:
    invalidate_content_cache()
