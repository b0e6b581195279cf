"""The audit log: append-only, hash-chained, written inside the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from .context import current_ip
from .models import AuditChainHead, AuditEvent, User

GENESIS_HASH = "0" * 64


def _normalise(value: Any) -> Any:
    """JSON-native form of a before/after value, so the stored row hashes the same after a round trip."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(event: AuditEvent) -> str:
    created = event.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    payload = {
        "seq": event.seq,
        "created_at": created,
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "division_code": event.division_code,
        "before": event.before,
        "after": event.after,
        "ip": event.ip,
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


@transaction.atomic
def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    division_code: str | None = None,
    before: Any = None,
    after: Any = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one event to the chain. Runs in the caller's transaction: if the caller rolls back, so does this.

    The chain head row is locked, so concurrent writers queue up and every event links to the one before.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if division_code is None:
            division_code = str(getattr(obj, "division_code", "") or "")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
    event = AuditEvent(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        actor=actor_obj,
        actor_username=actor_obj.username if actor_obj else "",
        role=actor_obj.role if actor_obj else "system",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        division_code=division_code or "",
        before=_normalise(before),
        after=_normalise(after),
        ip=ip if ip is not None else current_ip.get(),
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    head.last_seq = event.seq
    head.last_hash = event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def audit_chain_breaks(*, chunk_size: int = 5000) -> Iterator[ChainBreak]:
    """Walk the whole chain in order and yield every place where it does not hold."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    last_seq = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=chunk_size):
        if event.seq != expected_seq:
            yield ChainBreak(event.seq, f"序号不连续：应为 {expected_seq}，实为 {event.seq}（记录被删除？）")
        if event.prev_hash != expected_prev:
            yield ChainBreak(event.seq, "前一条记录的哈希不符（记录被删除或替换？）")
        if event_hash(event) != event.hash:
            yield ChainBreak(event.seq, "记录内容与其哈希不符（记录被篡改）")
        expected_prev = event.hash
        expected_seq = event.seq + 1
        last_seq = event.seq
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.last_seq != last_seq or (last_seq and head.last_hash != expected_prev)):
        yield ChainBreak(last_seq, f"链头记录的最后序号 {head.last_seq} 与日志末尾 {last_seq} 不符（末尾记录被删除？）")
