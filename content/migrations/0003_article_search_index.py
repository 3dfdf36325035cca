"""A GIN index on the weighted full-text vector that `content.selectors.search` builds, so search
stays an index scan as articles grow. PostgreSQL only: SQLite searches with icontains instead.

The expression must stay the same as the selector's (a test checks the planner uses the index).
"""

from django.db import migrations

INDEX_NAME = "content_article_search"


def _index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    vector = (
        SearchVector("title", weight="A", config="english")
        + SearchVector("summary", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
    )
    return GinIndex(vector, name=INDEX_NAME)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("content", "Article"), _index())


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("content", "Article"), _index())


class Migration(migrations.Migration):
    dependencies = [("content", "0002_article_announced_at")]

    operations = [migrations.RunPython(add_index, remove_index)]
