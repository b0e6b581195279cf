"""The bank webhook's fast path (issue #17): answered early by ``BankNotificationMiddleware`` with the API route's
answers, the bank row remembered per process but never trusted past a change."""

from __future__ import annotations

import copy
import datetime
import json

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client, override_settings

from shuangjian.core.models import AuditEvent

from .. import ledger, payments, services
from ..banks.simulated import SimulatedBank
from ..models import BankNotification, JournalEntry, PaymentOrder, PaymentOrderStatus, SignatureScheme
from ..signing import signed_headers

EARLY = "shuangjian.funds.middleware.BankNotificationMiddleware"
WITHOUT_EARLY = [m for m in django_settings.MIDDLEWARE if m != EARLY]


@pytest.fixture
def order(world):
    return services.payment_order_create(
        actor=None,
        enrolment=world.enrolment,
        class_hours=20,
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 5, 31),
        today=datetime.date(2026, 2, 15),
    )


def _post(client, code: str, body: bytes, headers: dict[str, str]):
    return client.post(
        f"/api/v1/banks/{code}/notifications", data=body, content_type="application/json", headers=headers
    )


def test_the_early_answer_is_the_api_routes_answer_byte_for_byte(world, order):
    assert EARLY in django_settings.MIDDLEWARE
    sim = SimulatedBank(world.bank)
    secret = world.bank.notification_secret
    booked = sim.notification_body(order_no=order.order_no, amount_fen=order.amount_fen, notification_id="B1")
    parked = sim.notification_body(order_no="PO-NOPE", amount_fen=700, notification_id="S1")
    first = {
        name: _post(Client(), "simbank", body, signed_headers(secret, body))
        for name, body in (("booked", booked), ("parked", parked))
    }
    assert json.loads(first["booked"].content)["result"] == "booked"
    assert json.loads(first["parked"].content)["result"] == "suspense"
    assert "Idempotent-Replayed" not in first["booked"].headers
    with override_settings(MIDDLEWARE=WITHOUT_EARLY):
        # The same notifications again through the whole stack and the API route: the stored answers, replayed.
        for name, body in (("booked", booked), ("parked", parked)):
            again = _post(Client(), "simbank", body, signed_headers(secret, body))
            assert again.status_code == 200
            assert again.content == first[name].content
            assert again.headers["Idempotent-Replayed"] == "true"
            assert again.headers["Content-Type"] == first[name].headers["Content-Type"]
        # Refusals, each through both paths: same status, same bytes.
        refusals = [
            ("simbank", booked, signed_headers("wrong", booked)),
            ("simbank", booked, {}),
            ("simbank", b"{not json", signed_headers(secret, b"{not json")),
            ("simbank", b'{"notification_id": ""}', signed_headers(secret, b'{"notification_id": ""}')),
            ("nobank", booked, signed_headers(secret, booked)),
        ]
        routed = [_post(Client(), *case) for case in refusals]
    early = [_post(Client(), *case) for case in refusals]
    for via_route, via_early in zip(routed, early, strict=True):
        assert via_early.status_code == via_route.status_code and via_early.status_code in (400, 401, 404)
        assert via_early.content == via_route.content
        assert via_early.headers["Content-Type"] == via_route.headers["Content-Type"]
        assert via_early.headers["X-Frame-Options"] == via_route.headers["X-Frame-Options"] == "DENY"
    # The replay through the early path carries the header too; one entry per notification.
    replay = _post(Client(), "simbank", booked, signed_headers(secret, booked))
    assert replay.content == first["booked"].content and replay.headers["Idempotent-Replayed"] == "true"
    assert JournalEntry.objects.count() == 2
    assert ledger.ledger_invariant_problems() == []


def test_the_early_path_books_with_the_callers_address_in_the_audit_log(world, order, client):
    sent = SimulatedBank(world.bank).pay(order, client=client)
    assert sent.body["result"] == "booked"
    order.refresh_from_db()
    assert order.status == PaymentOrderStatus.PAID and order.entry_id == sent.body["entry_id"]
    notification = BankNotification.objects.get()
    assert (notification.order_id, notification.entry_id, notification.division_code) == (
        order.pk,
        order.entry_id,
        order.division_code,
    )
    paid = AuditEvent.objects.get(action="funds.order_paid")
    assert paid.object_id == str(order.pk) and paid.ip == "127.0.0.1"
    assert paid.after is not None and paid.after["entry"] == order.entry_id
    assert AuditEvent.objects.get(action="ledger.payment_in").object_id == str(order.entry_id)
    assert ledger.account_for_parent_enrolment(world.enrolment).balance_fen == order.amount_fen
    assert ledger.ledger_invariant_problems() == []


