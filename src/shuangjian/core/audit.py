"""The audit log: append-only, hash-chained per partition (institution, county or global), sealed periodically,
written inside the caller's transaction."""

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
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.ipv6 import clean_ipv6_address
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from .context import current_ip
from .models import AuditChainHead, AuditEvent, AuditSeal, AuditSealedHead, User

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


# --- Chains -------------------------------------------------------------------------------------------------
#
# The log is partitioned so that writers about different institutions (or counties) never wait on one another:
# each chain has its own head row, locked by a writer until its transaction ends. ``audit_chain_for`` derives the
# chain from the event itself, so no caller names it.

GLOBAL_CHAIN = "global"
INSTITUTION_LABEL = "registry.institution"


def _institution_of(obj: models.Model) -> int | None:
    """The institution a record belongs to, read without a query: itself, its ``institution_id``, or the
    ``institution_id`` of a related record already loaded on it (an attendance's enrolment, say)."""
    if obj._meta.label_lower == INSTITUTION_LABEL:
        return obj.pk if isinstance(obj.pk, int) else None
    own = getattr(obj, "institution_id", None)
    if isinstance(own, int):
        return own
    for field in obj._meta.concrete_fields:
        if field.is_relation and field.many_to_one and field.is_cached(obj):  # type: ignore[attr-defined]
            related = field.get_cached_value(obj)  # type: ignore[attr-defined]
            if related is None:
                continue
            if related._meta.label_lower == INSTITUTION_LABEL:
                return related.pk if isinstance(related.pk, int) else None
            theirs = getattr(related, "institution_id", None)
            if isinstance(theirs, int):
                return theirs
    return None


def audit_chain_for(*, obj: models.Model | None = None, division_code: str | None = None) -> str:
    """``i:<institution id>`` for a record of an institution, else ``d:<county code>``, else ``global``."""
    if obj is not None:
        institution_id = _institution_of(obj)
        if institution_id is not None:
            return f"i:{institution_id}"
    if division_code:
        return f"d:{division_code[:6]}"
    return GLOBAL_CHAIN


# --- Hashing ------------------------------------------------------------------------------------------------
#
# Version 2 (every event since the partition): ``hash = sha256(prev_hash ":" chain_seq ":" content_digest)``,
# where the content digest covers every stored field except the position and the link. The digest is computed
# here; the link needs the head's hash and position, which on PostgreSQL are read and advanced by the same
# statement that inserts the event, so the link is computed there, in SQL (``_APPEND_SQL``), and here
# (``link_hash``) to verify.
# Version 1 (events written before the partition): the whole payload with its ``seq`` and ``prev_hash``.


def _created(event: AuditEvent) -> str:
    return event.created_at.astimezone(UTC).isoformat(timespec="microseconds")


def _digest_payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "v": 2,
        "chain": event.chain,
        "created_at": _created(event),
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
    }


def content_digest(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(_digest_payload(event)).encode()).hexdigest()


def link_hash(prev_hash: str, chain_seq: int, digest: str) -> str:
    return hashlib.sha256(f"{prev_hash}:{chain_seq}:{digest}".encode()).hexdigest()


def _v1_hash(event: AuditEvent) -> str:
    payload = {
        "seq": event.chain_seq or event.seq,
        "created_at": _created(event),
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


def event_hash(event: AuditEvent) -> str:
    """The hash the event's stored fields call for (what ``hash`` must equal)."""
    if event.version == 1:
        return _v1_hash(event)
    return link_hash(event.prev_hash, event.chain_seq, content_digest(event))


def audit_chain_lock(*, obj: models.Model | None = None, division_code: str | None = None) -> str:
    """Lock the head of the chain an event about ``obj`` will join, now, until commit; returns the chain.

    ``audit_record`` locks its chain's head when it runs, usually at the end of a service. A transaction that
    audits first and then locks other rows (an institution's ledger accounts, say) while another locks those rows
    first and audits last can deadlock; such a service calls this first, so the chain head is always the first
    lock taken. One statement; a chain not yet written gets its (empty) head row.
    """
    if obj is not None and division_code is None:
        division_code = str(getattr(obj, "division_code", "") or "")
    chain = audit_chain_for(obj=obj, division_code=division_code)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO core_auditchainhead AS h (chain, last_seq, last_hash, prev_hash)"
                " VALUES (%s, 0, %s, %s) ON CONFLICT (chain) DO UPDATE SET last_seq = h.last_seq",
                [chain, GENESIS_HASH, GENESIS_HASH],
            )
    else:
        AuditChainHead.objects.get_or_create(chain=chain)
    return chain


