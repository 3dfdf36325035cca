"""Product and ProductOption move here from `orders`: state only, the tables (orders_product,
orders_productoption) and their rows stay exactly as they are."""

import django.db.models.deletion
import orders.catalogue.models
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("orders", "0007_only_clinicians_approve_for_lab"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Product',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(unique=True)),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('summary', models.CharField(max_length=200, verbose_name='summary')),
                        ('description', models.TextField(verbose_name='description')),
                        ('included', models.TextField(blank=True, verbose_name='what is included')),
                        ('turnaround_days', models.PositiveSmallIntegerField(default=10, verbose_name='turnaround (working days)')),
                        ('base_price', models.PositiveIntegerField(verbose_name='price (minor units)')),
                        ('currency', models.CharField(default=orders.catalogue.models.default_currency, max_length=3)),
                        ('image', models.CharField(blank=True, max_length=200, verbose_name='image (static path)')),
                        ('image_alt', models.CharField(blank=True, max_length=200, verbose_name='image description')),
                        ('is_active', models.BooleanField(default=True, verbose_name='on sale')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                    ],
                    options={
                        'verbose_name': 'product',
                        'verbose_name_plural': 'products',
                        'db_table': 'orders_product',
                        'ordering': ['position', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='ProductOption',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('top_cover', 'Top cover'), ('extra_pair', 'Extra pair')], max_length=20)),
                        ('code', models.SlugField(max_length=40)),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('price_delta', models.IntegerField(default=0, verbose_name='price change (minor units)')),
                        ('is_default', models.BooleanField(default=False)),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='options', to='catalogue.product')),
                    ],
                    options={
                        'verbose_name': 'product option',
                        'verbose_name_plural': 'product options',
                        'db_table': 'orders_productoption',
                        'ordering': ['kind', 'position', 'name'],
                        'constraints': [models.UniqueConstraint(fields=('product', 'kind', 'code'), name='uniq_product_option')],
                    },
                ),
            ],
        )
    ]
