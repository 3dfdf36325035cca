"""Included by `orders.urls` (namespace "orders")."""

from django.urls import path

from . import views

urlpatterns = [
    path("scans/how-to/", views.scan_how_to, name="scan_how_to"),
    path("scans/<int:pk>/viewer.stl", views.staff_scan_viewer_mesh, name="staff_scan_viewer_mesh"),
]
