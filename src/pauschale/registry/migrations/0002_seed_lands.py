from django.db import migrations

from pauschale.common.lands import LANDS


def seed_lands(apps, schema_editor):
    Land = apps.get_model("registry", "Land")
    for code, (name, name_en) in LANDS.items():
        Land.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en})


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(seed_lands, migrations.RunPython.noop)]
