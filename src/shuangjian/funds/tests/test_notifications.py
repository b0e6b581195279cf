from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import json
import time

import pytest
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client

from .. import ledger, services
from ..banks.simulated import SimulatedBank
from ..models import (
    BankNotification,
    JournalEntry,
    NotificationOutcome,
    PaymentOrder,
    PaymentOrderStatus,
    SignatureScheme,
    SuspenseCase,
)
from ..signing import signed_headers


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


def test_paid_order_is_booked_once_and_a_repeat_gets_the_first_answer(world, order, client):
    sim = SimulatedBank(world.bank)
    body = sim.notification_body(order_no=order.order_no, amount_fen=order.amount_fen, notification_id="N1")
    first = sim.send(body, client=client)
    assert first.status == 200, first.body
    assert first.body["result"] == "booked"
    second = sim.send(body, client=client)
    assert second.status == 200
    assert second.body == first.body
    assert second.headers.get("Idempotent-Replayed") == "true"
    order.refresh_from_db()
    assert order.status == PaymentOrderStatus.PAID
    assert JournalEntry.objects.count() == 1
    assert ledger.account_for_parent_enrolment(world.enrolment).balance_fen == order.amount_fen
    assert ledger.ledger_invariant_problems() == []


def test_payment_is_booked_on_the_day_the_bank_says_it_was_paid_never_in_the_future(world, order, client):
    from django.utils import timezone

    sim = SimulatedBank(world.bank)
    today = timezone.localdate()
    late_evening = datetime.datetime.combine(
        today - datetime.timedelta(days=1), datetime.time(23, 50), tzinfo=timezone.get_current_timezone()
    )
    body = json.loads(sim.notification_body(order_no=order.order_no, amount_fen=order.amount_fen))
    body["paid_at"] = late_evening.isoformat()
    assert sim.send(json.dumps(body).encode(), client=client).status == 200
    assert JournalEntry.objects.get().business_date == today - datetime.timedelta(days=1)
    # Unknown money with a paid time ahead of our clock is parked today, not on a future day.
    body = json.loads(sim.notification_body(order_no="PO-NOPE", amount_fen=500))
    body["paid_at"] = (timezone.now() + datetime.timedelta(days=3)).isoformat()
    assert sim.send(json.dumps(body).encode(), client=client).status == 200
    assert JournalEntry.objects.order_by("-id")[0].business_date == today


def test_unknown_order_parks_money_in_suspense_with_a_case(world, client):
    sim = SimulatedBank(world.bank)
    sent = sim.send(sim.notification_body(order_no="PO-NOPE", amount_fen=12_345), client=client)
    assert sent.status == 200
    assert sent.body["result"] == "suspense"
    case = SuspenseCase.objects.get()
    assert case.amount_fen == 12_345
    assert "PO-NOPE" in case.reason
    assert ledger.account_suspense(world.bank).balance_fen == 12_345
    assert BankNotification.objects.get().outcome == NotificationOutcome.SUSPENSE
    assert ledger.ledger_invariant_problems() == []


def test_wrong_amount_or_second_payment_goes_to_suspense(world, order, client):
    sim = SimulatedBank(world.bank)
    wrong = sim.pay(order, client=client, amount_fen=order.amount_fen - 1)
    assert wrong.body["result"] == "suspense"
    ok = sim.pay(order, client=client)
    assert ok.body["result"] == "booked"
    again = sim.pay(order, client=client)  # a different notification id for an already paid order
    assert again.body["result"] == "suspense"
    assert SuspenseCase.objects.count() == 2
    assert ledger.ledger_invariant_problems() == []


def _post(client, bank, body: bytes, headers):
    return client.post(
        f"/api/v1/banks/{bank.code}/notifications", data=body, content_type="application/json", headers=headers
    )


