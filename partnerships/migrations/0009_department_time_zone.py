from django.db import migrations, models

# Frozen copy of partnerships.localtime.DEPARTMENT_TIME_ZONES: a migration must not change when the code does.
TIME_ZONES = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}


def fill_time_zones(apps, schema_editor):
    Department = apps.get_model("partnerships", "Department")
    for code, zone in TIME_ZONES.items():
        Department.objects.filter(code=code).update(time_zone=zone)


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0008_invitation_loginsession")]

    operations = [
        migrations.AddField(
            model_name="department",
            name="time_zone",
            field=models.CharField(default="Europe/Paris", max_length=40, verbose_name="fuseau horaire"),
        ),
        migrations.RunPython(fill_time_zones, migrations.RunPython.noop),
    ]