# One statement, one round trip: advance (or start) the chain's head, which row-locks it until commit, and
# insert the event linked to the head it read. Every SET expression reads the row as it was before the update.
_APPEND_SQL = """
WITH head AS (
    INSERT INTO core_auditchainhead AS h (chain, last_seq, last_hash, prev_hash)
    VALUES (%(chain)s, 1, %(first_hash)s, %(genesis)s)
    ON CONFLICT (chain) DO UPDATE SET
        last_seq = h.last_seq + 1,
        prev_hash = h.last_hash,
        last_hash = encode(sha256(convert_to(h.last_hash || ':' || (h.last_seq + 1)::text || ':' || %(digest)s,
                                             'UTF8')), 'hex')
    RETURNING last_seq, last_hash, prev_hash
)
INSERT INTO core_auditevent (created_at, actor_id, actor_username, role, action, object_type, object_id,
    division_code, before, after, ip, chain, chain_seq, version, prev_hash, hash)
SELECT %(created_at)s, %(actor_id)s, %(actor_username)s, %(role)s, %(action)s, %(object_type)s, %(object_id)s,
    %(division_code)s, %(before)s::jsonb, %(after)s::jsonb, %(ip)s::inet, %(chain)s, head.last_seq, 2,
    head.prev_hash, head.last_hash
FROM head
RETURNING seq, chain_seq, prev_hash, hash
"""


def _json_param(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _append_postgresql(event: AuditEvent, digest: str) -> None:
    params: dict[str, Any] = {
        "chain": event.chain,
        "digest": digest,
        "first_hash": link_hash(GENESIS_HASH, 1, digest),
        "genesis": GENESIS_HASH,
        "created_at": event.created_at,
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "role": event.role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "division_code": event.division_code,
        "before": _json_param(event.before),
        "after": _json_param(event.after),
        "ip": event.ip,
    }
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_SQL, params)
        event.seq, event.chain_seq, event.prev_hash, event.hash = cursor.fetchone()
    event._state.adding = False
    event._state.db = connection.alias


def _append_simple(event: AuditEvent, digest: str) -> None:
    # SQLite runs one writer at a time, so reading then writing the head is already serialised.
    head = AuditChainHead.objects.select_for_update().filter(chain=event.chain).first()
    new = head is None
    if head is None:
        head = AuditChainHead(chain=event.chain)
    event.chain_seq = head.last_seq + 1
    event.prev_hash = head.last_hash
    event.hash = link_hash(event.prev_hash, event.chain_seq, digest)
    event.save(force_insert=True)
    head.prev_hash, head.last_seq, head.last_hash = head.last_hash, event.chain_seq, event.hash
    if new:
        head.save(force_insert=True)
    else:
        head.save(update_fields=["prev_hash", "last_seq", "last_hash"])


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
) -> AuditEvent:
    """Append one event to its chain. Runs in the caller's transaction: if the caller rolls back, so does this.

    The event's chain (``audit_chain_for``) has its head row locked until the caller's transaction ends, so
    writers on the same chain queue and every event links to the one before; writers on other chains (other
    institutions, other counties) do not wait. On PostgreSQL the append is one statement.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        if division_code is None:
            division_code = str(getattr(obj, "division_code", "") or "")
    actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
    event = AuditEvent(
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
        chain=audit_chain_for(obj=obj, division_code=division_code),
        version=2,
    )
    digest = content_digest(event)
    if connection.vendor == "postgresql":
        _append_postgresql(event, digest)
    else:
        _append_simple(event, digest)
    return event


# --- An event appended by the statement that writes its object (PostgreSQL) ---------------------------------
#
# A hot write (a ledger entry) inserts its row and audits it in one statement, so the write, the event and the
# chain head cost one round trip: ``audit_pending`` prepares the event from the object not saved yet (everything
# but its id), ``AUDIT_HEAD_CTE`` locks the chain's head first thing in the statement, and ``audit_append_ctes``
# advances the head and inserts the event once the row exists. The content digest is exactly ``content_digest``'s:
# the canonical text is cut around the object id, which the statement puts back between the two parts before
# hashing, so ``event_hash`` verifies the stored event like any other.

_PENDING_ID = "\x00pending object id\x00"


@dataclass(frozen=True)
class PendingEvent:
    """An event waiting for its object's id: ``chain`` to lock, ``params`` (``audit_*``) for the statement."""

    chain: str
    params: dict[str, Any]


