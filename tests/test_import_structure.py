"""What the import contract (pyproject.toml, ``lint-imports``) cannot see: imports hidden from the graph.

An import inside a function, through ``importlib`` / ``apps.get_model``, or guarded by ``except ImportError``
lets a lower app reach a higher one while the layers contract stays green. Production code reaches another app
only by a module-level import (downwards) or a hook (upwards); the one place a function imports another app is
``AppConfig.ready()``, where Django wants it.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "shuangjian"
# Finds every installed app's demo modules by walking INSTALLED_APPS; it names no app.
# Discovery by design, naming no app: demo_city walks INSTALLED_APPS; the bank adapter is the dotted path a
# setting names (FUNDS_BANK_ADAPTER), so production code never imports the simulated bank.
# The audit log names each event's object by its stored "app.model" label, whatever app wrote it.
DISCOVERY = {"core/management/commands/demo_city.py", "funds/banks/__init__.py", "core/audit.py"}


def _production_files() -> list[Path]:
    return [
        p
        for p in sorted(PACKAGE.rglob("*.py"))
        if "tests" not in p.relative_to(PACKAGE).parts and "migrations" not in p.relative_to(PACKAGE).parts
    ]


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "shuangjian" else None


def _imported_modules(node: ast.Import | ast.ImportFrom, rel: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        return [node.module or ""]
    package = list(rel.with_suffix("").parts[:-1])
    base = package[: len(package) - (node.level - 1)]
    return [".".join([*base, *([node.module] if node.module else [])])]


class _Finder(ast.NodeVisitor):
    def __init__(self, rel: Path) -> None:
        self.rel = rel  # relative to src/: shuangjian/<app>/<module>.py
        self.own_app = rel.parts[1] if len(rel.parts) > 2 else None
        self.functions: list[str] = []
        self.found: list[str] = []

    def _where(self, node: ast.AST) -> str:
        return f"{self.rel}:{getattr(node, 'lineno', 0)}"

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node.name)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def _check_import(self, node: ast.Import | ast.ImportFrom) -> None:
        for module in _imported_modules(node, self.rel):
            if module.split(".")[0] == "importlib":
                self.found.append(f"{self._where(node)} imports importlib")
            app = _app_of(module)
            in_ready = self.rel.name == "apps.py" and self.functions[-1:] == ["ready"]
            if self.functions and app is not None and app != self.own_app and not in_ready:
                self.found.append(f"{self._where(node)} imports {module} inside {self.functions[-1]}()")

    visit_Import = _check_import  # type: ignore[assignment]
    visit_ImportFrom = _check_import  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in {"__import__", "import_module", "get_model", "import_string"}:
            self.found.append(f"{self._where(node)} calls {name}()")
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        for handler in node.handlers:
            caught = ast.unparse(handler.type) if handler.type is not None else ""
            if "ImportError" in caught or "ModuleNotFoundError" in caught:
                self.found.append(f"{self._where(handler)} catches {caught}")
        self.generic_visit(node)


def hidden_imports(source: str, rel: Path) -> list[str]:
    finder = _Finder(rel)
    finder.visit(ast.parse(source, filename=str(rel)))
    return finder.found


def test_no_app_reaches_another_through_a_hidden_import() -> None:
    files = [p for p in _production_files() if str(p.relative_to(PACKAGE)) not in DISCOVERY]
    assert len(files) > 100
    found = [f for p in files for f in hidden_imports(p.read_text(encoding="utf-8"), p.relative_to(SRC))]
    assert found == []


def test_the_check_sees_each_kind_of_hidden_import() -> None:
    # The same walk over a made-up courses module must report every trick, or the test above proves nothing.
    probe = (
        "import importlib\n"
        "from django.apps import apps\n"
        "try:\n"
        "    from shuangjian.funds import services as funds\n"
        "except ImportError:\n"
        "    funds = None\n"
        "def f():\n"
        "    from shuangjian.students.services import student_session_conflicts\n"
        "    from ..students import hooks\n"
        "    from . import rules\n"
        "    from shuangjian.courses import models\n"
        "    return apps.get_model('students', 'Enrolment'), importlib.import_module('x')\n"
    )
    found = hidden_imports(probe, Path("shuangjian/courses/probe.py"))
    assert [f.split(" ", 1)[1] for f in found] == [
        "imports importlib",
        "catches ImportError",
        "imports shuangjian.students.services inside f()",
        "imports shuangjian.students inside f()",
        "calls get_model()",
        "calls import_module()",
    ]
    ready = "class C:\n    def ready(self):\n        from shuangjian.students import hooks\n"
    assert hidden_imports(ready, Path("shuangjian/funds/apps.py")) == []
    assert hidden_imports(ready, Path("shuangjian/funds/views.py")) != []
