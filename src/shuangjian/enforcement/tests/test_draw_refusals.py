"""The verifiable draw pinned to its published algorithm: a fixed seed and lists give exactly this result (so
anyone replaying it gets the same), the hashes are those of the documented bytes, each refusal names its reason,
and the floor weights and planned days are the exact integers."""

from __future__ import annotations

import copy
import math
from fractions import Fraction
from typing import Any

import pytest

from shuangjian.enforcement import draw as algo

SEED = "00" * 31 + "2a"
LISTS: dict[str, Any] = {
    "sample_size": 3,
    "inspectors_per_institution": 2,
    "institutions": [
        {"id": i, "weight": w} for i, w in [(1, 1000), (2, 1000), (3, 5000), (4, 1000), (5, 2000), (6, 1000)]
    ],
    "inspectors": [{"id": p} for p in (101, 102, 103, 104)],
    "conflicts": [{"inspector": 101, "institution": 3}, {"inspector": 102, "institution": 5}],
}
RESULT = [
    algo.Drawn(1, (101, 104)),
    algo.Drawn(3, (102, 104)),  # 101 is in conflict with institution 3
    algo.Drawn(5, (101, 103)),  # 102 with institution 5
]


def document(lists=LISTS, seed=SEED) -> dict:
    lists = copy.deepcopy(lists)
    return {
        "lists": lists,
        "lists_sha256": algo.lists_hash(lists),
        "seed": seed,
        "seed_sha256": algo.seed_hash(seed),
        "result": algo.result_json(algo.draw(lists, seed)),
    }


def test_a_fixed_seed_and_lists_give_exactly_this_result():
    assert algo.draw(LISTS, SEED) == RESULT
    assert algo.result_json(RESULT) == [
        {"institution": 1, "inspectors": [101, 104]},
        {"institution": 3, "inspectors": [102, 104]},
        {"institution": 5, "inspectors": [101, 103]},
    ]


def test_the_numbers_behind_the_result():
    assert algo.uniform(SEED, "institution:1") == 0.998783274240139
    assert algo.institution_key(SEED, 1, 1000) == math.log(0.998783274240139) / 1000
    assert algo.institution_key(SEED, 3, 5000) == -7.885332463243535e-05
    assert algo.inspector_key(SEED, 3, 104) == 0.07337513179846239
    assert algo.inspector_key(SEED, 3, 104) == algo.uniform(SEED, "inspector:3:104")


def test_the_published_hashes_are_of_the_documented_bytes():
    assert algo.seed_hash(SEED) == "0a28e9ffef0073f9a6a674cf57ee77307f38f0f1bebb087888d9011ed0eeefdf"
    assert algo.canonical_json({"b": [1, "é"], "a": {"y": 1, "x": 2}}) == '{"a":{"x":2,"y":1},"b":[1,"é"]}'.encode()
    assert algo.lists_hash({"a": 1}) == "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"


def test_a_new_seed_is_32_random_bytes_in_hex():
    seeds = {algo.new_seed() for _ in range(5)}
    assert len(seeds) == 5 and all(len(s) == 64 and bytes.fromhex(s) for s in seeds)


def test_sample_size_and_inspectors_per_institution_are_obeyed():
    one = dict(LISTS, sample_size=1, inspectors_per_institution=1)
    assert algo.draw(one, SEED) == [algo.Drawn(1, (101,))]
    everyone = dict(LISTS, sample_size=10)
    assert [d.institution for d in algo.draw(everyone, SEED)][:3] == [1, 3, 5]
    assert len(algo.draw(everyone, SEED)) == 6


@pytest.mark.parametrize("weight", [0, -1000])
def test_a_weight_that_is_not_positive_is_refused(weight):
    lists = copy.deepcopy(LISTS)
    lists["institutions"][4]["weight"] = weight
    with pytest.raises(algo.DrawImpossible, match=r"^weights must be positive integers$"):
        algo.draw(lists, SEED)


def test_too_few_free_inspectors_names_the_institution_and_the_numbers():
    lists = dict(LISTS, inspectors_per_institution=4)
    with pytest.raises(algo.DrawImpossible) as caught:
        algo.draw(lists, SEED)
    assert str(caught.value) == "institution 3: 3 free inspectors, 4 needed"
    assert caught.value.institution_id == 3
    assert algo.DrawImpossible("x").institution_id is None


