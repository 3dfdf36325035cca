"""Scan and FootPhoto move here from `orders`: state only, the tables (orders_scan,
orders_footphoto) and their rows stay exactly as they are."""

import django.db.models.deletion
import orders.scans.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('orders', '0007_only_clinicians_approve_for_lab'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='FootPhoto',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('left_photo', 'Left foot'), ('right_photo', 'Right foot'), ('other_photo', 'Other')], max_length=12)),
                        ('file', models.FileField(max_length=200, upload_to=orders.scans.models.photo_upload_to)),
                        ('file_format', models.CharField(max_length=4)),
                        ('width', models.PositiveIntegerField(default=0)),
                        ('height', models.PositiveIntegerField(default=0)),
                        ('size_bytes', models.PositiveIntegerField(default=0)),
                        ('sha256', models.CharField(blank=True, max_length=64)),
                        ('is_current', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='foot_photos', to='orders.order')),
                    ],
                    options={
                        'verbose_name': 'foot photo',
                        'verbose_name_plural': 'foot photos',
                        'db_table': 'orders_footphoto',
                        'ordering': ['order', 'role', '-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Scan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('side', models.CharField(choices=[('left', 'Left foot'), ('right', 'Right foot')], max_length=5, verbose_name='foot')),
                        ('revision', models.PositiveIntegerField(verbose_name='revision')),
                        ('file', models.FileField(max_length=200, upload_to=orders.scans.models.scan_upload_to, verbose_name='scan file')),
                        ('original_name', models.CharField(max_length=255, verbose_name='file name as uploaded')),
                        ('file_format', models.CharField(blank=True, max_length=8, verbose_name='format')),
                        ('size_bytes', models.PositiveBigIntegerField(default=0, verbose_name='bytes')),
                        ('sha256', models.CharField(blank=True, db_index=True, max_length=64)),
                        ('status', models.CharField(choices=[('uploaded', 'Uploaded'), ('checking', 'Checking'), ('valid', 'Valid'), ('needs_review', 'Needs staff review'), ('rejected', 'Rejected')], db_index=True, default='uploaded', max_length=16, verbose_name='status')),
                        ('rejection_code', models.CharField(blank=True, max_length=40)),
                        ('rejection_message', models.TextField(blank=True, verbose_name='why it was rejected')),
                        ('warnings', models.JSONField(blank=True, default=list, verbose_name='warnings')),
                        ('review_reasons', models.JSONField(blank=True, default=list, verbose_name='why staff must review it')),
                        ('unit', models.CharField(blank=True, max_length=8, verbose_name='unit guess')),
                        ('unit_confidence', models.FloatField(blank=True, null=True, verbose_name='unit confidence')),
                        ('scale_to_mm', models.FloatField(blank=True, null=True)),
                        ('measurements', models.JSONField(blank=True, default=dict, verbose_name='measurements (mm)')),
                        ('side_guess', models.CharField(blank=True, max_length=5, verbose_name='foot it looks like')),
                        ('triangle_count', models.PositiveIntegerField(blank=True, null=True, verbose_name='triangles')),
                        ('bbox_mm', models.JSONField(blank=True, default=list, verbose_name='bounding box (mm)')),
                        ('report', models.JSONField(blank=True, default=dict)),
                        ('preview', models.FileField(blank=True, max_length=200, upload_to=orders.scans.models.scan_preview_upload_to)),
                        ('is_current', models.BooleanField(default=False, verbose_name='in use')),
                        ('check_attempts', models.PositiveSmallIntegerField(default=0)),
                        ('accepted_at', models.DateTimeField(blank=True, null=True, verbose_name='accepted after review')),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('validated_at', models.DateTimeField(blank=True, null=True)),
                        ('accepted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('order', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='scans', to='orders.order')),
                    ],
                    options={
                        'verbose_name': 'foot scan',
                        'verbose_name_plural': 'foot scans',
                        'db_table': 'orders_scan',
                        'ordering': ['order', 'side', '-revision'],
                        'permissions': [('accept_scan', 'Can accept a scan after review')],
                        'constraints': [models.UniqueConstraint(fields=('order', 'side', 'revision'), name='uniq_scan_revision'), models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('order', 'side'), name='uniq_current_scan_per_side')],
                    },
                ),
            ],
        )
    ]
