"""`make audit`'s verdict on pip-audit: red on a known vulnerability, plain words when it can't check."""

from fitsperfect.audit import judge_pip_audit


def test_a_known_vulnerability_fails(capsys):
    data = {
        "dependencies": [
            {
                "name": "django",
                "version": "1.0",
                "vulns": [{"id": "PYSEC-1", "fix_versions": ["1.1"]}],
            },
            {"name": "celery", "version": "5.0", "vulns": []},
        ]
    }
    assert judge_pip_audit(1, "", data) == 1
    assert "VULNERABLE django 1.0: PYSEC-1 (fixed in: 1.1)" in capsys.readouterr().out


def test_clean_packages_pass(capsys):
    data = {"dependencies": [{"name": "celery", "version": "5.0", "vulns": []}]}
    assert judge_pip_audit(0, "", data) == 0
    assert "no known vulnerabilities in the 1 packages checked" in capsys.readouterr().out


def test_no_network_says_it_could_not_check(capsys):
    output = "requests.exceptions.ConnectionError: Max retries exceeded with url: /v1/query"
    assert judge_pip_audit(1, output, None) == 0
    assert "could not check" in capsys.readouterr().out


def test_an_index_that_knows_no_package_is_not_a_clean_bill(capsys):
    reason = "Dependency not found on PyPI and could not be audited: amqp (5.4.2)"
    data = {"dependencies": [{"name": "amqp", "skip_reason": reason}]}
    assert judge_pip_audit(0, "No known vulnerabilities found", data) == 0
    out = capsys.readouterr().out
    assert "could not check" in out and "no known vulnerabilities" not in out


def test_any_other_failure_fails(capsys):
    assert judge_pip_audit(2, "usage: pip-audit: error: bad flag", None) == 1
