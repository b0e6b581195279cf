"""Mutation testing of the rule modules: mutmut over each module, against the tests that cover it.

    python scripts/mutation.py                 # every module, one after another
    python scripts/mutation.py students courses/rules core/calendar   # some of them
    python scripts/mutation.py --results       # only print the table from the last runs
    python scripts/mutation.py --survivors students   # the surviving mutants' diffs, to kill or excuse

The modules are every ``rules.py`` of every app (a new app's rules join by being there) and the core modules
the rules stand on (``CORE_MODULES``). Each module runs in its own work directory, ``var/mutation/<slug>/``,
whose ``pyproject.toml`` is the project's with a ``[tool.mutmut]`` of its own: mutmut mutates only that
module and runs only the test files that import it (mutmut then runs, per mutant, only the tests that
reached the mutated function). mutmut keeps its copy of the project in ``<work dir>/mutants``; the test
files are copied in again before every run so that a new test counts.

A surviving mutant is excused only by a line in ``mutation_equivalents.txt`` beside the module's tests
(``<mutant name>  # why it cannot change behaviour``). The score is killed (timeouts count as killed, as in
mutmut) over all mutants not excused; the target is ``TARGET`` per module.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
PACKAGE = SRC / "shuangjian"
WORK = ROOT / "var" / "mutation"
CORE_MODULES = ("core/validators.py", "core/calendar.py", "core/money.py")
# Rule modules not called rules.py (enforcement's penalty calculator and its verifiable draw).
EXTRA_MODULES = ("enforcement/calculator.py", "enforcement/draw.py")
EQUIVALENTS = "mutation_equivalents.txt"
# Modules whose app tests need the database (the calendar's tables): mutmut would build a test database for every
# mutant, minutes each. These run against pure tests only, which read fake calendar tables
# (core/tests/pure_calendar.py).
PURE_TESTS = {
    "enforcement/rules.py": ("src/shuangjian/enforcement/tests/test_rules_refusals.py",),
    "core/calendar.py": ("src/shuangjian/core/tests/test_calendar_pure.py",),
}
TARGET = 95.0

# Loaded into every pytest run of mutmut: a kill must not depend on the machine's load (Hypothesis's deadline) or
# on luck (Hypothesis's random examples); derandomised, each run of a test tries the same examples.
PLUGIN = "_mutation_hypothesis"
PLUGIN_SOURCE = """from hypothesis import settings

