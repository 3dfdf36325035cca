"""The project's own top-level packages, in dependency order (content before assessments before
orders): the security audit scans them, the demo seeds them in this order."""

PROJECT_PACKAGES = ("fitsperfect", "content", "assessments", "orders")
