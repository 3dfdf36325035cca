"""The light 3D mesh of a scan for staff and clinicians, and the public how-to-scan page."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from fitsperfect.storage import private_file_redirect

from ..models import Scan


def user_may_see_scans(user) -> bool:
    """Staff who may view scans, and clinicians (every order reaches the lab through one)."""
    return bool(
        user.is_authenticated
        and (
            (user.is_staff and user.has_perm("scans.view_scan"))
            or user.has_perm("assessments.review_assessment")
        )
    )


def staff_scan_viewer_mesh(request: HttpRequest, pk: int) -> HttpResponse:
    """The decimated binary STL (foot frame, mm) the 3D view loads; never the customer's file."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not user_may_see_scans(request.user):
        raise PermissionDenied
    scan = Scan.objects.filter(pk=pk).first()
    if scan is None or not scan.viewer_mesh:
        raise Http404
    name = f"scan-{scan.side}-r{scan.revision}.stl"
    signed = private_file_redirect(scan.viewer_mesh, content_type="model/stl", filename=name)
    if signed is not None:
        return signed
    response = FileResponse(scan.viewer_mesh.open("rb"), content_type="model/stl")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def scan_how_to(request: HttpRequest) -> HttpResponse:
    """How to get a scan: the impression box we post, a phone app, a clinic's scanner."""
    return render(request, "scans/how_to.html")
