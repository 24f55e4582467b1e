import django.db.models.deletion
import encrypted_fields.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0003_institution_external_id_length'),
    ]

    operations = [
        migrations.CreateModel(
            name='CodeDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('payload', encrypted_fields.fields.EncryptedTextField(blank=True, null=True)),
                ('created_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('csv_downloaded_at', models.DateTimeField(blank=True, null=True)),
                ('letters_downloaded_at', models.DateTimeField(blank=True, null=True)),
                ('destroyed_at', models.DateTimeField(blank=True, null=True)),
                ('batch', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='delivery', to='registry.accesscodebatch')),
            ],
        ),
    ]
