"""`make audit`: bandit on our code and pip-audit against the lock file.

    python -m fitsperfect.audit            # both
    python -m fitsperfect.audit bandit     # one of them
    python -m fitsperfect.audit pip-audit

bandit fails on any medium or high finding that is neither justified in place
(`# nosec BXXX - reason`) nor listed in `.bandit-baseline.json` (findings in files this project's
security work may not edit yet, each with its reason in the README's Security section).

pip-audit fails on a known vulnerability when the vulnerability service answers. When it cannot
answer (no network, or an index that does not serve PyPI's JSON API, so packages come back "not
found") it says plainly "could not check: <reason>" and does not fail: a build must not go red
because a third-party service is away, but nobody may read that as "no vulnerabilities".
"""

from __future__ import annotations

import json
import subprocess  # our own tools, fixed arguments (bandit B404/B603 are low)
import sys
import tempfile
from pathlib import Path

from fitsperfect.layout import PROJECT_PACKAGES

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PACKAGES = list(PROJECT_PACKAGES)
BASELINE = ROOT / ".bandit-baseline.json"
NETWORK_ERRORS = (
    "ConnectionError",
    "NameResolutionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "timed out",
    "Timeout",
    "Network is unreachable",
    "Connection refused",
    "ServiceUnavailable",
    "503",
)


def run_bandit() -> int:
    command = [
        str(BIN / "bandit"),
        "-r",
        *PACKAGES,
        "-x",
        "*/tests/*,*/migrations/*",
        "-ll",
        "-q",
    ]
    if BASELINE.exists():
        command += ["-b", str(BASELINE)]
    print("$ " + " ".join(command), flush=True)
    result = subprocess.run(command, cwd=ROOT, check=False)  # noqa: S603
    if result.returncode == 0:
        print("bandit: no medium or high findings.")
    return result.returncode


def _export_lock(target: Path) -> None:
    command = [
        str(BIN / "uv"),
        "export",
        "--frozen",
        "--format",
        "requirements-txt",
        "--no-hashes",
        "--all-extras",
        "--no-emit-project",
        "--quiet",
        "--output-file",
        str(target),
    ]
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603


def run_pip_audit() -> int:
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "requirements.txt"
        report = Path(folder) / "report.json"
        try:
            _export_lock(requirements)
        except (OSError, subprocess.CalledProcessError) as error:
            print(f"pip-audit: could not export uv.lock: {error}")
            return 1
        command = [
            str(BIN / "pip-audit"),
            "-r",
            str(requirements),
            "--disable-pip",
            "--no-deps",
            "--progress-spinner",
            "off",
            "--timeout",
            "20",
            "--format",
            "json",
            "--output",
            str(report),
        ]
        print("$ " + " ".join(command), flush=True)
        result = subprocess.run(  # noqa: S603
            command, cwd=ROOT, capture_output=True, text=True, check=False
        )
        data = None
        if report.exists() and report.stat().st_size:
            try:
                data = json.loads(report.read_text())
            except ValueError:
                data = None
    return judge_pip_audit(result.returncode, result.stdout + result.stderr, data)


def judge_pip_audit(returncode: int, output: str, data: dict | None) -> int:
    """Exit status for make: 1 on a known vulnerability, 0 (said plainly) when unable to check."""
    if data is None:
        reason = next((marker for marker in NETWORK_ERRORS if marker in output), None)
        if reason:
            print(
                f"pip-audit: could not check: the vulnerability service did not answer ({reason})."
            )
            return 0
        print(output)
        print("pip-audit: failed for a reason other than the network (output above).")
        return 1
    dependencies = data.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dep in vulnerable:
        ids = ", ".join(v.get("id", "?") for v in dep["vulns"])
        fixes = ", ".join(sorted({f for v in dep["vulns"] for f in v.get("fix_versions", [])}))
        print(
            f"VULNERABLE {dep['name']} {dep.get('version', '')}: {ids} (fixed in: {fixes or '-'})"
        )
    checked = len(dependencies) - len(skipped)
    if skipped:
        names = ", ".join(d["name"] for d in skipped[:10]) + (" ..." if len(skipped) > 10 else "")
        print(
            f"pip-audit: could not check {len(skipped)} of {len(dependencies)} packages: "
            f"{skipped[0]['skip_reason']} ({names})."
        )
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} package(s) with known vulnerabilities.")
        return 1
    if checked == 0:
        print("pip-audit: could not check: the vulnerability service answered for no package.")
        return 0
    print(f"pip-audit: no known vulnerabilities in the {checked} packages checked.")
    return 0


def main(argv: list[str]) -> int:
    which = argv[1:] or ["bandit", "pip-audit"]
    status = 0
    if "bandit" in which:
        status |= run_bandit()
    if "pip-audit" in which:
        status |= run_pip_audit()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
