from django.apps import AppConfig


class FitsPerfectConfig(AppConfig):
    """Project-level app: home, static pages, health check and the `seed_demo` command."""

    name = "fitsperfect"
    verbose_name = "Fits Perfect"
