"""Product and ProductOption now belong to the `catalogue` app (orders/catalogue/): removed from
this app's state only (order lines point at the catalogue's model); tables and rows stay."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0008_structure_scans"),
        ("catalogue", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='orderline',
                    name='product',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catalogue.product'),
                ),
                migrations.DeleteModel(
                    name='ProductOption',
                ),
                migrations.DeleteModel(
                    name='Product',
                ),
            ],
        )
    ]
