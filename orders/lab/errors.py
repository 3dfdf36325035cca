"""The lab hand-off's errors: which failures are worth retrying, in one place."""

from __future__ import annotations

# HTTP answers worth asking again later (plus every 5xx): timeouts, "too early", rate limits. The
# send and the status poll both classify through `is_temporary_status`, so they cannot disagree.
TEMPORARY_HTTP_STATUSES = frozenset({408, 425, 429})


def is_temporary_status(status: int) -> bool:
    return status >= 500 or status in TEMPORARY_HTTP_STATUSES


class LabError(Exception):
    """Base class: something went wrong handing a submission to the lab."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class LabTemporaryError(LabError):
    """Worth retrying: the lab or the network may be fine again later.

    ``retry_after`` (seconds) is the lab's ``Retry-After`` when it sent one.
    """

    def __init__(
        self, message: str, *, status_code: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class LabPermanentError(LabError):
    """Retrying the same request cannot help; staff must look at it."""


class LabWebhookError(ValueError):
    """A webhook that must be refused (bad or missing signature, stale, not JSON)."""
