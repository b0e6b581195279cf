"""The public name index's change marks: a row per statement that creates, renames, re-codes or deletes
institutions, written by triggers so that every write path (services, admin, imports, bulk loads) is seen."""

import django.db.models.functions.datetime
from django.db import migrations, models

TRIGGERS = ("registry_inst_names_stmt", "registry_inst_names_row", "registry_inst_names_ins", "registry_inst_names_del")

POSTGRES = [
    """
    CREATE FUNCTION registry_search_name_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO registry_searchnamechange (changed_at) VALUES (now());
      RETURN NULL;
    END $$
    """,
    # Inserts, deletes and truncation once per statement (a bulk load is one mark per batch), renames and new
    # USCCs (the order's tie-break) once per changed row; other updates (status, address...) mark nothing.
    """
    CREATE TRIGGER registry_inst_names_stmt AFTER INSERT OR DELETE OR TRUNCATE ON registry_institution
    FOR EACH STATEMENT EXECUTE FUNCTION registry_search_name_changed()
    """,
    """
    CREATE TRIGGER registry_inst_names_row AFTER UPDATE ON registry_institution FOR EACH ROW
    WHEN (OLD.search_name IS DISTINCT FROM NEW.search_name OR OLD.uscc IS DISTINCT FROM NEW.uscc)
    EXECUTE FUNCTION registry_search_name_changed()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS registry_inst_names_stmt ON registry_institution",
    "DROP TRIGGER IF EXISTS registry_inst_names_row ON registry_institution",
    "DROP FUNCTION IF EXISTS registry_search_name_changed()",
]
_MARK = "INSERT INTO registry_searchnamechange (changed_at) VALUES (CURRENT_TIMESTAMP);"
SQLITE = [
    f"CREATE TRIGGER registry_inst_names_ins AFTER INSERT ON registry_institution BEGIN {_MARK} END",
    f"CREATE TRIGGER registry_inst_names_del AFTER DELETE ON registry_institution BEGIN {_MARK} END",
    "CREATE TRIGGER registry_inst_names_row AFTER UPDATE ON registry_institution"
    f" WHEN OLD.name IS NOT NEW.name OR OLD.uscc IS NOT NEW.uscc BEGIN {_MARK} END",
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]


def create_triggers(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    for sql in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0008_site_lease_start_name_key"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchNameChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "changed_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), verbose_name="变更时间"),
                ),
            ],
            options={
                "verbose_name": "机构名称变更标记",
                "verbose_name_plural": "机构名称变更标记",
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
