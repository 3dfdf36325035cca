"""Hero image renditions: a few widths in WebP, named by content hash so they can be cached forever."""

from __future__ import annotations

import hashlib
import io
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageOps

from .storage import public_storage

WIDTHS = (480, 800, 1200)
RENDITION_DIR = "articles/renditions"


def ensure_renditions(article) -> None:
    """(Re)build renditions when the hero image changed; a no-op otherwise."""
    name = article.hero_image.name if article.hero_image else ""
    current = article.hero_renditions or []
    if not name:
        if current:
            type(article).objects.filter(pk=article.pk).update(hero_renditions=[])
            article.hero_renditions = []
            _forget_after_commit(article, current, keep=set())
        return
    if current and all(r.get("source") == name for r in current):
        return
    renditions = build_renditions(name)
    type(article).objects.filter(pk=article.pk).update(hero_renditions=renditions)
    article.hero_renditions = renditions
    if current:
        _forget_after_commit(article, current, keep={name, *(r["name"] for r in renditions)})


def _forget_after_commit(article, old: list[dict], *, keep: set[str]) -> None:
    """A replaced or removed hero image's files (the upload and its renditions) are deleted once
    the change commits, unless another article still shows them (names are content hashes, so two
    articles with the same picture share files)."""
    names = {r["name"] for r in old} | {r["source"] for r in old if r.get("source")}
    names -= keep
    if not names:
        return
    model, pk = type(article), article.pk

    def delete_unused() -> None:
        in_use: set[str] = set()
        for hero, renditions in model.objects.exclude(pk=pk).values_list(
            "hero_image", "hero_renditions"
        ):
            in_use.add(hero or "")
            in_use.update(r.get("name", "") for r in renditions or [])
        for stale in sorted(names - in_use):
            public_storage.delete(stale)

    transaction.on_commit(delete_unused)


def build_renditions(name: str) -> list[dict]:
    with public_storage.open(name, "rb") as handle:
        data = handle.read()
    digest = hashlib.sha256(data).hexdigest()[:12]
    stem = PurePosixPath(name).stem[:40]
    with Image.open(io.BytesIO(data)) as original:
        image = ImageOps.exif_transpose(original)
        image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        widths = [w for w in WIDTHS if w < image.width] + [min(image.width, WIDTHS[-1])]
        renditions = []
        for width in sorted(set(widths)):
            height = round(image.height * width / image.width)
            resized = image.resize((width, height), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            resized.save(out, "WEBP", quality=80, method=4)
            target = f"{RENDITION_DIR}/{stem}-{digest}-{width}w.webp"
            if not public_storage.exists(target):
                public_storage.save(target, ContentFile(out.getvalue()))
            renditions.append({"name": target, "width": width, "height": height, "source": name})
    return renditions


def srcset(renditions: list[dict]) -> str:
    return ", ".join(f"{public_storage.url(r['name'])} {r['width']}w" for r in renditions)