def audit_pending(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: Any = None,
    after: Any = None,
    ip: str | None = None,
) -> PendingEvent:
    """The event ``audit_record(actor=…, action=…, obj=obj, …)`` would write, for a statement that inserts ``obj``
    and, with ``AUDIT_HEAD_CTE`` and ``audit_append_ctes``, appends the event in the same statement."""
    actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
    division_code = str(getattr(obj, "division_code", "") or "")
    event = AuditEvent(
        created_at=timezone.now(),
        actor=actor_obj,
        actor_username=actor_obj.username if actor_obj else "",
        role=actor_obj.role if actor_obj else "system",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=_PENDING_ID,
        division_code=division_code,
        before=_normalise(before),
        after=_normalise(after),
        ip=normalise_ip(ip if ip is not None else current_ip.get()),
        chain=audit_chain_for(obj=obj, division_code=division_code),
        version=2,
    )
    # The placeholder holds NUL characters, which _normalise replaces in every value: it occurs once, as the id.
    head, found, tail = _canonical(_digest_payload(event)).partition(json.dumps(_PENDING_ID, ensure_ascii=False))
    if not found:  # pragma: no cover - the payload always holds the object id
        raise AssertionError("audit_pending: object id not found in the canonical payload")
    return PendingEvent(
        chain=event.chain,
        params={
            "audit_chain": event.chain,
            "audit_digest_head": head + '"',
            "audit_digest_tail": '"' + tail,
            "audit_created_at": event.created_at,
            "audit_actor_id": event.actor_id,
            "audit_actor_username": event.actor_username,
            "audit_role": event.role,
            "audit_action": event.action,
            "audit_object_type": event.object_type,
            "audit_division_code": event.division_code,
            "audit_before": _json_param(event.before),
            "audit_after": _json_param(event.after),
            "audit_ip": event.ip,
        },
    )


# First in the WITH of such a statement: the chain's head, locked before any other row (the order every audited
# writer keeps). Empty when the chain has no head row yet: the statement must then write nothing, and its caller
# creates the head (``audit_chain_lock``) and runs it again.
AUDIT_HEAD_CTE = """audit_head AS MATERIALIZED (
    SELECT h.last_seq, h.last_hash FROM core_auditchainhead h WHERE h.chain = %(audit_chain)s FOR UPDATE
)"""


