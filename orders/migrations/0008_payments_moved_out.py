"""Payment and StripeEvent now belong to the payments app (orders/payments): state only.

The tables stay (`orders_payment`, `orders_stripeevent`); `payments.0001_initial` took them over and
`payments.0002_move_content_types` moved their content types, so permissions and groups keep them.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_only_clinicians_approve_for_lab"),
        ("payments", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="Payment"),
                migrations.DeleteModel(name="StripeEvent"),
            ],
        ),
    ]