def _hmac(secret: str, message: bytes) -> str:
    # Computed here, not through signing.sign, so the test pins the wire format the issue specifies.
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_default_scheme_signs_timestamp_and_body_so_a_replay_with_a_new_timestamp_fails(world, order, client):
    assert world.bank.signature_scheme == SignatureScheme.TIMESTAMP_BODY
    body = SimulatedBank(world.bank).notification_body(order_no=order.order_no, amount_fen=order.amount_fen)
    now = str(int(time.time()))
    # The raw body alone is not what the default scheme signs.
    body_only = {"X-Timestamp": now, "X-Signature": _hmac(world.bank.notification_secret, body)}
    r = _post(client, world.bank, body, body_only)
    assert (r.status_code, r.json()["code"]) == (401, "signature_invalid")
    # A captured request resent later with a fresh timestamp fails: the timestamp is signed.
    old = signed_headers(world.bank.notification_secret, body, now=time.time() - 1000)
    r = _post(client, world.bank, body, {**old, "X-Timestamp": now})
    assert (r.status_code, r.json()["code"]) == (401, "signature_invalid")
    assert JournalEntry.objects.count() == 0
    # Computed here, not through signing.sign, so the test pins the wire format: HMAC of "<timestamp>." + body.
    bound = {"X-Timestamp": now, "X-Signature": _hmac(world.bank.notification_secret, now.encode() + b"." + body)}
    r = _post(client, world.bank, body, bound)
    assert r.status_code == 200 and r.json()["result"] == "booked"
    # The simulated bank signs by the bank's scheme.
    assert SimulatedBank(world.bank).pay(order, client=client).status == 200


def test_body_only_scheme_is_a_per_bank_option_and_a_replay_books_nothing(world, order, client):
    world.bank.signature_scheme = SignatureScheme.BODY
    world.bank.save(update_fields=["signature_scheme"])
    body = SimulatedBank(world.bank).notification_body(order_no=order.order_no, amount_fen=order.amount_fen)
    now = str(int(time.time()))
    headers = {"X-Timestamp": now, "X-Signature": _hmac(world.bank.notification_secret, body)}
    r = _post(client, world.bank, body, headers)
    assert r.status_code == 200, r.json()
    assert r.json()["result"] == "booked"
    # Under this legacy scheme the same body resent with a fresh timestamp verifies, but the notification_id was
    # booked already: the first answer comes back and nothing new is booked.
    later = {"X-Timestamp": str(int(time.time()) + 60), "X-Signature": "sha256=" + headers["X-Signature"].upper()}
    again = _post(client, world.bank, body, later)
    assert again.status_code == 200 and again.json() == r.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert JournalEntry.objects.count() == 1
    # Signing "<timestamp>." + body is not what a body-scheme bank sends.
    bound = {"X-Timestamp": now, "X-Signature": _hmac(world.bank.notification_secret, now.encode() + b"." + body)}
    r = _post(client, world.bank, body.replace(b'"N', b'"M', 1), bound)
    assert (r.status_code, r.json()["code"]) == (401, "signature_invalid")


def test_stale_timestamp_message_names_the_window_in_force(world, order, client, settings):
    settings.FUNDS_NOTIFICATION_MAX_AGE_SECONDS = 120
    body = SimulatedBank(world.bank).notification_body(order_no=order.order_no, amount_fen=order.amount_fen)
    secret = world.bank.notification_secret
    r = _post(client, world.bank, body, signed_headers(secret, body, now=time.time() - 121))
    assert (r.status_code, r.json()["code"]) == (401, "timestamp_stale")
    assert "2 分钟" in r.json()["detail"] and "5 分钟" not in r.json()["detail"]
    # 121 s is inside the default 5-minute window but outside this one; 100 s is inside both.
    assert _post(client, world.bank, body, signed_headers(secret, body, now=time.time() - 100)).status_code == 200


