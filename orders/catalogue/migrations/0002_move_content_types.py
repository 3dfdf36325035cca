"""The moved models' content types follow them, so the Staff group keeps its catalogue permissions."""

from django.db import migrations

from fitsperfect.model_moves import move_content_types

MODELS = ["product", "productoption"]


def forwards(apps, schema_editor):
    move_content_types(apps, old_label="orders", new_label="catalogue", models=MODELS)


def backwards(apps, schema_editor):
    move_content_types(apps, old_label="catalogue", new_label="orders", models=MODELS)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
        ("orders", "0008_structure_catalogue"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
