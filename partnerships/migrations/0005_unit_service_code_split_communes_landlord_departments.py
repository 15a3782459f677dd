from django.db import migrations, models


def copy_unit_kind(apps, schema_editor):
    TerritoryAssignment = apps.get_model("partnerships", "TerritoryAssignment")
    for kind in ("police", "gendarmerie"):
        TerritoryAssignment.objects.filter(unit__kind=kind).update(force=kind)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0004_oidc_identity"),
    ]

    operations = [
        migrations.AddField(
            model_name="organisation",
            name="service_code",
            field=models.CharField(
                blank=True,
                max_length=30,
                null=True,
                unique=True,
                verbose_name="identifiant du service (ministère de l'Intérieur)",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="departments",
            field=models.ManyToManyField(
                blank=True,
                related_name="operating_landlords",
                to="partnerships.department",
                verbose_name="autres départements d'intervention (bailleur)",
            ),
        ),
        migrations.AddField(
            model_name="housingsite",
            name="force",
            field=models.CharField(
                blank=True,
                choices=[("police", "Police nationale"), ("gendarmerie", "Gendarmerie nationale")],
                db_default="",
                default="",
                max_length=20,
                verbose_name="force compétente (commune partagée)",
            ),
        ),
        migrations.AddField(
            model_name="territoryassignment",
            name="postal_codes",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=200, verbose_name="codes postaux"
            ),
        ),
        migrations.AddField(
            model_name="territoryassignment",
            name="force",
            field=models.CharField(
                choices=[
                    ("prefecture", "Préfecture"),
                    ("landlord", "Bailleur social"),
                    ("police", "Police nationale"),
                    ("gendarmerie", "Gendarmerie nationale"),
                    ("municipality", "Commune (mairie)"),
                    ("parquet", "Parquet"),
                ],
                default="",
                max_length=20,
                verbose_name="force",
            ),
            preserve_default=False,
        ),
        migrations.RemoveConstraint(model_name="organisation", name="organisation_unique_name"),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("service_code__isnull", True)),
                fields=("department", "kind", "name"),
                name="organisation_unique_name",
            ),
        ),
        migrations.RunPython(copy_unit_kind, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="territoryassignment", name="one_current_unit_per_commune"),
        migrations.AddConstraint(
            model_name="territoryassignment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("valid_until__isnull", True)),
                fields=("commune", "force"),
                name="one_current_unit_per_commune_and_force",
                violation_error_message="Cette commune a déjà une unité compétente de cette force.",
            ),
        ),
        migrations.AddConstraint(
            model_name="territoryassignment",
            constraint=models.CheckConstraint(
                condition=models.Q(("force__in", ["police", "gendarmerie"])),
                name="territory_force_is_a_force",
            ),
        ),
    ]