def test_exactly_enough_free_inspectors_is_a_draw():
    lists = dict(LISTS, inspectors_per_institution=3)
    assert [len(d.inspectors) for d in algo.draw(lists, SEED)] == [3, 3, 3]


def test_replay_of_an_honest_document_is_ok():
    check = algo.replay(document())
    assert check == algo.ReplayCheck(True, True, True, "")
    assert check.ok


@pytest.mark.parametrize(
    ("seed_ok", "lists_ok", "result_ok"), [(False, True, True), (True, False, True), (True, True, False)]
)
def test_replay_fails_if_any_one_check_fails(seed_ok, lists_ok, result_ok):
    assert not algo.ReplayCheck(seed_ok, lists_ok, result_ok).ok


def test_replay_without_a_seed_matches_nothing():
    doc = document()
    doc["seed"] = ""
    check = algo.replay(doc)
    assert check == algo.ReplayCheck(False, True, False, "")
    del doc["seed"]
    assert algo.replay(doc) == algo.ReplayCheck(False, True, False, "")


def test_replay_of_a_forged_result_or_seed_hash():
    forged = document()
    forged["result"][1]["inspectors"] = [104, 102]
    assert algo.replay(forged) == algo.ReplayCheck(True, True, False, "")
    wrong_hash = dict(document(), seed_sha256="0" * 64)
    assert algo.replay(wrong_hash) == algo.ReplayCheck(False, True, True, "")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda lists: lists.update(inspectors_per_institution=4), "institution 3: 3 free inspectors, 4 needed"),
        (lambda lists: lists["institutions"][0].update(weight=0), "weights must be positive integers"),
        (lambda lists: lists.pop("conflicts"), "'conflicts'"),
        (
            lambda lists: lists.update(sample_size=None),
            "int() argument must be a string, a bytes-like object or a real number, not 'NoneType'",
        ),
        (lambda lists: lists.update(sample_size="x"), "invalid literal for int() with base 10: 'x'"),
    ],
)
def test_replay_of_lists_that_cannot_be_drawn_says_why(change, problem):
    doc = document()
    change(doc["lists"])
    check = algo.replay(doc)
    assert check == algo.ReplayCheck(True, False, False, problem)


def test_per_pick_share():
    assert algo.per_pick_share(Fraction(1, 10), 2) == Fraction(1026334039, 20_000_000_000)  # 1 - sqrt(0.9), up
    assert algo.per_pick_share(Fraction(1, 2), 1) == Fraction(1, 2)
    assert algo.per_pick_share(Fraction(1), 1) == 1
    assert algo.per_pick_share(Fraction(0), 3) == 0
    assert algo.per_pick_share(Fraction(-1, 10), 3) == 0
    assert algo.per_pick_share(Fraction(1, 10), 0) == 0
    assert algo.per_pick_share(Fraction(1, 10), -1) == 0
    q = algo.per_pick_share(Fraction(1, 10), 2)
    assert 1 - (1 - q) ** 2 >= Fraction(1, 10)  # never below the exact root


BASE = {1: 1, 2: 100, 3: 100, 4: 100, 5: 100}