def test_oversized_body_is_413_json(world, client):
    body = b"{" + b" " * (64 * 1024) + b"}"
    r = _post(client, world.bank, body, signed_headers(world.bank.notification_secret, body))
    assert r.status_code == 413
    assert r.json()["code"] == "too_large" and r.json()["detail"]
    assert BankNotification.objects.count() == 0


class _CountingStream(io.BytesIO):
    """A request body that records how many bytes the server read from it."""

    taken = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.taken += len(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = super().readline(size)
        self.taken += len(data)
        return data


def _raw_post(world, body: bytes, declared: int) -> tuple[HttpResponseBase, _CountingStream]:
    stream = _CountingStream(body)
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": f"/api/v1/banks/{world.bank.code}/notifications",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(declared),
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.input": stream,
            "wsgi.url_scheme": "http",
            **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed_headers("x", body).items()},
        }
    )
    response = WSGIHandler().get_response(request)
    return response, stream


def test_webhook_answers_413_without_reading_a_body_declared_too_large(world):
    body = b"{" + b" " * (1024 * 1024) + b"}"
    response, stream = _raw_post(world, body, declared=len(body))
    assert isinstance(response, HttpResponse) and response.status_code == 413
    assert json.loads(response.content)["code"] == "too_large"
    assert stream.taken == 0


@pytest.mark.parametrize("scheme", [SignatureScheme.BODY, SignatureScheme.TIMESTAMP_BODY])
def test_bad_signature_stale_future_missing_are_401_and_a_malformed_timestamp_is_400(world, order, client, scheme):
    world.bank.signature_scheme = scheme
    world.bank.save(update_fields=["signature_scheme"])
    secret = world.bank.notification_secret
    sim = SimulatedBank(world.bank)
    body = sim.notification_body(order_no=order.order_no, amount_fen=order.amount_fen)
    r = _post(client, world.bank, body, signed_headers("wrong-secret", body, scheme=scheme))
    assert (r.status_code, r.json()["code"]) == (401, "signature_invalid")
    r = _post(client, world.bank, body, signed_headers(secret, body, now=time.time() - 301, scheme=scheme))
    assert (r.status_code, r.json()["code"]) == (401, "timestamp_stale")
    r = _post(client, world.bank, body, signed_headers(secret, body, now=time.time() + 301, scheme=scheme))
    assert (r.status_code, r.json()["code"]) == (401, "timestamp_stale")
    # Tampered body with a valid signature for the original.
    good = signed_headers(secret, body, scheme=scheme)
    r = _post(client, world.bank, body.replace(b'"amount_fen": ', b'"amount_fen": 9'), good)
    assert (r.status_code, r.json()["code"]) == (401, "signature_invalid")
    r = _post(client, world.bank, body, {})
    assert (r.status_code, r.json()["code"]) == (401, "signature_missing")
    r = _post(client, world.bank, body, {"X-Signature": good["X-Signature"]})
    assert (r.status_code, r.json()["code"]) == (401, "signature_missing")
    for bad in ("2026-12-01T10:00:00", "-1", "１７００００００００", "9" * 13):
        r = _post(client, world.bank, body, {**good, "X-Timestamp": bad})
        assert (r.status_code, r.json()["code"]) == (400, "timestamp_malformed"), bad
        assert r.json()["detail"]
    assert JournalEntry.objects.count() == 0
    assert BankNotification.objects.count() == 0
    r = _post(client, world.bank, body, good)
    assert r.status_code == 200 and r.json()["result"] == "booked"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (b"{not json", None),
        (b"[1, 2]", None),
        (json.dumps({"order_no": "x", "amount_fen": 100, "bank_reference": "R"}).encode(), "notification_id"),
        (json.dumps({"notification_id": "n", "amount_fen": 1.5, "bank_reference": "R"}).encode(), "amount_fen"),
        (json.dumps({"notification_id": "n", "amount_fen": "100", "bank_reference": "R"}).encode(), "amount_fen"),
        (json.dumps({"notification_id": "n", "amount_fen": -5, "bank_reference": "R"}).encode(), "amount_fen"),
        (json.dumps({"notification_id": "n", "amount_fen": 10**30, "bank_reference": "R"}).encode(), "amount_fen"),
        (b"\xff\xfe", None),
    ],
)
def test_malformed_signed_body_is_400_with_detail(world, client, body, loc):
    r = _post(client, world.bank, body, signed_headers(world.bank.notification_secret, body))
    assert r.status_code == 400
    data = r.json()
    assert data["code"] == "malformed"
    assert data["detail"]
    if loc:
        assert any(loc in e["loc"] for e in data["detail"])
    assert JournalEntry.objects.count() == 0


