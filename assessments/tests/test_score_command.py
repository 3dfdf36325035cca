"""`manage.py score_assessment`: one answers document on stdin, the result as JSON on stdout."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from assessments.tests.factories import complete_answers, posture


def run(monkeypatch, document, *args) -> dict:
    text = document if isinstance(document, str) else json.dumps(document)
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    out = io.StringIO()
    call_command("score_assessment", *args, stdout=out)
    return json.loads(out.getvalue())


def test_prints_the_v2_result_with_every_documented_key(monkeypatch):
    answers = complete_answers(
        left={
            **posture("2"),
            "midfoot_bulge": "1",
            "arch_height": "1",
            "toes_from_behind": "cant_tell",
        },
        right=posture("cant_tell"),
    )
    report = run(monkeypatch, answers, "--version", "2")
    assert report["version"] == "2"
    assert report["left"]["score"] == 7.5  # unrounded
    assert report["left"]["band"] == "pronated"
    assert report["right"]["score"] is None and report["right"]["band"] is None
    assert [d["answer"] for d in report["left"]["drivers"]] == [2, 2, 1, 1, None]
    assert [d["weight"] for d in report["left"]["drivers"]] == [2.5, 2.5, 1.25, 1.25, None]
    assert report["band"] == "moderate"
    assert report["based_on"] == ["left"]
    assert report["load_score"] == 0
    assert report["red_flags"] == [] and report["urgency"] is None
    assert report["next_step"] == "orthotic"


def test_default_version_is_the_current_model(monkeypatch):
    assert run(monkeypatch, complete_answers())["version"] == "2"


def test_version_1_gives_the_v1_answer(monkeypatch):
    answers = complete_answers(
        left={
            **posture("2"),
            "midfoot_bulge": "1",
            "arch_height": "1",
            "toes_from_behind": "cant_tell",
        }
    )
    report = run(monkeypatch, answers, "--version", "1")
    assert report["version"] == "1"
    assert report["left"]["score"] == 8 and report["left"]["band"] == "highly_pronated"
    assert report["band"] == "high"


@pytest.mark.parametrize(
    ("flag", "urgency", "next_step"),
    [
        ("injury_cannot_bear_weight", "same_day", "urgent_care"),
        ("diabetic_foot_wound", "same_day", "urgent_care"),
        ("nerve_symptoms", "soon", "clinician"),
    ],
)
def test_red_flags_give_urgency_and_no_band(monkeypatch, flag, urgency, next_step):
    report = run(monkeypatch, complete_answers(flags=(flag,)), "--version", "2")
    assert report["red_flags"] == [flag]
    assert report["urgency"] == urgency and report["next_step"] == next_step
    assert report["band"] is None and report["left"] is None


def test_bad_json_is_a_clear_error(monkeypatch):
    with pytest.raises(CommandError, match="stdin is not valid JSON"):
        run(monkeypatch, '{"left": ', "--version", "2")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be a JSON object"),
        ({"lefft": {}}, "Unknown key"),
        ({"left": {"heel_tilt": "3"}}, r"left.heel_tilt must be -2..2"),
        ({"left": {"heel_tilt": "abc"}}, r"left.heel_tilt must be -2..2"),
        ({"red_flags": {"flags": ["numbness"]}}, "unknown code"),
        ({"about": {"age": "forty"}}, "about.age must be a number"),
        ({"pain": "heel"}, "'pain' must be an object"),
    ],
)
def test_answers_that_cannot_be_scored_are_refused(monkeypatch, document, message):
    with pytest.raises(CommandError, match=message):
        run(monkeypatch, document, "--version", "2")


def test_an_unknown_version_is_refused(monkeypatch):
    with pytest.raises(CommandError, match="invalid choice"):
        run(monkeypatch, complete_answers(), "--version", "3")


def _manage(*args, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "score_assessment", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=Path(settings.BASE_DIR),
        timeout=60,
        check=False,
    )


def test_the_real_command_line_reads_stdin_and_exits_non_zero_on_bad_json():
    ok = _manage("--version", "2", stdin=json.dumps(complete_answers(left="2", right="0")))
    assert ok.returncode == 0, ok.stderr
    report = json.loads(ok.stdout)
    assert report["left"]["score"] == 10.0 and report["right"]["band"] == "typical"
    bad = _manage("--version", "2", stdin="not json")
    assert bad.returncode != 0
    assert "stdin is not valid JSON" in bad.stderr and bad.stdout == ""
