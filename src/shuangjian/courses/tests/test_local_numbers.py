"""Local guidance-price numbers live in settings, are read in rules.py, and every message shows the value in force.

RULES.md marks the standard lesson (45 min offline, 30 min online), the class-size tiers (< 10, 10–35, > 35)
and the ceiling (110 % of the benchmark) as numbers a province sets. The scan below fails if one of them, or a
schedule number of rules.py, is written again as a literal in the courses or students apps' messages, templates
or arithmetic; the settings tests show the rules and their messages following a changed setting.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path
from typing import Any

import pytest

from shuangjian.courses import rules

APPS = Path(rules.__file__).resolve().parent.parent
SCANNED = [APPS / "courses", APPS / "students"]

# A number next to the unit a message would give it: "45 分钟", "35 人", "110 %", "× 1.1", "20:30"...
IN_TEXT = re.compile(
    r"(?<![\d.:])(?:45|30|10)\s*分钟"
    r"|(?<![\d.])(?:10|35)\s*人"
    r"|(?<![\d.])(?:110|10)\s*%"
    r"|×\s*1\.1\b"
    r"|(?<![\d:])(?:20:30|21:00)(?![\d:])"
)
# Numbers that would only appear in code as a copy of a local rule (45-minute lesson, 35-student tier, 110 %).
IN_CODE = {45, 35, 110}


def _sources() -> list[Path]:
    files: list[Path] = []
    for root in SCANNED:
        for path in sorted(root.rglob("*")):
            parts = set(path.relative_to(root).parts)
            if parts & {"tests", "migrations", "__pycache__"} or path.name == "rules.py":
                continue
            if path.suffix in {".py", ".html", ".txt"}:
                files.append(path)
    return files


def _strings(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        return [(n, line) for n, line in enumerate(text.splitlines(), 1)]
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.STRING]


def _code_numbers(path: Path) -> list[tuple[int, int]]:
    if path.suffix != ".py":
        return []
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        operands: list[ast.expr] = []
        if isinstance(node, ast.BinOp):
            operands = [node.left, node.right]
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
        for op in operands:
            if isinstance(op, ast.Constant) and type(op.value) is int and op.value in IN_CODE:
                found.append((op.lineno, op.value))
    return found


def test_the_scan_sees_the_apps_and_would_catch_a_copied_number() -> None:
    names = {p.name for p in _sources()}
    assert {"views.py", "forms.py", "models.py", "services.py", "guidance_prices.html"} <= names
    assert IN_TEXT.search("基准价按标准课时设定（线下 45 分钟、线上 30 分钟），上浮不超过 10%")
    assert IN_TEXT.search("10–35 人") and IN_TEXT.search("× 1.1") and IN_TEXT.search("晚于 20:30 结束")
    assert not IN_TEXT.search("%(n)s 分钟") and not IN_TEXT.search("2026-03-04 19:00")
    tree = ast.parse("ceiling = benchmark * 110 // 100")
    assert any(isinstance(n, ast.Constant) and n.value == 110 for n in ast.walk(tree))


def test_no_local_number_is_written_outside_settings_and_rules() -> None:
    offences = []
    for path in _sources():
        offences += [f"{path.name}:{n}: {m.group(0)}" for n, s in _strings(path) for m in IN_TEXT.finditer(s)]
        offences += [f"{path.name}:{n}: {value}" for n, value in _code_numbers(path)]
    assert offences == []


def test_rules_follow_the_settings_and_messages_show_the_values_in_force(settings: Any) -> None:
    settings.COURSES_STANDARD_LESSON_MINUTES_OFFLINE = 40
    settings.COURSES_STANDARD_LESSON_MINUTES_ONLINE = 25
    settings.COURSES_CLASS_SIZE_SMALL_BELOW = 12
    settings.COURSES_CLASS_SIZE_LARGE_ABOVE = 30
    settings.COURSES_PRICE_CEILING_PERCENT = 120
    assert rules.standard_lesson_minutes("offline") == 40 and rules.standard_lesson_minutes("online") == 25
    assert rules.class_size_tier_choices() == [("small", "12 人以下"), ("medium", "12–30 人"), ("large", "30 人以上")]
    # Benchmark 60 yuan per 40-minute standard lesson, ceiling 120 %: a 40-minute lesson may cost 72 yuan.
    assert rules.price_ceiling_fen(40, "offline", 6000) == 7200
    course = rules.CourseFacts("subject", "math", "", "offline", 40, 7201, "medium", "410202")
    [violation] = rules.check_course_price(course, 6000)
    assert "× 120%" in violation.message and "标准课时 40 分钟" in violation.message
    group = rules.ClassGroupFacts(capacity=12, enrolled_count=0, class_size_tier="small", course_format="online")
    [tier] = rules.check_class_group(group)
    assert tier.code == "class_group.capacity_over_tier" and "上限 11 人" in tier.message


@pytest.mark.django_db
def test_guidance_price_page_states_the_numbers_in_force(client: Any, settings: Any) -> None:
    from shuangjian.core.tests.factories import RegulatorFactory

    settings.COURSES_STANDARD_LESSON_MINUTES_OFFLINE = 40
    settings.COURSES_PRICE_CEILING_PERCENT = 115
    client.force_login(RegulatorFactory.create(scope_code="4102"))
    body = client.get("/courses/prices/").content.decode()
    assert "线下 40 分钟" in body and "上浮不超过 15%" in body
