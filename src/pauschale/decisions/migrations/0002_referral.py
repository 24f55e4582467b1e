import encrypted_fields.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('decisions', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='decision',
            name='note',
            field=encrypted_fields.fields.EncryptedTextField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='decision',
            name='referral_reasons',
            field=models.JSONField(default=list),
        ),
        migrations.AlterField(
            model_name='decision',
            name='outcome',
            field=models.CharField(choices=[('approved', 'bewilligt'), ('rejected', 'abgelehnt'), ('referred', 'zur Prüfung')], max_length=10),
        ),
    ]