def audit_append_ctes(*, source: str, object_id: str) -> str:
    """CTEs, after ``AUDIT_HEAD_CTE`` in the same WITH, that append the pending event once ``source`` (a CTE of
    the statement, one row: the inserted object) has its row; ``object_id`` is the SQL text of its id as text.

    The head row was locked by ``audit_head`` and is updated from the values read there (the newest version, even
    after waiting on a concurrent writer); the link is ``link_hash`` of the content digest, both in SQL.
    """
    digest = (
        f"encode(sha256(convert_to(%(audit_digest_head)s::text || ({object_id}) || %(audit_digest_tail)s::text, "
        "'UTF8')), 'hex')"
    )
    # Composed of constants: ``source`` and ``object_id`` are SQL text written by the caller, never input.
    return f"""audit_moved AS (
    UPDATE core_auditchainhead h
       SET last_seq = audit_head.last_seq + 1,
           prev_hash = audit_head.last_hash,
           last_hash = encode(sha256(convert_to(
               audit_head.last_hash || ':' || (audit_head.last_seq + 1)::text || ':' || {digest}, 'UTF8')), 'hex')
      FROM audit_head, {source}
     WHERE h.chain = %(audit_chain)s
    RETURNING h.last_seq, h.prev_hash, h.last_hash, ({object_id}) AS object_id
), audit_event AS (
    INSERT INTO core_auditevent (created_at, actor_id, actor_username, role, action, object_type, object_id,
        division_code, before, after, ip, chain, chain_seq, version, prev_hash, hash)
    SELECT %(audit_created_at)s, %(audit_actor_id)s, %(audit_actor_username)s, %(audit_role)s, %(audit_action)s,
        %(audit_object_type)s, m.object_id, %(audit_division_code)s, %(audit_before)s::jsonb, %(audit_after)s::jsonb,
        %(audit_ip)s::inet, %(audit_chain)s, m.last_seq, 2, m.prev_hash, m.last_hash
      FROM audit_moved m
)"""  # noqa: S608


# --- Sealed roots -------------------------------------------------------------------------------------------


def heads_digest(heads: Mapping[str, tuple[int, str] | list[Any]]) -> str:
    """Digest of a full chain → (seq, hash) map, independent of order."""
    canonical = _canonical({chain: [int(value[0]), str(value[1])] for chain, value in heads.items()})
    return hashlib.sha256(canonical.encode()).hexdigest()


def seal_hash(seal: AuditSeal) -> str:
    payload = {
        "seq": seal.seq,
        "created_at": seal.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "heads": seal.heads,
        "chains": seal.chains,
        "events": seal.events,
        "heads_digest": seal.heads_digest,
        "prev_hash": seal.prev_hash,
    }
    return hashlib.sha256(_canonical(payload).encode()).hexdigest()


SEAL_LOCK_KEY = 0x5EA1_A0D1  # pg_advisory_xact_lock key: one sealer at a time


