"""Demo coherence: a pupil's school teaches the pupil's grade (no 八年级 at a 小学, no 五年级 at a 高级中学)."""

from __future__ import annotations

from shuangjian.students.demo import GRADES_BY_KIND, _school_for


def test_every_grade_gets_a_school_of_its_stage() -> None:
    # The staff demo's schools of 龙亭区, with the step's stand-ins appended as ``_schools`` does.
    schools = [
        ("S1", "龙亭区实验小学", "primary"),
        ("S2", "开封市第二十五中学", "junior"),
        ("S3", "开封高级中学", "senior"),
        ("X1", "龙亭区第一实验小学", "primary"),
        ("X2", "龙亭区第一初级中学", "junior"),
    ]
    kinds = {code: kind for code, _name, kind in schools}
    for grade in range(1, 10):
        for seq in range(10):
            code, name = _school_for(grade, seq, schools)
            assert grade in GRADES_BY_KIND[kinds[code]], (grade, name)
            assert not (grade >= 7 and "小学" in name) and "高级中学" not in name
