"""Streaming scan uploads to disk with a size cap enforced while the bytes arrive.

Django's settings do not limit the size of an uploaded file (``DATA_UPLOAD_MAX_MEMORY_SIZE`` ignores
files) and ``FILE_UPLOAD_MAX_MEMORY_SIZE`` only decides memory vs disk. ``ScanUploadHandler`` writes
each file to a temporary file in chunks (never holding the whole file), hashes it on the way, and the
moment a file passes its cap it deletes what it wrote (and any file already completed in the same
request) and stops the upload with ``StopUpload(connection_reset=True)``, so the rest of the body is
not read and nothing is left on disk. The view then sees ``upload_rejections(request)``.

The temporary file is always local (``FILE_UPLOAD_TEMP_DIR``); the service then saves it to the
private ``default`` storage through the storage API: FileSystemStorage moves it into place, S3
streams it up in a few bounded parts (``fitsperfect.storage``), so memory stays flat either way.

Installing the handler must happen before anything reads the body, and ``CsrfViewMiddleware`` reads
``request.POST`` before the view runs. So a view that uses it is ``csrf_exempt`` on the outside and
``csrf_protect`` inside, the pattern Django documents for changing upload handlers:

    @scan_upload_view()                      # = csrf_exempt + install handlers + csrf_protect
    def upload_scans(request, token): ...

or by hand:

    @csrf_exempt
    def upload_scans(request, token):
        install_scan_upload_handlers(request)
        return _upload_scans(request, token)

    @csrf_protect
    def _upload_scans(request, token): ...
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, StopUpload
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

CHUNK_SIZE = 256 * 1024


def default_max_bytes() -> int:
    return int(getattr(settings, "SCAN_MAX_UPLOAD_BYTES", 150 * 1024 * 1024))


@dataclass(frozen=True)
class UploadRejection:
    """A file that was cut off because it passed its cap (``received`` bytes when we stopped)."""

    field_name: str
    file_name: str
    limit: int
    received: int


class StreamedUploadedFile(UploadedFile):
    """An upload that lives in a private temporary file; deleted when closed.

    ``sha256`` is computed while streaming, so validation and the lab manifest need no second read.
    Save it to a storage (``storage.save``: moved locally, streamed to S3) before the request ends.
    """

    def __init__(self, name, content_type, charset, content_type_extra, temp_dir):
        _, ext = os.path.splitext(name or "")
        # Only the extension from the client's name is kept, and only if it is short and plain.
        ext = ext if ext[1:].isalnum() and len(ext) <= 8 else ""
        file = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed with the UploadedFile
            prefix="scan-", suffix=".upload" + ext, dir=temp_dir
        )
        os.chmod(file.name, 0o600)
        super().__init__(file, name, content_type, 0, charset, content_type_extra)
        self.sha256 = ""

    def temporary_file_path(self) -> str:
        return self.file.name

    def close(self):
        try:
            return self.file.close()
        except FileNotFoundError:
            pass


class ScanUploadHandler(FileUploadHandler):
    """Streams every file of the request to disk, capped per file (``max_bytes``).

    ``field_limits`` can give some fields a smaller cap (e.g. photos). ``temp_dir`` defaults to
    ``FILE_UPLOAD_TEMP_DIR`` (or the system temporary directory).
    """

    chunk_size = CHUNK_SIZE

    def __init__(
        self,
        request: HttpRequest | None = None,
        *,
        max_bytes: int | None = None,
        field_limits: dict[str, int] | None = None,
        temp_dir: str | os.PathLike | None = None,
    ) -> None:
        super().__init__(request)
        self.max_bytes = default_max_bytes() if max_bytes is None else int(max_bytes)
        self.field_limits = dict(field_limits or {})
        self.temp_dir = str(temp_dir or getattr(settings, "FILE_UPLOAD_TEMP_DIR", None) or "")
        self.temp_dir = self.temp_dir or None
        self.completed: list[StreamedUploadedFile] = []
        self.rejections: list[UploadRejection] = []
        self._digest = None
        self._received = 0
        self._limit = self.max_bytes
        if request is not None and not hasattr(request, "scan_upload_rejections"):
            request.scan_upload_rejections = self.rejections

    def new_file(
        self,
        field_name,
        file_name,
        content_type,
        content_length,
        charset=None,
        content_type_extra=None,
    ):
        super().new_file(
            field_name, file_name, content_type, content_length, charset, content_type_extra
        )
        self._limit = self.field_limits.get(field_name, self.max_bytes)
        self._received = 0
        self._digest = hashlib.sha256()
        if self.temp_dir:
            Path(self.temp_dir).mkdir(parents=True, exist_ok=True)
        self.file = StreamedUploadedFile(
            file_name, content_type, charset, content_type_extra, self.temp_dir
        )
        # A declared length over the cap is refused before a single byte is written.
        if content_length is not None and content_length > self._limit:
            self._reject(int(content_length))
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        self._received += len(raw_data)
        if self._received > self._limit:
            self._reject(self._received)
        self.file.write(raw_data)
        self._digest.update(raw_data)
        return None

    def file_complete(self, file_size):
        self.file.seek(0)
        self.file.size = file_size
        self.file.sha256 = self._digest.hexdigest()
        self.completed.append(self.file)
        return self.file

    def upload_interrupted(self):
        self._discard_all()

    def _reject(self, received: int):
        self.rejections.append(
            UploadRejection(
                field_name=self.field_name,
                file_name=self.file_name or "",
                limit=self._limit,
                received=received,
            )
        )
        self._discard_all()
        raise StopUpload(connection_reset=True)

    def _discard_all(self) -> None:
        """Deletes the partial file and every file already completed in this request."""
        current = getattr(self, "file", None)
        for uploaded in [*self.completed, current]:
            if uploaded is not None:
                uploaded.close()
        self.completed.clear()


def install_scan_upload_handlers(
    request: HttpRequest,
    *,
    max_bytes: int | None = None,
    field_limits: dict[str, int] | None = None,
    temp_dir: str | os.PathLike | None = None,
) -> ScanUploadHandler:
    """Replaces the request's upload handlers; call before anything touches POST/FILES/body."""
    handler = ScanUploadHandler(
        request, max_bytes=max_bytes, field_limits=field_limits, temp_dir=temp_dir
    )
    request.scan_upload_rejections = handler.rejections
    request.upload_handlers = [handler]
    return handler


def upload_rejections(request: HttpRequest) -> list[UploadRejection]:
    """Files cut off for size in this request (empty when none, or when no handler was installed).

    Parses the body first if nothing has yet, so the answer is never "none" merely because the
    request has not been read.
    """
    request.FILES  # noqa: B018 - triggers parsing through the installed handler
    return list(getattr(request, "scan_upload_rejections", []))


def scan_upload_view(
    *,
    max_bytes: int | None = None,
    field_limits: dict[str, int] | Callable[[], dict[str, int]] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorator: csrf_exempt outside, streaming handler installed, then csrf_protect (see above).
    ``field_limits`` may be a function, read per request (limits that live in settings)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            limits = field_limits() if callable(field_limits) else field_limits
            install_scan_upload_handlers(request, max_bytes=max_bytes, field_limits=limits)
            return protected(request, *args, **kwargs)

        return wrapper

    return decorator
