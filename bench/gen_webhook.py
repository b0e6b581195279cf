"""Data for bench_webhook: a custody bank, institutions in five counties with enrolments, COUNT pending orders.

Run by bench_webhook in a child process with the bench server's settings and database:

    python -m bench.gen_webhook COUNT

Prints one JSON line: the bank's code and notification secret, and the orders as [order_no, amount_fen].
Not a bench module itself (the runner imports only bench_*.py).
"""

from __future__ import annotations

import datetime
import json
import os
import sys

INSTITUTIONS = 20
# Kaifeng's districts and counties: a bank serves a city, its payments come from several counties.
COUNTIES = ("410202", "410203", "410204", "410205", "410212")
ENROLMENTS_PER_INSTITUTION = 10


def main(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.config.settings.production")
    import django

    django.setup()
    from shuangjian.funds.models import PaymentOrder, PaymentOrderStatus
    from shuangjian.funds.tests.factories import (
        BankFactory,
        ClassGroupFactory,
        CourseFactory,
        CustodyAccountFactory,
        EnrolmentFactory,
        InstitutionFactory,
    )

    bank = BankFactory.create(code="benchbank", notification_secret="bench-secret-0123456789abcdef")
    enrolments = []
    for i in range(INSTITUTIONS):
        institution = InstitutionFactory.create(division_code=COUNTIES[i % len(COUNTIES)])
        CustodyAccountFactory.create(institution=institution, bank=bank)
        course = CourseFactory.create(institution=institution)
        group = ClassGroupFactory.create(course=course)
        enrolments += [EnrolmentFactory.create(class_group=group) for _j in range(ENROLMENTS_PER_INSTITUTION)]
    orders = [
        PaymentOrder(
            order_no=f"BENCH{n:09d}",
            enrolment=enrolments[n % len(enrolments)],
            institution_id=enrolments[n % len(enrolments)].institution_id,
            bank=bank,
            amount_fen=10_000 + n % 100,
            class_hours=1,
            period_start=datetime.date(2026, 3, 1),
            period_end=datetime.date(2026, 5, 31),
            status=PaymentOrderStatus.PENDING,
            division_code=enrolments[n % len(enrolments)].division_code,
        )
        for n in range(count)
    ]
    PaymentOrder.objects.bulk_create(orders, batch_size=5000)
    print(
        json.dumps(
            {
                "bank": bank.code,
                "secret": bank.notification_secret,
                "orders": [[o.order_no, o.amount_fen] for o in orders],
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
