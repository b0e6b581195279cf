"""PostgreSQL only: the name trigram index without GIN's "fast update" pending list.

With fast update on, new index entries wait in an unsorted pending list (up to ``gin_pending_list_limit``, 4 MB)
until a vacuum merges them, and every search reads that whole list: after a bulk import it cost the public name
search more than the index lookup itself. Institutions are written rarely and searched constantly, so entries go
straight into the index; the existing pending list is merged here once.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER INDEX IF EXISTS inst_name_trgm SET (fastupdate = off)")
    schema_editor.execute(
        "SELECT gin_clean_pending_list('inst_name_trgm'::regclass) WHERE to_regclass('inst_name_trgm') IS NOT NULL"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER INDEX IF EXISTS inst_name_trgm RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("registry", "0004_institution_list_order_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
