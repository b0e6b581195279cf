"""PostgreSQL only: a trigram index so the public query's name search ("contains") stays fast at 200k rows.

SQLite has no pg_trgm; there the search falls back to a scan, which is fine at laptop sizes.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS inst_name_trgm ON registry_institution USING gin (name gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS inst_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_list_publications_survey")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
