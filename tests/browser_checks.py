"""Browser helpers shared by the browser tests: axe-core in the page, and filling in checkout.

axe-core comes from npm (node_modules/, locked in package-lock.json). `make test` installs it; in CI
a missing axe-core fails the tests that need it, locally (without npm) they skip with a message.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

AXE_RUN = """async () => {
  // Every rule axe runs by default, plus WCAG 2.2's target size (off by default in axe-core).
  const results = await axe.run(document, {
    resultTypes: ['violations'], rules: {'target-size': {enabled: true}},
  });
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary.split('\\n').slice(1, 3).join(' ')),
  }));
}"""


def load_axe_source() -> str:
    """axe-core's source, or a skip (locally without npm) / failure (in CI or with npm) saying how."""
    if not AXE.exists():
        message = (
            f"axe-core is missing ({AXE.relative_to(ROOT)}): run `make test` (it runs npm ci) "
            "or `npm ci --no-audit --no-fund`."
        )
        if IN_CI or shutil.which("npm"):
            pytest.fail(message)
        pytest.skip(message + " npm is not installed here (apt-get install nodejs npm).")
    return AXE.read_text()


def axe_violations(page, axe_source: str) -> list[dict]:
    """Runs axe-core on the page as it is now; injected through DevTools, so the CSP allows it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)
    return page.evaluate(AXE_RUN)


def format_violations(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"][:6])
        for v in violations
    )


def fill_checkout(page) -> None:
    """A valid checkout as a customer fills it in, sent on to the test payment page."""
    page.get_by_label("Email address").fill("ann@example.com")
    page.get_by_label("Full name").fill("Ann Example")
    page.get_by_label("Address line 1").fill("1 High Street")
    page.get_by_label("Town or city").fill("London")
    page.get_by_label("Postcode or ZIP code").fill("SW1A 1AA")
    page.get_by_label("I accept the terms of sale").check()
    page.get_by_label("I agree that Fits Perfect").check()
    page.get_by_role("button", name="Continue to the test payment page").click()