settings.register_profile("mutation", deadline=None, derandomize=True)
settings.load_profile("mutation")
"""

# mutmut's exit codes per mutant (mutmut.stats.status_by_exit_code).
KILLED = {1, 3}
SURVIVED = {0}
NO_TESTS = {5, 33}
TIMEOUT = {-24, 24, 152, 255, 36}


@dataclass
class Module:
    path: Path  # relative to ROOT, e.g. src/shuangjian/students/rules.py

    @property
    def label(self) -> str:
        return self.path.relative_to("src/shuangjian").as_posix()

    @property
    def slug(self) -> str:
        return self.label.removesuffix(".py").replace("/", "-")

    @property
    def dotted(self) -> str:
        return ".".join(self.path.relative_to("src").with_suffix("").parts)

    @property
    def tests_dir(self) -> Path:
        return self.path.parent / "tests"

    @property
    def workdir(self) -> Path:
        return WORK / self.slug

    def test_files(self, *, wide: bool = False) -> list[Path]:
        """The unit tests that import the module: its app's ``test_*<stem>*.py`` and any app's ``test_rules*.py``
        (courses' test_rules.py also covers staff's and registry's rules). ``wide``: every test file of its app
        that imports it as well (views, services, the demo: far slower, since mutmut runs each test that reaches
        a mutated function)."""
        if not wide and self.label in PURE_TESTS:
            return [Path(p) for p in PURE_TESTS[self.label]]
        app, stem = self.path.parent.name, self.path.stem
        absolute = re.compile(rf"shuangjian\.{app}\.{stem}\b|from shuangjian\.{app} import [^\n]*\b{stem}\b")
        relative = re.compile(rf"from \.\.{stem} import|from \.\. import [^\n]*\b{stem}\b")  # own app only
        own = sorted((ROOT / self.tests_dir).glob("test_*.py" if wide else f"test_*{stem}*.py"))
        found = [p for p in own if absolute.search(text := p.read_text("utf-8")) or relative.search(text)]
        found += [
            p
            for p in sorted(PACKAGE.glob("*/tests/test_rules*.py"))
            if p not in own and absolute.search(p.read_text("utf-8"))
        ]
        return [p.relative_to(ROOT) for p in found]


def discover() -> list[Module]:
    paths = sorted(PACKAGE.glob("*/rules.py")) + [PACKAGE / m for m in EXTRA_MODULES + CORE_MODULES]
    return [Module(p.relative_to(ROOT)) for p in paths if p.exists()]


def select(modules: list[Module], names: list[str]) -> list[Module]:
    if not names:
        return modules
    chosen = []
    for name in names:
        key = name.removesuffix(".py")
        hits = [m for m in modules if m.label.removesuffix(".py") in (key, f"{key}/rules")]
        if not hits:
            sys.exit(f"no rule module called {name!r}; known: {', '.join(m.label for m in modules)}")
        chosen += [m for m in hits if m not in chosen]
    return chosen


def mutmut_config(module: Module, tests: list[Path]) -> str:
    """The project's pyproject.toml with this module's [tool.mutmut] in place of the shared one."""
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    shared = tomllib.loads(text).get("tool", {}).get("mutmut", {})
    text = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[)", "", text)
    settings = dict(shared)
    settings["source_paths"] = ["src"]
    settings["only_mutate"] = [module.path.as_posix()]
    settings["pytest_add_cli_args_test_selection"] = [t.as_posix() for t in tests]
    settings["pytest_add_cli_args"] = [*settings.get("pytest_add_cli_args", []), "-p", PLUGIN]
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in settings.items()]
    return text + "\n".join(lines) + "\n"


def prepare(module: Module, tests: list[Path], *, fresh: bool) -> None:
    work = module.workdir
    if fresh and work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    link = work / "src"
    if not link.exists():
        link.symlink_to(SRC, target_is_directory=True)
    (work / "pyproject.toml").write_text(mutmut_config(module, tests), "utf-8")
    shutil.copy2(ROOT / "conftest.py", work / "conftest.py")
    # mutmut puts its copy's root on sys.path, so pytest loads this plugin from there.
    (work / "mutants").mkdir(exist_ok=True)
    (work / "mutants" / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE, "utf-8")
    # mutmut copies src/ once and never again: refresh the module's tests (and its source, for a kept run) so
    # a test written since the last run is the one that runs.
    copy = work / "mutants" / module.tests_dir
    if copy.parent.exists():
        shutil.copytree(ROOT / module.tests_dir, copy, dirs_exist_ok=True)


def run(module: Module, *, fresh: bool, wide: bool, max_children: int | None) -> int:
    tests = module.test_files(wide=wide)
    if not tests:
        print(f"== {module.label}: no test file imports it; every mutant survives")
        tests = [module.tests_dir]
    prepare(module, tests, fresh=fresh)
    names = ", ".join(f"{t.parent.parent.name}/{t.name}" for t in tests)
    print(f"== {module.label}: mutmut against {names}", flush=True)
    command = [str(Path(sys.executable).parent / "mutmut"), "run"]
    if max_children:
        command += ["--max-children", str(max_children)]
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="shuangjian.config.settings.test")
    env.pop("DATABASE_URL", None)  # the rule tests are pure; SQLite in memory for any that are not
    # mutmut draws a spinner per mutant: its output goes to a log beside its copy, the table says the rest.
    log = module.workdir / "mutmut.log"
    with log.open("w") as out:
        code = subprocess.call(command, cwd=module.workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
        # A mutant whose test process was killed (a timeout) can be left unrecorded: give those one more run.
        t = tally(module)
        unchecked = [name for name in (t.other if t else []) if t and t.codes[name] is None]
        if code == 0 and unchecked:
            code = subprocess.call(
                command + unchecked, cwd=module.workdir, env=env, stdout=out, stderr=subprocess.STDOUT
            )
    if code:
        print(f"   mutmut exited with {code}; its output: {log.relative_to(ROOT)}")
    return code


def equivalents(module: Module) -> dict[str, str]:
    found: dict[str, str] = {}
    path = ROOT / module.tests_dir / EQUIVALENTS
    if path.exists():
        for raw in path.read_text("utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            name, _, why = line.partition("#")
            found[name.strip()] = why.strip()
    return {k: v for k, v in found.items() if k.startswith(module.dotted.replace(".", ".") + ".")}


@dataclass
class Tally:
    module: Module
    total: int = 0
    killed: int = 0
    survived: list[str] = field(default_factory=list)
    timeout: int = 0
    no_tests: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    excused: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # excused mutants that no longer survive
    codes: dict[str, int | None] = field(default_factory=dict)

    @property
    def unexcused(self) -> list[str]:
        return self.survived + self.no_tests + self.other

    @property
    def score(self) -> float:
        counted = self.total - len(self.excused)
        return 100.0 if counted <= 0 else 100.0 * (self.killed + self.timeout) / counted


def tally(module: Module) -> Tally | None:
    meta = module.workdir / "mutants" / (module.path.as_posix() + ".meta")
    if not meta.exists():
        return None
    codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    excuse = equivalents(module)
    t = Tally(module, total=len(codes), codes=codes)
    for name, code in codes.items():
        if code in KILLED:
            t.killed += 1
            if name in excuse:
                t.stale.append(name)
        elif code in TIMEOUT:
            t.timeout += 1
        elif name in excuse:
            t.excused.append(name)
        elif code in SURVIVED:
            t.survived.append(name)
        elif code in NO_TESTS:
            t.no_tests.append(name)
        else:
            t.other.append(name)
    return t


def table(modules: list[Module]) -> bool:
    header = f"{'module':<28}{'mutants':>8}{'killed':>8}{'survived':>9}{'timeout':>8}{'no test':>8}"
    header += f"{'equiv.':>7}{'score':>8}"
    print(header)
    print("-" * len(header))
    ok = True
    for module in modules:
        t = tally(module)
        if t is None:
            print(f"{module.label:<28}{'(not run)':>8}")
            ok = False
            continue
        mark = "" if t.score >= TARGET else "  < target"
        ok &= t.score >= TARGET
        print(
            f"{module.label:<28}{t.total:>8}{t.killed:>8}{len(t.survived):>9}{t.timeout:>8}{len(t.no_tests):>8}"
            f"{len(t.excused):>7}{t.score:>7.1f}%{mark}"
        )
        for name in t.other:
            print(f"    {name}: neither killed nor survived (see `mutmut show` in {module.workdir})")
        for name in t.stale:
            print(f"    {name}: listed as equivalent but now killed; delete its line")
    print(f"score = (killed + timeout) / (mutants - equivalents); target {TARGET:.0f}% per module")
    return ok


def survivors(module: Module) -> None:
    t = tally(module)
    if t is None:
        print(f"== {module.label}: not run")
        return
    mutmut = str(Path(sys.executable).parent / "mutmut")
    for name in t.unexcused:
        subprocess.call([mutmut, "show", name], cwd=module.workdir)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="e.g. students, courses/rules, core/calendar (default: all)")
    parser.add_argument("--results", action="store_true", help="print the table of the last runs, run nothing")
    parser.add_argument("--survivors", action="store_true", help="show the diff of every unexcused survivor")
    parser.add_argument("--keep", action="store_true", help="reuse mutmut's copy and cached results")
    parser.add_argument("--wide", action="store_true", help="also every other test file of the app importing it")
    parser.add_argument("--max-children", type=int, default=None, help="mutmut's parallel test processes")
    args = parser.parse_args()
    modules = select(discover(), args.modules)
    if args.survivors:
        for module in modules:
            survivors(module)
        return 0
    if not args.results:
        for module in modules:
            run(module, fresh=not args.keep, wide=args.wide, max_children=args.max_children)
    print()
    return 0 if table(modules) else 1


if __name__ == "__main__":
    sys.exit(main())
