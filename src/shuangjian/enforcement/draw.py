"""The random draw of 双随机一公开 as a pure, replayable computation (no database, no Django).

Anyone holding the published lists and the revealed seed can recompute the result with this module alone, or
with any language that has HMAC-SHA256 and a natural logarithm. The algorithm (``ALGORITHM``):

1. Commitment. Before the draw, a 32-byte random seed is made and ``sha256(seed bytes)`` is published together
   with the lists; ``lists_sha256`` is the SHA-256 of the lists' canonical JSON (``canonical_json``: keys sorted,
   no spaces, UTF-8), so neither the seed nor a list entry can change after the commitment without it showing.
2. A number per item: ``u(label) = (int(first 8 bytes of HMAC-SHA256(key=seed, msg=label), big-endian) + 0.5) / 2^64``,
   strictly between 0 and 1, for the label ``"institution:<id>"`` or ``"inspector:<institution id>:<inspector id>"``.
3. Institutions: weighted sampling without replacement by Efraimidis–Spirakis keys ``ln(u) / weight`` (the
   ``weight`` column of the published list, a positive integer); the ``sample_size`` largest keys are drawn, ties
   broken by the smaller id, and kept in that order.
4. Inspectors, per drawn institution in that order: every listed inspector not in a published conflict with the
   institution gets the key ``u("inspector:<institution id>:<inspector id>")``; the ``inspectors_per_institution``
   largest are drawn (ties: smaller id), in key order — the first leads the inspection.

Floor probability. The published ``weight`` already includes the floor (``effective_weights``): at every pick the
chance of drawing institution i is at least ``w_i / W`` (the weights still in the pot never exceed ``W``), so
over ``k`` picks it is drawn with probability at least ``1 - (1 - w_i / W)^k``; weights are raised until that
bound reaches the floor for every institution (or, when the floor asks for more, all weights are made equal,
giving exactly ``k / N``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

ALGORITHM = "shuangjian-draw/v1: Efraimidis-Spirakis keys from HMAC-SHA256(seed, label)"
SEED_BYTES = 32
# Base weights are multiplied by this before the floor is applied, so raised weights keep their precision in
# integers (the published list holds integers only: the replay never depends on decimal rounding).
WEIGHT_SCALE = 1000


class DrawImpossible(ValueError):
    """The published lists cannot give a result (e.g. an institution has fewer free inspectors than needed)."""

    def __init__(self, message: str, *, institution_id: int | None = None) -> None:
        super().__init__(message)
        self.institution_id = institution_id


# --- seed and commitment ----------------------------------------------------------------------------------------


def new_seed() -> str:
    return secrets.token_hex(SEED_BYTES)


def seed_hash(seed_hex: str) -> str:
    """SHA-256 of the seed's bytes, as published before the draw (``echo -n SEED | xxd -r -p | sha256sum``)."""
    return hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest()


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def lists_hash(lists: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(lists)).hexdigest()


# --- the draw --------------------------------------------------------------------------------------------------


def uniform(seed_hex: str, label: str) -> float:
    """A number strictly between 0 and 1 that only the seed and the label decide."""
    digest = hmac.new(bytes.fromhex(seed_hex), label.encode("utf-8"), hashlib.sha256).digest()
    return (int.from_bytes(digest[:8], "big") + 0.5) / 2**64


def institution_key(seed_hex: str, institution_id: int, weight: int) -> float:
    return math.log(uniform(seed_hex, f"institution:{institution_id}")) / weight


def inspector_key(seed_hex: str, institution_id: int, inspector_id: int) -> float:
    return uniform(seed_hex, f"inspector:{institution_id}:{inspector_id}")


@dataclass(frozen=True)
class Drawn:
    institution: int
    inspectors: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        return {"institution": self.institution, "inspectors": list(self.inspectors)}


def draw(lists: Mapping[str, Any], seed_hex: str) -> list[Drawn]:
    """The result the published ``lists`` and ``seed_hex`` give (see the module's documentation)."""
    k = int(lists["sample_size"])
    per = int(lists["inspectors_per_institution"])
    institutions = [(int(e["id"]), int(e["weight"])) for e in lists["institutions"]]
    if any(w <= 0 for _, w in institutions):
        raise DrawImpossible("weights must be positive integers")
    keyed = sorted(((institution_key(seed_hex, i, w), -i) for i, w in institutions), reverse=True)
    chosen = [-neg for _, neg in keyed[:k]]
    inspectors = sorted({int(e["id"]) for e in lists["inspectors"]})
    conflicts: dict[int, set[int]] = {}
    for c in lists["conflicts"]:
        conflicts.setdefault(int(c["institution"]), set()).add(int(c["inspector"]))
    result: list[Drawn] = []
    for inst in chosen:
        blocked = conflicts.get(inst, set())
        free = sorted(((inspector_key(seed_hex, inst, p), -p) for p in inspectors if p not in blocked), reverse=True)
        if len(free) < per:
            raise DrawImpossible(f"institution {inst}: {len(free)} free inspectors, {per} needed", institution_id=inst)
        result.append(Drawn(inst, tuple(-neg for _, neg in free[:per])))
    return result