@transaction.atomic
def audit_seal() -> AuditSeal:
    """Write a sealed root: every chain head that moved since the last seal, chained to that seal.

    Reads the heads as committed (an event and its head commit together), takes no lock a writer waits on.
    Run periodically (``core.audit_seal`` in the beat schedule); the seal's hash is worth copying out of the
    database (logs, a bulletin): a seal held elsewhere pins the whole log as it stood.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])
    last = AuditSeal.objects.order_by("-seq").first()
    sealed = {row.chain: (row.seq, row.hash) for row in AuditSealedHead.objects.all()}
    current = {
        chain: (seq, digest)
        for chain, seq, digest in AuditChainHead.objects.filter(last_seq__gt=0).values_list(
            "chain", "last_seq", "last_hash"
        )
    }
    moved = {chain: value for chain, value in current.items() if sealed.get(chain) != value}
    full = {**sealed, **moved}
    seal = AuditSeal(
        seq=(last.seq + 1) if last else 1,
        created_at=timezone.now(),
        heads={chain: [seq, digest] for chain, (seq, digest) in sorted(moved.items())},
        chains=len(full),
        events=sum(seq for seq, _digest in full.values()),
        heads_digest=heads_digest(full),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    seal.hash = seal_hash(seal)
    seal.save(force_insert=True)
    for chain, (seq, digest) in moved.items():
        AuditSealedHead.objects.update_or_create(chain=chain, defaults={"seq": seq, "hash": digest})
    return seal


# --- Verification -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str
    chain: str = GLOBAL_CHAIN


SEAL_CHAIN = "seal"  # ChainBreak.chain of a break found in the seals themselves


class ChainWalk:
    """One pass over every chain and every seal, streaming; ``checked`` counts the events read so far.

    The walk covers each chain up to its head as it stood when the walk began, so writers that commit
    meanwhile neither slow it down nor show up as breaks.
    """

    def __init__(self, *, chunk_size: int = 5000) -> None:
        self.chunk_size = chunk_size
        self.checked = 0
        self.chains = 0
        self.seals = 0

    def breaks(self) -> Iterator[ChainBreak]:
        heads = {h.chain: (h.last_seq, h.last_hash) for h in AuditChainHead.objects.all()}
        yield from self._events(heads)
        yield from self._seals()

    # Events, chain by chain ----------------------------------------------------------------------------------

    def _events(self, heads: dict[str, tuple[int, str]]) -> Iterator[ChainBreak]:
        beyond: dict[str, int] = {}  # chain → highest position read past its head (committed since, or forged)
        seen: set[str] = set()
        chain: str | None = None
        expected_seq, expected_prev, last_seq = 1, GENESIS_HASH, 0
        events = AuditEvent.objects.order_by("chain", "chain_seq")
        for event in events.iterator(chunk_size=self.chunk_size):
            if event.chain != chain:
                if chain is not None and chain in heads:
                    yield from self._chain_end(chain, last_seq, expected_prev, heads[chain])
                chain = event.chain
                seen.add(chain)
                expected_seq, expected_prev, last_seq = 1, GENESIS_HASH, 0
            head_seq = heads[chain][0] if chain in heads else 0
            if event.chain_seq > head_seq:
                beyond[chain] = event.chain_seq
                continue
            self.checked += 1
            if event.chain_seq != expected_seq:
                yield ChainBreak(
                    event.chain_seq,
                    _("序号不连续：应为 %(expected)s，实为 %(seq)s（之前的记录被删除？）")
                    % {"expected": expected_seq, "seq": event.chain_seq},
                    chain,
                )
            if event.prev_hash != expected_prev:
                yield ChainBreak(event.chain_seq, _("与前一条记录的哈希不符（前一条记录被删除、替换或篡改？）"), chain)
            if event_hash(event) != event.hash:
                yield ChainBreak(event.chain_seq, _("记录内容与其哈希不符（记录被篡改）"), chain)
            expected_prev = event.hash
            expected_seq = event.chain_seq + 1
            last_seq = event.chain_seq
        if chain is not None and chain in heads:
            yield from self._chain_end(chain, last_seq, expected_prev, heads[chain])
        for missing in sorted(set(heads) - seen):
            if heads[missing][0]:
                yield from self._chain_end(missing, 0, GENESIS_HASH, heads[missing])
        self.chains = len(seen | set(heads))
        # A writer commits the event and its head together: anything still past its head when the head is read
        # again (or in a chain without a head) was slipped in outside audit_record.
        if beyond:
            now = dict(AuditChainHead.objects.filter(chain__in=list(beyond)).values_list("chain", "last_seq"))
            for name, top in sorted(beyond.items()):
                if top > now.get(name, 0):
                    yield ChainBreak(
                        top,
                        _("存在链头未记载的记录（序号 %(first)s 至 %(last)s，绕过审计服务写入？）")
                        % {"first": now.get(name, 0) + 1, "last": top},
                        name,
                    )

    def _chain_end(self, chain: str, last_seq: int, last_hash: str, head: tuple[int, str]) -> Iterator[ChainBreak]:
        head_seq, head_hash = head
        if last_seq != head_seq:
            yield ChainBreak(
                head_seq,
                _("链头记载最后序号为 %(head)s，日志只到 %(last)s（末尾记录被删除？）")
                % {"head": head_seq, "last": last_seq},
                chain,
            )
        elif head_seq and last_hash != head_hash:
            yield ChainBreak(head_seq, _("最后一条记录的哈希与链头记载不符（末尾记录被替换？）"), chain)

    # Seals ---------------------------------------------------------------------------------------------------

    def _seals(self) -> Iterator[ChainBreak]:
        sealed: dict[str, tuple[int, str]] = {}
        expected_seq, expected_prev = 1, GENESIS_HASH
        for seal in AuditSeal.objects.order_by("seq").iterator(chunk_size=100):
            self.seals += 1
            if seal.seq != expected_seq:
                yield ChainBreak(
                    seal.seq,
                    _("封存记录序号不连续：应为 %(expected)s，实为 %(seq)s（封存记录被删除？）")
                    % {"expected": expected_seq, "seq": seal.seq},
                    SEAL_CHAIN,
                )
            if seal.prev_hash != expected_prev:
                yield ChainBreak(seal.seq, _("与前一次封存的哈希不符（封存记录被删除或替换？）"), SEAL_CHAIN)
            if seal_hash(seal) != seal.hash:
                yield ChainBreak(seal.seq, _("封存记录内容与其哈希不符（封存记录被篡改）"), SEAL_CHAIN)
            points: dict[str, tuple[int, str]] = {}
            for chain, value in (seal.heads or {}).items():
                seq, digest = int(value[0]), str(value[1])
                if chain in sealed and seq < sealed[chain][0]:
                    yield ChainBreak(seal.seq, _("封存的链 %(chain)s 位置倒退") % {"chain": chain}, SEAL_CHAIN)
                sealed[chain] = points[chain] = (seq, digest)
            if heads_digest(sealed) != seal.heads_digest:
                yield ChainBreak(seal.seq, _("封存的链头摘要与逐次封存的内容不符"), SEAL_CHAIN)
            yield from self._sealed_points(points)
            expected_seq, expected_prev = seal.seq + 1, seal.hash
        if sealed:
            yield from self._sealed_heads(sealed)

    def _sealed_points(self, points: dict[str, tuple[int, str]]) -> Iterator[ChainBreak]:
        """Every head a seal recorded must still be in the log, with the hash it had."""
        items = sorted(points.items())
        for start in range(0, len(items), 500):
            part = items[start : start + 500]
            found: dict[tuple[str, int], str] = {}
            query = Q()
            for chain, (seq, _digest) in part:
                query |= Q(chain=chain, chain_seq=seq)
            for chain, seq, digest in AuditEvent.objects.filter(query).values_list("chain", "chain_seq", "hash"):
                found[(chain, seq)] = digest
            for chain, (seq, digest) in part:
                stored = found.get((chain, seq))
                if stored is None:
                    yield ChainBreak(seq, _("已封存的记录不存在（封存后被删除？）"), chain)
                elif stored != digest:
                    yield ChainBreak(seq, _("记录的哈希与封存时不符（封存后被替换？）"), chain)

    def _sealed_heads(self, sealed: dict[str, tuple[int, str]]) -> Iterator[ChainBreak]:
        """No chain may be shorter now than when it was sealed (its head deleted or rewound)."""
        names = sorted(sealed)
        for start in range(0, len(names), 2000):
            part = names[start : start + 2000]
            now = dict(AuditChainHead.objects.filter(chain__in=part).values_list("chain", "last_seq"))
            for chain in part:
                seq = sealed[chain][0]
                if chain not in now:
                    yield ChainBreak(seq, _("已封存的链没有链头（整条链在封存后被删除？）"), chain)
                elif now[chain] < seq:
                    yield ChainBreak(
                        seq,
                        _("链头序号 %(now)s 小于封存时的 %(sealed)s（封存后末尾记录被删除？）")
                        % {"now": now[chain], "sealed": seq},
                        chain,
                    )


def audit_chain_walk(*, chunk_size: int = 5000) -> ChainWalk:
    """A walk over every chain and seal; iterate ``.breaks()``, then read ``.checked``."""
    return ChainWalk(chunk_size=chunk_size)


def audit_chain_breaks(*, chunk_size: int = 5000) -> Iterator[ChainBreak]:
    """Walk every chain and seal and yield every place where the log does not hold."""
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
