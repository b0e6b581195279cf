"""The audit log: append-only, hash-chained, written inside the caller's transaction."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.ipv6 import clean_ipv6_address
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from .context import current_ip
from .models import AuditChainHead, AuditEvent, User

GENESIS_HASH = "0" * 64


def _as_stored(value: Any) -> Any:
    """The value as PostgreSQL's jsonb gives it back, so the hash computed now matches the row read later.

    jsonb keeps numbers as exact decimals: 1e+300 comes back as the integer 10**300 and -0.0 as 0.0; it also
    refuses the NUL character, which is replaced rather than failing the caller's write.
    """
    if isinstance(value, dict):
        return {_as_stored(k): _as_stored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_stored(v) for v in value]
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, float):
        if value == 0:
            return 0.0
        if abs(value) >= 1e16:  # repr() switches to an exponent here; jsonb prints the integer
            return int(Decimal(repr(value)))
    return value


def _normalise(value: Any) -> Any:
    """JSON-native form of a before/after value, so the stored row hashes the same after a round trip."""
    if value is None:
        return None
    # NaN and infinities are not JSON: a caller passing one has a bug, so it fails loudly here.
    return _as_stored(json.loads(json.dumps(value, default=str, ensure_ascii=False, allow_nan=False)))


def normalise_ip(value: str | None) -> str | None:
    """The address as the database will return it (PostgreSQL's inet prints IPv6 compressed), or None if invalid.

    The hash is computed before the row is written, so it must cover exactly what a later read returns.
    """
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if address.version == 6:
        return clean_ipv6_address(str(address))
    return str(address)


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


def lock_chain_head() -> AuditChainHead:
    """Lock the audit chain's head row for the rest of the transaction (every audited writer queues here)."""
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    return head


# No savepoint: the event is part of the caller's write, so a failure here must fail that write as a whole (and a
# savepoint would cost two extra round trips on every audited write).
@transaction.atomic(savepoint=False)
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
    chain_head: AuditChainHead | None = None,
) -> AuditEvent:
    """Append one event to the chain. Runs in the caller's transaction: if the caller rolls back, so does this.

    The chain head row is locked, so concurrent writers queue up and every event links to the one before.
    ``chain_head``: the head row as the caller already locked it in this transaction (``lock_chain_head``), to
    spare a second round trip; it must not have been changed since.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if division_code is None:
            division_code = str(getattr(obj, "division_code", "") or "")
    head = chain_head if chain_head is not None else lock_chain_head()
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
        ip=normalise_ip(ip if ip is not None else current_ip.get()),
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


class ChainWalk:
    """One pass over the chain, streaming in ``seq`` order; ``checked`` counts the events read so far.

    The walk covers the events up to the chain head as it stood when the walk began, so writers that
    commit meanwhile neither slow it down nor show up as breaks.
    """

    def __init__(self, *, chunk_size: int = 5000) -> None:
        self.chunk_size = chunk_size
        self.checked = 0

    def breaks(self) -> Iterator[ChainBreak]:
        head = AuditChainHead.objects.filter(id=1).first()
        head_seq = head.last_seq if head else 0
        head_hash = head.last_hash if head else GENESIS_HASH
        expected_prev = GENESIS_HASH
        expected_seq = 1
        last_seq = 0
        events = AuditEvent.objects.filter(seq__lte=head_seq).order_by("seq")
        for event in events.iterator(chunk_size=self.chunk_size):
            self.checked += 1
            if event.seq != expected_seq:
                yield ChainBreak(
                    event.seq,
                    _("序号不连续：应为 %(expected)s，实为 %(seq)s（之前的记录被删除？）")
                    % {"expected": expected_seq, "seq": event.seq},
                )
            if event.prev_hash != expected_prev:
                yield ChainBreak(event.seq, _("与前一条记录的哈希不符（前一条记录被删除、替换或篡改？）"))
            if event_hash(event) != event.hash:
                yield ChainBreak(event.seq, _("记录内容与其哈希不符（记录被篡改）"))
            expected_prev = event.hash
            expected_seq = event.seq + 1
            last_seq = event.seq
        if last_seq != head_seq:
            yield ChainBreak(
                head_seq,
                _("链头记载最后序号为 %(head)s，日志只到 %(last)s（末尾记录被删除？）")
                % {"head": head_seq, "last": last_seq},
            )
        elif head_seq and expected_prev != head_hash:
            yield ChainBreak(head_seq, _("最后一条记录的哈希与链头记载不符（末尾记录被替换？）"))
        # Read the highest seq before re-reading the head: a writer commits both together, so any event
        # visible here is covered by the head read after it, unless it was slipped in outside audit_record.
        max_seq = AuditEvent.objects.aggregate(m=Max("seq"))["m"] or 0
        if max_seq > head_seq:
            head_now = AuditChainHead.objects.filter(id=1).first()
            head_now_seq = head_now.last_seq if head_now else 0
            if max_seq > head_now_seq:
                yield ChainBreak(
                    max_seq,
                    _("存在链头未记载的记录（序号 %(first)s 至 %(last)s，绕过审计服务写入？）")
                    % {"first": head_now_seq + 1, "last": max_seq},
                )


def audit_chain_walk(*, chunk_size: int = 5000) -> ChainWalk:
    """A walk over the whole chain; iterate ``.breaks()``, then read ``.checked``."""
    return ChainWalk(chunk_size=chunk_size)


def audit_chain_breaks(*, chunk_size: int = 5000) -> Iterator[ChainBreak]:
    """Walk the whole chain in order and yield every place where it does not hold."""
    yield from ChainWalk(chunk_size=chunk_size).breaks()


# --- Display: the log in words -------------------------------------------------------------------------------
#
# Each app declares the labels of the actions it writes in its own ``audit_labels.py`` (calling
# ``register_action_labels``); core finds those modules the way the admin finds ``admin.py``, so core imports no
# domain app. The stored code is never replaced: filters and the export keep it.

_ACTION_LABELS: dict[str, str | Promise] = {}

# Attributes that name a record better than its number, in order of preference.
_NAME_ATTRIBUTES = ("name", "title", "order_no", "licence_no", "reference", "number")


def register_action_labels(labels: Mapping[str, str | Promise]) -> None:
    """Declare how the log names actions: ``{"funds.instruction_executed": _("银行回执：指令已执行")}``."""
    _ACTION_LABELS.update(labels)


@functools.cache
def _discover_action_labels() -> None:
    autodiscover_modules("audit_labels")


def action_labels() -> dict[str, str]:
    """Every registered action code with its label in the active language."""
    _discover_action_labels()
    return {code: str(label) for code, label in _ACTION_LABELS.items()}


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def action_label(code: str) -> str:
    """The action in words; the code itself when no app declared it (so nothing is hidden)."""
    _discover_action_labels()
    label = _ACTION_LABELS.get(code)
    if label is not None:
        return str(label)
    # Django admin edits are audited as admin.<model>_<add|change|delete>.
    app, _dot, rest = code.partition(".")
    if app == "admin" and "_" in rest:
        model_name, _sep, verb = rest.rpartition("_")
        verbs = {"add": _("新增"), "change": _("修改"), "delete": _("删除")}
        for model in apps.get_models():
            if model._meta.model_name == model_name and verb in verbs:
                return _("后台%(verb)s%(model)s") % {"verb": verbs[verb], "model": model._meta.verbose_name}
    return code


def object_type_label(object_type: str) -> str:
    """The kind of record in words (the model's verbose name); the stored type when it is not a model."""
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def _object_name(obj: models.Model) -> str:
    # A record of a person (it holds a resident ID) is named by its number only: the log is not where a
    # child's or a teacher's name should be read.
    if hasattr(obj, "resident_id"):
        return ""
    for attribute in _NAME_ATTRIBUTES:
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value:
            return value
    return ""


def object_labels(events: Iterable[AuditEvent]) -> dict[tuple[str, str], str]:
    """``(object_type, object_id) → "机构 #12 · 某某培训学校"`` for the events given, one query per kind of record."""
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.object_type and event.object_id:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    labels: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        model = _model(object_type)
        if model is None:
            for object_id in ids:
                labels[(object_type, object_id)] = f"{object_type} {object_id}"
            continue
        kind = str(model._meta.verbose_name)
        keys = {}
        for object_id in ids:
            try:
                keys[model._meta.pk.to_python(object_id)] = object_id
            except (ValidationError, ValueError, TypeError):  # an id that is not this model's key: no lookup
                continue
        found = {keys[pk]: obj for pk, obj in model._base_manager.in_bulk(list(keys)).items() if pk in keys}
        for object_id in ids:
            obj = found.get(object_id)
            name = _object_name(obj) if obj is not None else ""
            labels[(object_type, object_id)] = f"{kind} #{object_id} · {name}" if name else f"{kind} #{object_id}"
    return labels
