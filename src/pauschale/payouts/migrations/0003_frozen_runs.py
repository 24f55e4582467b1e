"""A released payment run cannot change, even by SQL that bypasses the models.

Triggers refuse to change or delete a released or cancelled run, and to add,
change or delete its items and files; a payment that went into a run keeps its
amount, EndToEndId and application. On SQLite (demo and development only)
deletes are left to the models, because Django's test flush deletes rows one
table at a time there; on PostgreSQL it truncates, which row triggers do not see.
"""

from django.db import migrations

MESSAGE = "payouts: a released or cancelled payment run and its items and files cannot change"
PAYMENT_MESSAGE = "payouts: a payment in a run keeps its amount, EndToEndId and application"

RUN_FROZEN = "(SELECT status FROM payouts_paymentrun WHERE id = {row}.run_id) <> 'prepared'"
PAYMENT_CHANGED = (
    "OLD.status <> 'open' AND (NEW.amount_cents <> OLD.amount_cents"
    " OR NEW.end_to_end_id <> OLD.end_to_end_id"
    " OR NEW.application_id <> OLD.application_id)"
)

SQLITE_CREATE = [
    f"""CREATE TRIGGER payouts_run_frozen_update BEFORE UPDATE ON payouts_paymentrun
    WHEN OLD.status <> 'prepared' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER payouts_payment_frozen_update BEFORE UPDATE ON payouts_payment
    WHEN {PAYMENT_CHANGED} BEGIN SELECT RAISE(ABORT, '{PAYMENT_MESSAGE}'); END""",
]
for table in ("payouts_paymentrunitem", "payouts_paymentfile"):
    SQLITE_CREATE += [
        f"""CREATE TRIGGER {table}_frozen_insert BEFORE INSERT ON {table}
        WHEN {RUN_FROZEN.format(row="NEW")} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
        f"""CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table}
        WHEN {RUN_FROZEN.format(row="OLD")} OR {RUN_FROZEN.format(row="NEW")}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    ]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS payouts_run_frozen_update",
    "DROP TRIGGER IF EXISTS payouts_payment_frozen_update",
    "DROP TRIGGER IF EXISTS payouts_paymentrunitem_frozen_insert",
    "DROP TRIGGER IF EXISTS payouts_paymentrunitem_frozen_update",
    "DROP TRIGGER IF EXISTS payouts_paymentfile_frozen_insert",
    "DROP TRIGGER IF EXISTS payouts_paymentfile_frozen_update",
]

POSTGRES_CREATE = [
    f"""CREATE FUNCTION payouts_refuse_frozen_run() RETURNS trigger AS $$
    BEGIN
      IF OLD.status <> 'prepared' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER payouts_run_frozen BEFORE UPDATE OR DELETE ON payouts_paymentrun
    FOR EACH ROW EXECUTE FUNCTION payouts_refuse_frozen_run()""",
    f"""CREATE FUNCTION payouts_refuse_frozen_part() RETURNS trigger AS $$
    BEGIN
      IF (TG_OP <> 'INSERT' AND {RUN_FROZEN.format(row="OLD")})
         OR (TG_OP <> 'DELETE' AND {RUN_FROZEN.format(row="NEW")}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER payouts_item_frozen BEFORE INSERT OR UPDATE OR DELETE
    ON payouts_paymentrunitem FOR EACH ROW EXECUTE FUNCTION payouts_refuse_frozen_part()""",
    """CREATE TRIGGER payouts_file_frozen BEFORE INSERT OR UPDATE OR DELETE
    ON payouts_paymentfile FOR EACH ROW EXECUTE FUNCTION payouts_refuse_frozen_part()""",
    f"""CREATE FUNCTION payouts_refuse_payment_change() RETURNS trigger AS $$
    BEGIN
      IF {PAYMENT_CHANGED} THEN
        RAISE EXCEPTION '{PAYMENT_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER payouts_payment_frozen BEFORE UPDATE ON payouts_payment
    FOR EACH ROW EXECUTE FUNCTION payouts_refuse_payment_change()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS payouts_payment_frozen ON payouts_payment",
    "DROP TRIGGER IF EXISTS payouts_file_frozen ON payouts_paymentfile",
    "DROP TRIGGER IF EXISTS payouts_item_frozen ON payouts_paymentrunitem",
    "DROP TRIGGER IF EXISTS payouts_run_frozen ON payouts_paymentrun",
    "DROP FUNCTION IF EXISTS payouts_refuse_payment_change()",
    "DROP FUNCTION IF EXISTS payouts_refuse_frozen_part()",
    "DROP FUNCTION IF EXISTS payouts_refuse_frozen_run()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in statements:
            schema_editor.execute(statement)

    return run


def number_attempts(apps, schema_editor):
    """Existing payments learn their attempt from the end of their EndToEndId."""
    Payment = apps.get_model("payouts", "Payment")
    for payment in Payment.objects.exclude(end_to_end_id__endswith="-1").only(
        "pk", "end_to_end_id"
    ):
        suffix = payment.end_to_end_id.rsplit("-", 1)[-1]
        if suffix.isdigit():
            Payment.objects.filter(pk=payment.pk).update(attempt=int(suffix))


class Migration(migrations.Migration):
    dependencies = [
        ("payouts", "0002_bank_returns_and_release"),
    ]

    operations = [
        migrations.RunPython(number_attempts, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        ),
    ]
