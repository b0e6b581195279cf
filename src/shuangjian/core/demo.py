"""The demo city: core builds places and accounts; each app registers a step that adds its data.

Steps run in ``order``; they share a seeded ``random.Random`` so ``demo_city --seed N`` is repeatable.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

DEMO_PASSWORD = "Shuangjian#2026"


@dataclass
class DemoContext:
    seed: int
    rng: random.Random
    out: TextIO
    city_code: str = "4102"
    # One entry per demo account: role, department, scope, username, password, institution.
    accounts: list[dict[str, Any]] = field(default_factory=list)
    # Steps leave things for later steps here (e.g. "institutions": [...]).
    shared: dict[str, Any] = field(default_factory=dict)

    def log(self, message: str) -> None:
        self.out.write(message + "\n")


DemoStep = Callable[[DemoContext], None]
_STEPS: list[tuple[int, str, DemoStep]] = []


def register_demo_step(order: int, name: str) -> Callable[[DemoStep], DemoStep]:
    def decorator(func: DemoStep) -> DemoStep:
        if all(n != name for _, n, _ in _STEPS):
            _STEPS.append((order, name, func))
        return func

    return decorator


def demo_steps() -> list[tuple[int, str, DemoStep]]:
    return sorted(_STEPS, key=lambda s: (s[0], s[1]))
