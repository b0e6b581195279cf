"""Institution status "unlicensed" (无证办学): survey rows without a licence were stored as "applying", listing
operations found without a licence as if they had applied. Those rows (applying, no licence number, no licence
application, a survey record) become unlicensed: to be closed or licensed."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef

STATUS_CHOICES = [
    ("applying", "申请中"),
    ("unlicensed", "无证办学"),
    ("active", "正常办学"),
    ("suspended", "停止招生"),
    ("stopped", "停止办学"),
    ("revoked", "已吊销"),
    ("deregistered", "已注销"),
]


def surveyed_unlicensed(apps):
    Institution = apps.get_model("registry", "Institution")
    LicenceApplication = apps.get_model("registry", "LicenceApplication")
    SurveyRecord = apps.get_model("registry", "SurveyRecord")
    return (
        Institution.objects.filter(licence_no__isnull=True)
        .filter(Exists(SurveyRecord.objects.filter(institution=OuterRef("pk"))))
        .exclude(Exists(LicenceApplication.objects.filter(institution=OuterRef("pk"))))
    )


def forwards(apps, schema_editor):
    surveyed_unlicensed(apps).filter(status="applying").update(status="unlicensed")


def backwards(apps, schema_editor):
    surveyed_unlicensed(apps).filter(status="unlicensed").update(status="applying")


class Migration(migrations.Migration):
    dependencies = [("registry", "0006_institution_search_name")]

    operations = [
        migrations.AlterField(
            model_name="historicalinstitution",
            name="status",
            field=models.CharField(
                choices=STATUS_CHOICES, db_index=True, default="applying", max_length=14, verbose_name="状态"
            ),
        ),
        migrations.AlterField(
            model_name="institution",
            name="status",
            field=models.CharField(
                choices=STATUS_CHOICES, db_index=True, default="applying", max_length=14, verbose_name="状态"
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
