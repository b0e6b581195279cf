"""The public search index also carries who is on the black list (``registry.name_index``): every statement that
adds, deletes or truncates black-list entries, and every entry whose institution or period changes, adds a change
mark (``registry_searchnamechange``, migration 0009) in the same transaction, whatever the write path."""

from django.db import migrations

POSTGRES = [
    # The function of migration 0009: one mark row.
    """
    CREATE TRIGGER registry_blacklist_marks_stmt AFTER INSERT OR DELETE OR TRUNCATE ON registry_blacklistentry
    FOR EACH STATEMENT EXECUTE FUNCTION registry_search_name_changed()
    """,
    """
    CREATE TRIGGER registry_blacklist_marks_row AFTER UPDATE ON registry_blacklistentry FOR EACH ROW
    WHEN (OLD.institution_id IS DISTINCT FROM NEW.institution_id OR OLD.start IS DISTINCT FROM NEW.start
          OR OLD."end" IS DISTINCT FROM NEW."end")
    EXECUTE FUNCTION registry_search_name_changed()
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS registry_blacklist_marks_stmt ON registry_blacklistentry",
    "DROP TRIGGER IF EXISTS registry_blacklist_marks_row ON registry_blacklistentry",
]
_MARK = "INSERT INTO registry_searchnamechange (changed_at) VALUES (CURRENT_TIMESTAMP);"
SQLITE = [
    f"CREATE TRIGGER registry_blacklist_marks_ins AFTER INSERT ON registry_blacklistentry BEGIN {_MARK} END",
    f"CREATE TRIGGER registry_blacklist_marks_del AFTER DELETE ON registry_blacklistentry BEGIN {_MARK} END",
    "CREATE TRIGGER registry_blacklist_marks_row AFTER UPDATE ON registry_blacklistentry"
    ' WHEN OLD.institution_id IS NOT NEW.institution_id OR OLD.start IS NOT NEW.start OR OLD."end" IS NOT NEW."end"'
    f" BEGIN {_MARK} END",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in ("registry_blacklist_marks_ins", "registry_blacklist_marks_del", "registry_blacklist_marks_row")
]


def create_triggers(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    for sql in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0009_search_name_change"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers, elidable=False),
    ]