def result_json(result: Iterable[Drawn]) -> list[dict[str, Any]]:
    return [d.as_json() for d in result]


@dataclass(frozen=True)
class ReplayCheck:
    seed_matches_hash: bool
    lists_match_hash: bool
    result_matches: bool
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.seed_matches_hash and self.lists_match_hash and self.result_matches


def replay(document: Mapping[str, Any]) -> ReplayCheck:
    """Check an exported draw (``lists``, ``lists_sha256``, ``seed``, ``seed_sha256``, ``result``) end to end."""
    lists = document["lists"]
    seed = str(document.get("seed") or "")
    seed_ok = bool(seed) and seed_hash(seed) == document.get("seed_sha256")
    lists_ok = lists_hash(lists) == document.get("lists_sha256")
    try:
        recomputed = result_json(draw(lists, seed)) if seed else None
    except (DrawImpossible, ValueError, KeyError, TypeError) as exc:
        return ReplayCheck(seed_ok, lists_ok, False, str(exc))
    return ReplayCheck(seed_ok, lists_ok, recomputed == document.get("result"))


# --- weights and the floor -------------------------------------------------------------------------------------


def per_pick_share(floor: Fraction, picks: int) -> Fraction:
    """The least share ``q`` of the total weight such that ``1 - (1 - q)^picks >= floor`` (rounded up)."""
    if floor <= 0 or picks <= 0:
        return Fraction(0)
    q = 1 - (1 - float(floor)) ** (1 / picks)
    # Rounded up at 1e-12 so the float's last bits can never leave q below the exact root.
    share = Fraction(math.ceil(q * 10**12), 10**12)
    return min(share, Fraction(1))


def effective_weights(base: Mapping[int, int], *, floor: Fraction, picks: int) -> dict[int, int]:
    """Integer weights (``base`` × ``WEIGHT_SCALE``, the smallest raised) giving every item an inclusion
    probability of at least ``floor`` over ``picks`` picks without replacement; all equal if that is the only way.

    Raises ValueError when the floor is above ``picks / N``: no weighting gives every item that much.
    """
    n = len(base)
    if n == 0:
        return {}
    if any(w <= 0 for w in base.values()):
        raise ValueError("base weights must be positive")
    if floor > Fraction(min(picks, n), n):
        raise ValueError("floor above sample size / number of items")
    q = per_pick_share(floor, min(picks, n))
    if picks >= n or q * n >= 1:
        return dict.fromkeys(base, 1)
    scaled = {i: w * WEIGHT_SCALE for i, w in base.items()}
    ordered = sorted(scaled.values())
    total = sum(ordered)
    # Find the clamp c with c = q * (m * c + S_rest), m items at or below c, S_rest the sum of those above.
    clamp = Fraction(0)
    below_sum = 0
    for m in range(0, n + 1):
        rest = total - below_sum
        c = q * rest / (1 - q * m)
        nxt = ordered[m] if m < n else None
        prev = ordered[m - 1] if m > 0 else 0
        if c >= prev and (nxt is None or c <= nxt):
            clamp = c
            break
        if m < n:
            below_sum += ordered[m]
    floor_weight = math.ceil(clamp)
    return {i: max(w, floor_weight) for i, w in scaled.items()}


def inclusion_lower_bound(weight: int, total: int, picks: int) -> float:
    """The guaranteed least probability that an item of ``weight`` out of ``total`` is drawn in ``picks`` picks."""
    return 1 - (1 - weight / total) ** picks


def planned_days(start_ordinal: int, end_ordinal: int, count: int) -> list[int]:
    """Spread ``count`` inspections evenly over the days ``start..end`` (ordinals), in draw order."""
    span = max(end_ordinal - start_ordinal, 0) + 1
    return [start_ordinal + (i * span) // max(count, 1) for i in range(count)]


def as_fraction(basis_points: int) -> Fraction:
    return Fraction(basis_points, 10_000)


def check_no_conflicts(lists: Mapping[str, Any], result: Sequence[Drawn]) -> list[tuple[int, int]]:
    """Drawn (inspector, institution) pairs that are in a published conflict (always empty for a correct draw)."""
    pairs = {(int(c["inspector"]), int(c["institution"])) for c in lists["conflicts"]}
    return [(p, d.institution) for d in result for p in d.inspectors if (p, d.institution) in pairs]