@pytest.mark.parametrize(
    ("base", "floor", "picks", "weights"),
    [
        (BASE, Fraction(1, 10), 2, {1: 21_638, 2: 100_000, 3: 100_000, 4: 100_000, 5: 100_000}),
        (BASE, Fraction(3, 10), 2, {1: 78_092, 2: 100_000, 3: 100_000, 4: 100_000, 5: 100_000}),
        (BASE, Fraction(0), 2, {1: 1_000, 2: 100_000, 3: 100_000, 4: 100_000, 5: 100_000}),
        (BASE, Fraction(1, 10), 5, dict.fromkeys(BASE, 1)),  # every item is drawn anyway
        (BASE, Fraction(1, 10), 9, dict.fromkeys(BASE, 1)),
        (BASE, Fraction(2, 5), 2, dict.fromkeys(BASE, 1)),  # the floor is k / N: only equal weights give it
        # The three light items are all raised to one clamp; the heavy ones keep theirs.
        (
            {1: 1, 2: 2, 3: 3, 4: 50, 5: 60, 6: 70},
            Fraction(1, 10),
            1,
            {1: 25_715, 2: 25_715, 3: 25_715, 4: 50_000, 5: 60_000, 6: 70_000},
        ),
        ({}, Fraction(1, 10), 2, {}),
    ],
)
def test_effective_weights(base, floor, picks, weights):
    got = algo.effective_weights(base, floor=floor, picks=picks)
    assert got == weights
    assert all(type(w) is int for w in got.values())
    if got and floor and len(set(got.values())) > 1:  # equal weights: exactly k / N, above this bound
        total = sum(got.values())
        assert all(algo.inclusion_lower_bound(w, total, picks) >= float(floor) - 1e-9 for w in got.values())


def test_effective_weights_refusals():
    with pytest.raises(ValueError, match=r"^base weights must be positive$"):
        algo.effective_weights({1: 1, 2: 0}, floor=Fraction(1, 10), picks=1)
    with pytest.raises(ValueError, match=r"^base weights must be positive$"):
        algo.effective_weights({1: -1, 2: 5}, floor=Fraction(1, 10), picks=1)
    with pytest.raises(ValueError, match=r"^floor above sample size / number of items$"):
        algo.effective_weights(BASE, floor=Fraction(2, 5) + Fraction(1, 10**9), picks=2)
    # More picks than items: the floor may reach 1.
    assert algo.effective_weights(BASE, floor=Fraction(1), picks=7) == dict.fromkeys(BASE, 1)


def test_inclusion_lower_bound():
    assert algo.inclusion_lower_bound(1, 4, 2) == 0.4375
    assert algo.inclusion_lower_bound(1, 4, 1) == 0.25
    assert algo.inclusion_lower_bound(4, 4, 3) == 1.0


@pytest.mark.parametrize(
    ("start", "end", "count", "days"),
    [
        (100, 130, 7, [100, 104, 108, 113, 117, 122, 126]),
        (100, 100, 3, [100, 100, 100]),
        (100, 90, 2, [100, 100]),  # an end before the start is a one-day round
        (1, 10, 0, []),
        (1, 10, 1, [1]),
        (1, 10, 10, list(range(1, 11))),
        (1, 10, 5, [1, 3, 5, 7, 9]),
    ],
)
def test_planned_days(start, end, count, days):
    assert algo.planned_days(start, end, count) == days


def test_as_fraction_is_basis_points():
    assert algo.as_fraction(1500) == Fraction(3, 20)
    assert algo.as_fraction(10_000) == 1


def test_check_no_conflicts_names_each_conflicting_pair():
    assert algo.check_no_conflicts(LISTS, RESULT) == []
    bad = [algo.Drawn(3, (101, 104)), algo.Drawn(5, (102, 101))]
    assert algo.check_no_conflicts(LISTS, bad) == [(101, 3), (102, 5)]


def test_a_document_without_a_seed_never_replays_even_if_its_result_is_the_empty_keys():
    # Without a seed there is nothing to check the result against, whatever the result says.
    doc = document()
    doc["seed"] = ""
    doc["result"] = algo.result_json(algo.draw(doc["lists"], ""))
    assert algo.replay(doc) == algo.ReplayCheck(False, True, False, "")


def test_a_floor_of_exactly_one_over_n_per_pick_makes_the_weights_equal():
    # q = 1/2 over 2 items: q * n == 1, so equal weights are the only way.
    assert algo.effective_weights({1: 1, 2: 3}, floor=Fraction(1, 2), picks=1) == {1: 1, 2: 1}


def test_every_item_but_the_heaviest_can_be_raised():
    # q = 0.3 (rounded up): the two light items are raised to 0.3 × 250,000, rounded up; the heavy one keeps its own.
    assert algo.effective_weights({1: 1, 2: 1, 3: 100}, floor=Fraction(3, 10), picks=1) == {
        1: 75_001,
        2: 75_001,
        3: 100_000,
    }
