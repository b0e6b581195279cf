"""Partition the audit chain (issue #17): one head row per chain, per-chain positions, sealed roots.

Events written before this migration become the first part of the ``global`` chain: their ``chain_seq`` is their
old ``seq`` (which was gap-free) and they keep hashing as ``version`` 1. The single head row becomes the head of
``global``, so a row deleted before the migration is still caught by ``audit_verify``.
"""

from django.db import migrations, models

GENESIS = "0" * 64

SEAL_TRIGGER = """
CREATE OR REPLACE FUNCTION core_auditseal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_auditseal is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditseal_no_update_delete ON core_auditseal;
CREATE TRIGGER core_auditseal_no_update_delete
    BEFORE UPDATE OR DELETE ON core_auditseal
    FOR EACH ROW EXECUTE FUNCTION core_auditseal_append_only();
"""

SEAL_TRIGGER_DROP = """
DROP TRIGGER IF EXISTS core_auditseal_no_update_delete ON core_auditseal;
DROP FUNCTION IF EXISTS core_auditseal_append_only();
"""


def number_old_events(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres:  # the append-only trigger refuses UPDATE: lift it for this one, schema-owned rewrite
        schema_editor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_update_delete")
    schema_editor.execute("UPDATE core_auditevent SET chain_seq = seq, chain = 'global', version = 1")
    if postgres:
        schema_editor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_no_update_delete")


def copy_head(apps, schema_editor):
    legacy = apps.get_model("core", "LegacyAuditChainHead").objects.filter(id=1).first()
    if legacy is None or not legacy.last_seq:
        return
    event = apps.get_model("core", "AuditEvent")
    before = event.objects.filter(chain="global", chain_seq=legacy.last_seq - 1).values_list("hash", flat=True).first()
    apps.get_model("core", "AuditChainHead").objects.create(
        chain="global", last_seq=legacy.last_seq, last_hash=legacy.last_hash, prev_hash=before or GENESIS
    )


def copy_head_back(apps, schema_editor):
    head = apps.get_model("core", "AuditChainHead").objects.filter(chain="global").first()
    if head is not None:
        apps.get_model("core", "LegacyAuditChainHead").objects.create(
            id=1, last_seq=head.last_seq, last_hash=head.last_hash
        )


def seal_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEAL_TRIGGER, params=None)


def seal_trigger_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEAL_TRIGGER_DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0004_grid_assignment")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="chain",
            field=models.CharField(default="global", max_length=32, verbose_name="审计链"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_seq",
            field=models.BigIntegerField(default=0, verbose_name="链内序号"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="version",
            field=models.PositiveSmallIntegerField(default=1),
        ),
        migrations.RunPython(number_old_events, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(fields=("chain", "chain_seq"), name="audit_chain_seq_once"),
        ),
        migrations.RenameModel("AuditChainHead", "LegacyAuditChainHead"),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("chain", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("last_seq", models.BigIntegerField(default=0)),
                ("last_hash", models.CharField(default=GENESIS, max_length=64)),
                ("prev_hash", models.CharField(default=GENESIS, max_length=64)),
            ],
            options={"verbose_name": "审计链头", "verbose_name_plural": "审计链头"},
        ),
        migrations.RunPython(copy_head, copy_head_back),
        migrations.DeleteModel("LegacyAuditChainHead"),
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False)),
                ("created_at", models.DateTimeField(verbose_name="时间")),
                ("heads", models.JSONField(default=dict)),
                ("chains", models.PositiveIntegerField(default=0, verbose_name="已封存的链")),
                ("events", models.BigIntegerField(default=0, verbose_name="已封存的记录")),
                ("heads_digest", models.CharField(max_length=64)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64, unique=True)),
            ],
            options={"verbose_name": "审计封存", "verbose_name_plural": "审计封存", "ordering": ["-seq"]},
        ),
        migrations.CreateModel(
            name="AuditSealedHead",
            fields=[
                ("chain", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("seq", models.BigIntegerField()),
                ("hash", models.CharField(max_length=64)),
            ],
            options={"verbose_name": "审计链已封存位置", "verbose_name_plural": "审计链已封存位置"},
        ),
        migrations.RunPython(seal_trigger, seal_trigger_drop),
    ]
