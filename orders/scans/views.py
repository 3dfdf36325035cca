"""The customer's scan page, its polling status and the sole previews. Thin: they call the scan
services and selectors; the upload handler streams files to disk with a size cap (`uploads`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fitsperfect.images import PhotoRejected
from fitsperfect.security import private_page as _private_page
from fitsperfect.storage import private_file_redirect
from orders.selectors import order_by_token

from . import selectors, services
from .forms import ScanUploadForm
from .models import Scan
from .uploads import scan_upload_view, upload_rejections

SCAN_FIELDS = {"left_scan": "left", "right_scan": "right"}
PHOTO_FIELDS = {"left_photo": "left_photo", "right_photo": "right_photo"}


def _photo_cap() -> int:
    return int(getattr(settings, "SCAN_PHOTO_MAX_BYTES", 20 * 1024 * 1024))


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _too_large_errors(request: HttpRequest) -> dict[str, str]:
    """The files the streaming handler cut off for size, by form field."""
    return {
        rejection.field_name or "left_scan": _(
            "“%(name)s” is larger than %(limit)s, so it was not uploaded."
        )
        % {"name": rejection.file_name, "limit": filesizeformat(rejection.limit)}
        for rejection in upload_rejections(request)
    }


def _store_uploads(request: HttpRequest, order) -> dict[str, str]:
    """Hands each chosen file to the scan services; returns the errors by field."""
    if not services.order_accepts_scans(order):
        return {"left_scan": _("This order cannot take new scans now.")}
    chosen = [field for field in (*SCAN_FIELDS, *PHOTO_FIELDS) if field in request.FILES]
    if not chosen:
        return {"left_scan": _("Choose a scan or photo to upload.")}
    errors: dict[str, str] = {}
    for field in chosen:
        uploaded = request.FILES[field]
        try:
            if field in SCAN_FIELDS:
                services.scan_upload(order=order, side=SCAN_FIELDS[field], uploaded=uploaded)
            else:
                services.photo_upload(order=order, role=PHOTO_FIELDS[field], uploaded=uploaded)
        except PhotoRejected as exc:
            errors[field] = _("“%(name)s”: %(reason)s") % {
                "name": uploaded.name,
                "reason": exc.message,
            }
        except services.UploadRefused as exc:
            errors[field] = exc.message
    return errors


@require_http_methods(["GET", "POST"])
@scan_upload_view(field_limits=lambda: dict.fromkeys(PHOTO_FIELDS, _photo_cap()))
def order_scans(request: HttpRequest, token: str) -> HttpResponse:
    """The scans page; a POST uploads scans and photos (JSON answers for the page's script)."""
    order = order_by_token(token)
    if order is None:
        raise Http404
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        errors = _too_large_errors(request)
        status = 413 if errors else 200
        if not errors:
            errors = _store_uploads(request, order)
            status = 400 if errors else 200
        if _wants_json(request):
            return _private_page(
                JsonResponse(
                    {"ok": not errors, "errors": errors, "next": request.path}, status=status
                )
            )
        if not errors:
            return redirect(reverse("orders:scans", args=[order.access_token]), permanent=False)
    order.refresh_from_db()
    max_scan_bytes = getattr(settings, "SCAN_MAX_UPLOAD_BYTES", 0)
    if errors:
        # Bound to the POST without its files (the upload path has them): only the errors show.
        form = ScanUploadForm(request.POST, max_scan_bytes=max_scan_bytes)
        form.show_errors(errors)
    else:
        form = ScanUploadForm(max_scan_bytes=max_scan_bytes)
    story = selectors.order_scans_story(order)
    sides = selectors.order_scans(order)
    for side, info in sides.items():
        info["story"] = story["sides"][side]
    checking = any(
        side["latest"] is not None and side["latest"].is_pending for side in sides.values()
    )
    response = render(
        request,
        "scans/scans.html",
        {
            "order": order,
            "sides": sides,
            "story": story,
            "form": form,
            "checking": checking,
            "can_upload": services.order_accepts_scans(order),
            "pair_warnings": services.pair_warnings(
                sides["left"]["current"], sides["right"]["current"]
            ),
            "photos": order.foot_photos.filter(is_current=True),
            "status_url": reverse("orders:scan_status", args=[order.access_token]),
        },
        status=status,
    )
    return _private_page(response)


def scan_status(request: HttpRequest, token: str) -> HttpResponse:
    """A small JSON status for the scans page's polling script."""
    order = order_by_token(token)
    if order is None:
        raise Http404
    sides = selectors.order_scans(order)
    data = {"order_status": order.status, "checking": False, "scans": {}}
    for side, info in sides.items():
        latest = info["latest"]
        if latest is None:
            continue
        data["checking"] = data["checking"] or latest.is_pending
        data["scans"][side] = {
            "revision": latest.revision,
            "status": latest.status,
            "name": latest.original_name,
            "message": latest.rejection_message,
        }
    return _private_page(JsonResponse(data))


def _preview_response(scan) -> HttpResponse:
    """The preview of a scan the caller may see: streamed from local storage, or (S3) a redirect
    to a signed URL that expires within AWS_QUERYSTRING_EXPIRE seconds."""
    if scan is None or not scan.preview:
        raise Http404
    signed = private_file_redirect(
        scan.preview, content_type="image/png", filename=f"scan-{scan.side}-preview.png"
    )
    if signed is not None:
        return signed
    response = FileResponse(scan.preview.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def scan_preview(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The sole preview, for the holder of the order's link."""
    return _preview_response(Scan.objects.filter(pk=pk, order__access_token=token).first())


def staff_scan_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The sole preview for staff (view permission) and clinicians: every order reaches the lab
    through a clinician, by the review of its assessment or in the clinic's orders."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    scan = Scan.objects.select_related("order").filter(pk=pk).first()
    if scan is None:
        raise Http404
    allowed = (user.is_staff and user.has_perm("scans.view_scan")) or user.has_perm(
        "assessments.review_assessment"
    )
    if not allowed:
        raise PermissionDenied
    return _preview_response(scan)
