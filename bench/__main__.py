"""Runner: `python -m bench` runs every bench module; `python -m bench smoke funds` only the matching ones.

Dev settings unless DJANGO_SETTINGS_MODULE says otherwise. A module that fails prints its error; the runner
goes on with the next one and exits non-zero at the end.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


def discover(patterns: list[str]) -> list[str]:
    names = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    if patterns:
        names = [n for n in names if any(pat in n for pat in patterns)]
    return names


def format_figure(figure: float) -> str:
    if isinstance(figure, int) or float(figure).is_integer():
        return str(int(figure))
    return f"{figure:.3g}" if abs(figure) < 100 else f"{figure:.0f}"


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuangjian.config.settings.dev")
    # Measure what production runs: with DEBUG on, Django keeps a log of every query's SQL text (measured: about
    # a quarter of the ledger batch's client time). DEBUG=1 in the environment puts it back.
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()

    names = discover(argv)
    if not names:
        print(f"no bench module matches {' '.join(argv)!r}", file=sys.stderr)
        return 2
    failed: list[str] = []
    for name in names:
        print(f"== {name}", flush=True)
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            for figure_name, figure, unit in module.run():
                print(f"{figure_name}: {format_figure(figure)} {unit}", flush=True)
        except Exception:
            traceback.print_exc()
            print(f"{name}: FAILED", flush=True)
            failed.append(name)
        print(f"({name} took {time.perf_counter() - start:.1f} s)", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
