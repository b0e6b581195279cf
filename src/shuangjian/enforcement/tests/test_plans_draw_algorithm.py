"""The draw algorithm alone (enforcement/draw.py): determinism, conflicts, the floor, the replay check."""

from __future__ import annotations

import copy
import random
from collections import Counter
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuangjian.enforcement import draw as algo

SEED = "00" * 31 + "2a"


def lists_of(
    n_inst: int,
    n_insp: int,
    *,
    k: int,
    conflicts: tuple[tuple[int, int], ...] | list[tuple[int, int]] = (),
    weights: Any = None,
) -> dict:
    return {
        "sample_size": k,
        "inspectors_per_institution": 2,
        "institutions": [{"id": i, "weight": (weights or {}).get(i, 1)} for i in range(1, n_inst + 1)],
        "inspectors": [{"id": 100 + p, "name": f"人员{p}"} for p in range(n_insp)],
        "conflicts": [{"inspector": p, "institution": i, "kind": "declared"} for p, i in conflicts],
    }


def document(lists: dict, seed: str) -> dict:
    return {
        "lists": lists,
        "lists_sha256": algo.lists_hash(lists),
        "seed": seed,
        "seed_sha256": algo.seed_hash(seed),
        "result": algo.result_json(algo.draw(lists, seed)),
    }


def test_same_seed_and_lists_give_the_same_institutions_and_inspectors() -> None:
    lists = lists_of(30, 6, k=8)
    first = algo.draw(lists, SEED)
    assert first == algo.draw(copy.deepcopy(lists), SEED)
    assert len(first) == 8 and len({d.institution for d in first}) == 8
    assert all(len(set(d.inspectors)) == 2 for d in first)
    assert algo.draw(lists, "ff" * 32) != first  # another seed, another draw


def test_the_key_is_documented_hmac_sha256() -> None:
    import hashlib
    import hmac

    digest = hmac.new(bytes.fromhex(SEED), b"institution:7", hashlib.sha256).digest()
    assert algo.uniform(SEED, "institution:7") == (int.from_bytes(digest[:8], "big") + 0.5) / 2**64


def test_replay_check_matches_and_fails_on_any_change() -> None:
    doc = document(lists_of(20, 5, k=6), SEED)
    assert algo.replay(doc).ok
    changed_weight = copy.deepcopy(doc)
    changed_weight["lists"]["institutions"][3]["weight"] = 50
    check = algo.replay(changed_weight)
    assert not check.ok and not check.lists_match_hash
    other_seed = dict(doc, seed="ab" * 32)
    check = algo.replay(other_seed)
    assert not check.ok and not check.seed_matches_hash and not check.result_matches
    forged = copy.deepcopy(doc)
    forged["result"][0]["inspectors"] = forged["result"][0]["inspectors"][::-1]
    assert not algo.replay(forged).result_matches


def test_too_few_free_inspectors_is_refused() -> None:
    lists = lists_of(1, 3, k=1, conflicts=[(100, 1), (101, 1)])
    with pytest.raises(algo.DrawImpossible):
        algo.draw(lists, SEED)


@settings(max_examples=60, deadline=None)
@given(
    n_inst=st.integers(1, 25),
    n_insp=st.integers(2, 8),
    k=st.integers(1, 30),
    seed=st.binary(min_size=32, max_size=32).map(bytes.hex),
    data=st.data(),
)
def test_no_drawn_inspector_is_in_conflict(n_inst: int, n_insp: int, k: int, seed: str, data: Any) -> None:
    pairs = data.draw(
        st.lists(st.tuples(st.integers(100, 100 + n_insp - 1), st.integers(1, n_inst)), max_size=n_inst * n_insp)
    )
    lists = lists_of(n_inst, n_insp, k=k, conflicts=pairs)
    try:
        result = algo.draw(lists, seed)
    except algo.DrawImpossible as exc:
        blocked = {p for p, i in pairs if i == exc.institution_id}
        assert n_insp - len(blocked) < 2
        return
    assert algo.check_no_conflicts(lists, result) == []
    assert len(result) == min(k, n_inst)


@settings(max_examples=80, deadline=None)
@given(
    base=st.lists(st.integers(1, 100), min_size=1, max_size=60),
    k=st.integers(1, 20),
    floor_bp=st.integers(0, 10_000),
)
def test_every_institution_keeps_at_least_the_floor_probability(base: list[int], k: int, floor_bp: int) -> None:
    weights = dict(enumerate(base, start=1))
    n = len(weights)
    floor = algo.as_fraction(floor_bp)
    if floor > Fraction(min(k, n), n):
        with pytest.raises(ValueError):
            algo.effective_weights(weights, floor=floor, picks=k)
        return
    eff = algo.effective_weights(weights, floor=floor, picks=k)
    assert set(eff) == set(weights) and all(isinstance(w, int) and w > 0 for w in eff.values())
    if len(set(eff.values())) == 1:  # uniform: exactly min(k, n) / n each
        assert Fraction(min(k, n), n) >= floor
        return
    total = sum(eff.values())
    for w in eff.values():
        assert algo.inclusion_lower_bound(w, total, min(k, n)) >= float(floor) - 1e-12
    # The order of the base weights is kept (a heavier institution never weighs less than a lighter one).
    for i in weights:
        for j in weights:
            if weights[i] > weights[j]:
                assert eff[i] >= eff[j]


def test_floor_holds_in_repeated_draws() -> None:
    """Statistical sanity: a light institution among heavy ones is drawn at least about as often as the floor."""
    base = {1: 1, **{i: 100 for i in range(2, 21)}}
    floor = Fraction(1, 10)
    eff = algo.effective_weights(base, floor=floor, picks=2)
    lists = lists_of(20, 2, k=2, weights=eff)
    rng = random.Random(7)
    runs = 3000
    hits = Counter(d.institution for _ in range(runs) for d in algo.draw(lists, rng.randbytes(32).hex()))
    # Without the floor institution 1 would be drawn about 1 % of the time; with it, at least 10 % in expectation
    # (3 standard deviations below: 0.1 - 3 * sqrt(0.09 / 3000) ≈ 0.084).
    assert hits[1] / runs >= 0.084
    assert algo.effective_weights(base, floor=Fraction(0), picks=2)[1] == 1 * algo.WEIGHT_SCALE


def test_planned_days_spread_inside_the_round() -> None:
    days = algo.planned_days(100, 130, 7)
    assert days[0] == 100 and all(100 <= d <= 130 for d in days) and days == sorted(days)
