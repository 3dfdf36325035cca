"""Private file storage chosen by setting: a local private folder or a private S3 bucket.

Scans, scan previews and foot photos are health data. They live in the ``default`` storage, which
is either ``MEDIA_ROOT`` (never served directly) or a private S3 bucket (``STORAGE_BACKEND=s3``).
Code reaches them only through the storage API (``open``, ``save``, ``delete``, ``exists``,
``size``, ``url``), never a filesystem path, so several web processes and workers on different
machines share the same files. Downloads go through views that check access first; with S3 they
answer a redirect to a signed URL that expires within ``AWS_QUERYSTRING_EXPIRE`` seconds
(``private_file_redirect``), with local storage they stream the file as before.

The first half of this module is plain Python (settings import it before Django is set up).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

S3_BACKEND = "storages.backends.s3.S3Storage"
LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
# Parts of an upload to S3 are buffered in memory: at most this many of this size at a time, so a
# 150 MB scan costs the web process the same memory as a 1 MB one.
S3_PART_BYTES = 8 * 1024 * 1024
S3_PARTS_IN_MEMORY = 4


def s3_private_options(
    *,
    bucket: str,
    endpoint_url: str | None = None,
    region: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    expire: int = 120,
    location: str = "",
    max_memory_size: int = 8 * 1024 * 1024,
) -> dict[str, Any]:
    """``STORAGES["default"]["OPTIONS"]`` for a private bucket (settings and tests share this).

    No ACL is sent (the bucket's own policy, private, applies), names are never overwritten,
    URLs are SigV4-signed and short-lived, and reads spill to a temporary file above
    ``max_memory_size`` instead of holding a whole scan in memory.
    """
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    transfer = TransferConfig(
        multipart_threshold=S3_PART_BYTES,
        multipart_chunksize=S3_PART_BYTES,
        max_concurrency=S3_PARTS_IN_MEMORY,
        use_threads=True,
    )
    transfer.max_in_memory_upload_chunks = S3_PARTS_IN_MEMORY
    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "access_key": access_key or None,
        "secret_key": secret_key or None,
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": int(expire),
        "file_overwrite": False,
        "signature_version": "s3v4",
        "location": location,
        "max_memory_size": int(max_memory_size),
        "client_config": Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            retries={"max_attempts": 5, "mode": "standard"},
        ),
        "transfer_config": transfer,
        "object_parameters": {"CacheControl": "private, no-store"},
    }


def s3_origins(*, bucket: str, endpoint_url: str | None, region: str | None) -> list[str]:
    """Origins a signed URL of the bucket can have (for the CSP's img-src)."""
    if endpoint_url:
        parts = urlsplit(endpoint_url)
        return [f"{parts.scheme}://{parts.netloc}"]
    origins = [f"https://{bucket}.s3.amazonaws.com"]
    if region:
        origins.insert(0, f"https://{bucket}.s3.{region}.amazonaws.com")
    return origins


# --- Used at run time (needs Django) ---------------------------------------------------------------


def signs_urls(storage) -> bool:
    """True for storages whose ``url()`` is a signed, expiring link (S3), not a local file."""
    return bool(getattr(storage, "querystring_auth", False)) and hasattr(storage, "bucket_name")


def private_file_redirect(
    field_file, *, content_type: str, filename: str | None = None
) -> Any | None:
    """With S3: a redirect to a short-lived signed URL of the file, else ``None`` (stream it).

    Call it only after the view has checked access: the URL itself is the permission. The signed
    URL carries the content type, ``inline`` disposition and ``no-store`` for S3's answer; the
    redirect itself is never cached and never sent on as a Referer.
    """
    from django.http import HttpResponseRedirect

    storage = field_file.storage
    if not signs_urls(storage):
        return None
    parameters = {
        "ResponseContentType": content_type,
        "ResponseCacheControl": "private, no-store",
    }
    if filename:
        parameters["ResponseContentDisposition"] = f'inline; filename="{filename}"'
    # Expires after the storage's querystring_expire (AWS_QUERYSTRING_EXPIRE in settings).
    url = storage.url(field_file.name, parameters=parameters)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
