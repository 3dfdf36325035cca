"""`python manage.py score_assessment --version 2 < answers.json`: score one answers document.

For clinicians and audits: the same keys the session stores (see assessments/README.md), the
result as JSON on stdout. Nothing is read from or written to the database.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from assessments import questions, scoring


class Command(BaseCommand):
    help = "Score one answers document (JSON on stdin) and print the result as JSON."

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Our --version (the model's) replaces Django's --version (Django's own version).
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--version",
            dest="model_version",
            choices=scoring.MODEL_VERSIONS,
            default=scoring.MODEL_VERSION,
            help=f"scoring model version (default {scoring.MODEL_VERSION})",
        )

    def handle(self, *args, model_version: str = scoring.MODEL_VERSION, **options) -> None:
        text = sys.stdin.read()
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"stdin is not valid JSON ({error.msg} at line {error.lineno}, column "
                f"{error.colno}): give one answers document, e.g. < answers.json"
            ) from None
        try:
            questions.check_answers_document(document)
            result = scoring.score_for(questions.to_model_answers(document), version=model_version)
        except ValueError as error:
            raise CommandError(f"The answers cannot be scored: {error}") from None
        self.stdout.write(json.dumps(scoring.report(result), indent=2))
