"""On PostgreSQL (TRUNCATE stays possible: test databases are flushed with it): journal entries and postings are append-only, and each entry's postings sum to zero.

The zero-sum check is a deferred constraint trigger: it runs at COMMIT, after every posting of the entry is in,
so a half-written entry can never be committed even by code that bypasses ``ledger.journal_post``.
SQLite has no equivalent; there ``journal_post`` (the only writer) checks the sum before inserting.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION funds_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER funds_journalentry_append_only BEFORE UPDATE OR DELETE ON funds_journalentry
    FOR EACH ROW EXECUTE FUNCTION funds_ledger_append_only();
CREATE TRIGGER funds_posting_append_only BEFORE UPDATE OR DELETE ON funds_posting
    FOR EACH ROW EXECUTE FUNCTION funds_ledger_append_only();

CREATE OR REPLACE FUNCTION funds_posting_zero_sum() RETURNS trigger AS $$
DECLARE
    total numeric;
    n integer;
BEGIN
    SELECT COALESCE(SUM(amount_fen), 0), COUNT(*) INTO total, n FROM funds_posting WHERE entry_id = NEW.entry_id;
    IF total <> 0 OR n < 2 THEN
        RAISE EXCEPTION 'journal entry % does not balance (sum %, % postings)', NEW.entry_id, total, n
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER funds_posting_zero_sum AFTER INSERT ON funds_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION funds_posting_zero_sum();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS funds_posting_zero_sum ON funds_posting;
DROP FUNCTION IF EXISTS funds_posting_zero_sum();
DROP TRIGGER IF EXISTS funds_journalentry_append_only ON funds_journalentry;
DROP TRIGGER IF EXISTS funds_posting_append_only ON funds_posting;
DROP FUNCTION IF EXISTS funds_ledger_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("funds", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