def test_unknown_bank_is_404(world, client):
    body = b"{}"
    r = _post(client, type(world.bank)(code="nobank"), body, signed_headers("x", body))
    assert r.status_code == 404
    assert r.json()["code"] == "bank_not_found"


def test_order_api_checks_fee_caps_and_scope(world, client):
    from .factories import EnrolmentFactory, parent_of

    parent = parent_of(world.enrolment)
    client.force_login(parent)
    start = datetime.date.today() + datetime.timedelta(days=10)
    r = client.post(
        "/api/v1/funds/orders",
        data={
            "enrolment_id": world.enrolment.pk,
            "class_hours": 61,
            "period_start": start.isoformat(),
            "period_end": (start + datetime.timedelta(days=120)).isoformat(),
        },
        content_type="application/json",
    )
    assert r.status_code == 422
    codes = {v["code"] for v in r.json()["detail"]}
    assert codes == {"charge_max_class_hours", "charge_max_months", "charge_max_amount"}
    r = client.post(
        "/api/v1/funds/orders",
        data={
            "enrolment_id": world.enrolment.pk,
            "class_hours": 20,
            "period_start": start.isoformat(),
            "period_end": (start + datetime.timedelta(days=60)).isoformat(),
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.json()
    order_no = r.json()["order_no"]
    assert r.json()["amount_fen"] == 20 * world.enrolment.price_per_lesson_fen
    assert client.get(f"/api/v1/funds/orders/{order_no}").status_code == 200
    # Another family's enrolment and order are 404, not 403.
    other = EnrolmentFactory.create()
    r = client.post(
        "/api/v1/funds/orders",
        data={
            "enrolment_id": other.pk,
            "class_hours": 1,
            "period_start": start.isoformat(),
            "period_end": start.isoformat(),
        },
        content_type="application/json",
    )
    assert r.status_code == 404
    stranger = Client()
    stranger.force_login(parent_of(other))
    assert stranger.get(f"/api/v1/funds/orders/{order_no}").status_code == 404
    assert PaymentOrder.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_real_http_path_end_to_end(live_server):
    from .factories import BankFactory, CustodyAccountFactory, EnrolmentFactory, InstitutionFactory

    bank = BankFactory.create(code="httpbank", notification_secret="http-secret")
    inst = InstitutionFactory.create()
    CustodyAccountFactory.create(institution=inst, bank=bank)
    enrolment = EnrolmentFactory.create(class_group__course__institution=inst)
    order = services.payment_order_create(
        actor=None,
        enrolment=enrolment,
        class_hours=5,
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 31),
        today=datetime.date(2026, 2, 20),
    )
    sim = SimulatedBank(bank)
    sent = sim.pay(order, base_url=live_server.url, notification_id="HTTP-1")
    assert sent.status == 200, sent.body
    assert sent.body["result"] == "booked"
    again = sim.pay(order, base_url=live_server.url, notification_id="HTTP-1")
    assert again.body == sent.body
    stale = sim.send_raw(b"{}", signed_headers("http-secret", b"{}", now=time.time() - 600), base_url=live_server.url)
    assert stale.status == 401
    assert ledger.account_for_parent_enrolment(enrolment).balance_fen == order.amount_fen
