"""An index matching the regulator lists' order (division, name, id): a page of a filtered list can walk it and
stop after one page instead of sorting every institution in reach (measured in bench/bench_registry.py).

Created with SQL (like the trigram index) because the model's Meta belongs to the registry's other module owner;
makemigrations ignores it.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_institution_name_trigram")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS inst_div_name_id ON registry_institution (division_code, name, id)",
            "DROP INDEX IF EXISTS inst_div_name_id",
            elidable=False,
        )
    ]
