"""`python manage.py import_articles PATH...`: create or update articles from text or Markdown files.

Each file is parsed completely before anything is written and imported in its own transaction, so a
malformed file (reported with its name and line) leaves no trace while the other files still import.
Re-running on the same files changes nothing.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from content import services
from content.importer import ImportFileError, parse_file


class Command(BaseCommand):
    help = "Import articles from plain-text or Markdown files (optional YAML front matter)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("paths", nargs="+", help="Files, or folders of .txt/.md files.")
        parser.add_argument(
            "--publish", action="store_true", help="Publish new articles now (default: drafts)."
        )

    def handle(self, *args, paths: list[str], publish: bool = False, **options) -> None:
        failures = 0
        for path in self._files(paths):
            try:
                parsed = parse_file(path)
                result = services.article_import(
                    slug=parsed.slug,
                    title=parsed.title,
                    summary=parsed.summary,
                    body=parsed.body,
                    topic_names=parsed.topics,
                    published=parsed.published,
                    publish_if_new=publish,
                    review=parsed.review,
                    references=parsed.references,
                )
            except ImportFileError as error:
                failures += 1
                self.stderr.write(f"{error.path}:{error.line}: {error.message}")
                continue
            except ValidationError as error:
                failures += 1
                messages = "; ".join(
                    f"{field}: {' '.join(errs)}" for field, errs in error.message_dict.items()
                )
                self.stderr.write(f"{path}:1: {messages}")
                continue
            self.stdout.write(f"{path}: {result.outcome} /articles/{result.article.slug}/")
        if failures:
            raise CommandError(f"{failures} file(s) not imported; nothing was written for them.")

    @staticmethod
    def _files(paths: list[str]) -> list[Path]:
        files: list[Path] = []
        for name in paths:
            path = Path(name)
            if path.is_dir():
                files.extend(
                    sorted(
                        p
                        for p in path.iterdir()
                        if p.suffix.lower() in {".txt", ".md", ".markdown"}
                    )
                )
            else:
                files.append(path)
        return files
