"""``Institution.search_name``: the name as the public search compares it (``registry.names.search_form``), computed
by the database, so names written with full-width brackets are found by the exact name however it is typed.

On PostgreSQL the search's two indexes move from ``name`` to ``search_name``: a pattern-ops btree for the prefix
range it walks, and the trigram index behind its contains match (same name, ``inst_name_trgm``, still without
GIN's pending list as in 0005), which served only the search. SQLite rebuilds the table to add a generated column and keeps only the
indexes the model declares, so the list-order index of 0004 is created again.
"""

from django.db import migrations, models

import shuangjian.registry.names


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS inst_search_name_like ON registry_institution (search_name text_pattern_ops)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS inst_name_trgm")
    schema_editor.execute(
        "CREATE INDEX inst_name_trgm ON registry_institution USING gin (search_name gin_trgm_ops) WITH (fastupdate = off)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS inst_name_trgm")
    schema_editor.execute(
        "CREATE INDEX inst_name_trgm ON registry_institution USING gin (name gin_trgm_ops) WITH (fastupdate = off)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS inst_search_name_like")


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_institution_name_trigram_no_fastupdate")]

    operations = [
        migrations.AddField(
            model_name="institution",
            name="search_name",
            field=models.GeneratedField(
                db_persist=True,
                expression=shuangjian.registry.names.SearchForm("name"),
                output_field=models.TextField(),
            ),
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS inst_div_name_id ON registry_institution (division_code, name, id)",
            migrations.RunSQL.noop,
            elidable=False,
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