def test_other_methods_and_paths_go_down_the_stack(world, client):
    r = client.get("/api/v1/banks/simbank/notifications")
    assert r.status_code == 405 and r.json()["code"]
    r = client.post("/api/v1/banks/simbank/extra/notifications", data=b"{}", content_type="application/json")
    assert r.status_code == 404
    assert BankNotification.objects.count() == 0


def test_a_bank_deactivated_or_given_a_new_secret_or_scheme_applies_to_the_next_notification(world, order):
    sim = SimulatedBank(world.bank)
    client = Client()
    body = sim.notification_body(order_no="PO-NOPE", amount_fen=100, notification_id="K1")
    assert _post(client, "simbank", body, signed_headers("test-secret", body)).status_code == 200  # remembered now
    world.bank.is_active = False
    world.bank.save(update_fields=["is_active"])
    body = sim.notification_body(order_no="PO-NOPE", amount_fen=100, notification_id="K2")
    r = _post(client, "simbank", body, signed_headers("test-secret", body))
    assert (r.status_code, r.json()["code"]) == (404, "bank_not_found")
    world.bank.is_active = True
    world.bank.notification_secret = "rotated-secret"
    world.bank.save(update_fields=["is_active", "notification_secret"])
    r = _post(client, "simbank", body, signed_headers("test-secret", body))
    assert (r.status_code, r.json()["code"]) == (401, "signature_invalid")
    assert _post(client, "simbank", body, signed_headers("rotated-secret", body)).status_code == 200
    # Another scheme while this process still remembers the old one: the next request is verified by the new one.
    world.bank.signature_scheme = SignatureScheme.BODY
    world.bank.save(update_fields=["signature_scheme"])
    body = sim.notification_body(order_no=order.order_no, amount_fen=order.amount_fen, notification_id="K3")
    r = _post(client, "simbank", body, signed_headers("rotated-secret", body, scheme=SignatureScheme.BODY))
    assert r.status_code == 200 and r.json()["result"] == "booked"
    # A secret changed between the signature check and the claim: nothing is written, the bank is read again.
    world.bank.signature_scheme = SignatureScheme.TIMESTAMP_BODY
    world.bank.save(update_fields=["signature_scheme"])
    body = sim.notification_body(order_no="PO-NOPE", amount_fen=100, notification_id="K4")
    assert _post(client, "simbank", body, signed_headers("rotated-secret", body)).status_code == 200
    world.bank.notification_secret = "third-secret"
    world.bank.save(update_fields=["notification_secret"])
    body = sim.notification_body(order_no="PO-NOPE", amount_fen=100, notification_id="K5")
    stale = copy.copy(world.bank)
    stale.notification_secret = "rotated-secret"
    payments._BANKS["simbank"] = stale
    r = _post(client, "simbank", body, signed_headers("rotated-secret", body))
    assert (r.status_code, r.json()["code"]) == (401, "signature_invalid")
    assert not BankNotification.objects.filter(notification_id="K5").exists()
    assert ledger.ledger_invariant_problems() == []


def test_a_bank_that_keeps_changing_under_the_request_gets_409_and_nothing_is_written(world, monkeypatch):
    stale = copy.copy(world.bank)
    stale.notification_secret = "what-this-process-believes"
    monkeypatch.setattr(payments, "notification_bank", lambda code, fresh=False: (stale, fresh))
    body = SimulatedBank(world.bank).notification_body(order_no="PO-NOPE", amount_fen=100)
    r = _post(Client(), "simbank", body, signed_headers(stale.notification_secret, body))
    assert (r.status_code, r.json()["code"]) == (409, "bank_changed")
    assert r.json()["detail"]
    assert BankNotification.objects.count() == 0 and JournalEntry.objects.count() == 0


def test_a_value_the_database_refuses_is_400_not_500(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite stores a NUL character; PostgreSQL refuses it")
    body = json.dumps({"notification_id": "N\u0000", "amount_fen": 100, "bank_reference": "R"}).encode()
    r = _post(Client(), "simbank", body, signed_headers("test-secret", body))
    assert (r.status_code, r.json()["code"]) == (400, "invalid_value")
    assert BankNotification.objects.count() == 0


def test_a_paid_order_paid_again_is_parked_and_the_order_stays_paid_once(world, order, client):
    sim = SimulatedBank(world.bank)
    assert sim.pay(order, client=client).body["result"] == "booked"
    again = sim.pay(order, client=client)
    assert again.body["result"] == "suspense" and order.order_no in again.body["detail"]
    assert PaymentOrder.objects.get(pk=order.pk).status == PaymentOrderStatus.PAID
    assert JournalEntry.objects.filter(kind="payment_in").count() == 1
    assert ledger.ledger_invariant_problems() == []
