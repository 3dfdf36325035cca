from django.apps import AppConfig


class FitsPerfectConfig(AppConfig):
    """Project-level app: home, static pages, health check and the `seed_demo` command."""

    name = "fitsperfect"
    verbose_name = "Fits Perfect"

    def ready(self) -> None:
        from . import audit_trail

        audit_trail.connect()  # who viewed or changed assessments, scans and orders
